// Summarises V8 CPU profiles of the server children (BENCH_CPU_PROF=dir npm run bench): self time
// by owner (a package, the passport-ding bundle, node internals, GC) and the top functions. With
// two files, the difference per owner, in CPU microseconds per login when --logins is given:
//   npx tsx bench/profile.ts strategy.cpuprofile
//   npx tsx bench/profile.ts --logins 5300 strategy.cpuprofile floor.cpuprofile
// Allocation profiles (BENCH_ALLOC_PROF=dir) read the same way, in bytes allocated instead of
// microseconds: npx tsx bench/profile.ts --logins 2600 strategy.heapprofile floor.heapprofile
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}
/** V8's sampling heap profile: a call tree whose nodes carry the bytes allocated in them. */
interface HeapNode {
  callFrame: ProfileNode['callFrame'];
  selfSize: number;
  children: HeapNode[];
}

/** Where a frame's code lives: a package, the library bundle, the bench app, node internals, or V8. */
export function owner(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return url;
  if (url.includes('/passport-ding-bench/dist/')) return 'passport-ding';
  if (url.includes('/passport-ding-bench/server/')) return 'bench app';
  const tail = url.slice(url.lastIndexOf('node_modules/'));
  return /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(tail)?.[1] ?? url;
}

interface Totals {
  file: string;
  /** What the numbers are: CPU microseconds (a CPU profile) or bytes allocated (a heap profile). */
  unit: 'µs' | 'bytes';
  /** Self time (or bytes), by owner and by function, and in all. */
  byOwner: Map<string, number>;
  byFunction: Map<string, number>;
  total: number;
}

export function totals(file: string): Totals {
  const json = JSON.parse(readFileSync(file, 'utf8')) as Profile | { head: HeapNode };
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  const add = (frame: ProfileNode['callFrame'], amount: number): void => {
    total += amount;
    const o = owner(frame.url, frame.functionName);
    byOwner.set(o, (byOwner.get(o) ?? 0) + amount);
    const fn = `${frame.functionName || '(anonymous)'} ${o}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + amount);
  };
  if ('head' in json) {
    const walk = (node: HeapNode): void => {
      add(node.callFrame, node.selfSize);
      node.children.forEach(walk);
    };
    walk(json.head);
    return { file, unit: 'bytes', byOwner, byFunction, total };
  }
  const byId = new Map(json.nodes.map((n) => [n.id, n]));
  json.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    if (frame && frame.functionName !== '(idle)') add(frame, json.timeDeltas[i] ?? 0);
  });
  return { file, unit: 'µs', byOwner, byFunction, total };
}

const top = (m: Map<string, number>, k: number): Array<[string, number]> => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k);

export function summary(t: Totals): string {
  const pct = (us: number): string => `${((us / t.total) * 100).toFixed(1).padStart(5)}%`;
  return [
    t.unit === 'bytes' ? `${basename(t.file)}: ${(t.total / 2 ** 20).toFixed(0)} MiB allocated` : `${basename(t.file)}: ${(t.total / 1000).toFixed(0)} ms busy`,
    'self time by owner:',
    ...top(t.byOwner, 20).map(([k, us]) => `  ${pct(us)}  ${k}`),
    'top functions (self):',
    ...top(t.byFunction, 25).map(([k, us]) => `  ${pct(us)}  ${k}`),
  ].join('\n');
}

/** a minus b per key, largest first; per login when `logins` is given (else milliseconds or KiB). */
export function diff(a: Map<string, number>, b: Map<string, number>, logins: number | undefined, k: number, unit: Totals['unit'] = 'µs'): string[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  const scale =
    unit === 'bytes'
      ? (bytes: number): string => (logins ? `${(bytes / logins).toFixed(0)} B/login` : `${(bytes / 1024).toFixed(0)} KiB`)
      : (us: number): string => (logins ? `${(us / logins).toFixed(1)} µs/login` : `${(us / 1000).toFixed(0)} ms`);
  return [...keys]
    .map((key): [string, number, number] => [key, a.get(key) ?? 0, b.get(key) ?? 0])
    .sort((x, y) => Math.abs(y[1] - y[2]) - Math.abs(x[1] - x[2]))
    .slice(0, k)
    .map(([key, x, y]) => `  ${scale(x - y).padStart(16)}  (${scale(x)} vs ${scale(y)})  ${key}`);
}

function main(argv: string[]): void {
  const at = argv.indexOf('--logins');
  const logins = at >= 0 ? Number(argv[at + 1]) : undefined;
  const files = at < 0 ? argv : argv.filter((_, i) => i !== at && i !== at + 1);
  const [first, second] = files.map(totals);
  if (!first) throw new Error('usage: profile.ts [--logins N] a.cpuprofile [b.cpuprofile]');
  if (!second) {
    console.log(summary(first));
    return;
  }
  if (first.unit !== second.unit) throw new Error('profile.ts: compare a CPU profile with a CPU profile, an allocation profile with an allocation profile');
  const unit = first.unit;
  const what = unit === 'bytes' ? 'allocated' : 'busy';
  console.log(`${basename(first.file)} minus ${basename(second.file)}: ${what} ${diff(new Map([['total', first.total]]), new Map([['total', second.total]]), logins, 1, unit)[0]?.trim()}`);
  console.log('by owner:');
  console.log(diff(first.byOwner, second.byOwner, logins, 25, unit).join('\n'));
  console.log('by function:');
  console.log(diff(first.byFunction, second.byFunction, logins, 40, unit).join('\n'));
}

if (process.argv[1] && basename(process.argv[1]).startsWith('profile')) main(process.argv.slice(2));
