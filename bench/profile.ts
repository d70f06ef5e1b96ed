// Summarises V8 CPU profiles (from BENCH_CPU_PROF=dir npm run bench) by where the time went:
// self time per package (or node internals, GC, the passport-ding bundle) and the top functions,
// plus the inclusive time of chosen functions. Usage:
//   npx tsx bench/profile.ts <file.cpuprofile> [more...]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a frame's code lives: a package name, the library bundle, node internals, or V8. */
export function owner(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return 'node:' + (url.slice(5).split('/')[0] ?? '');
  if (url.includes('/passport-ding-bench/dist/')) return 'passport-ding';
  if (url.includes('/passport-ding-bench/server/')) return 'bench app';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url.slice(url.lastIndexOf('node_modules/')));
  return m?.[1] ?? url;
}

const INCLUSIVE = [
  'authenticate', 'normalizePhone', 'parsePhoneNumberFromString', 'isValid', 'maskPhone', 'request',
  'send', 'verify', 'check', 'createAuthentication', 'setTimeout', 'AbortController', 'readJson',
  'parseCreateAuthentication', 'parseCheck', 'save', 'regenerate', 'logIn', 'serializeUser', 'JSON.parse',
];

export function summarise(file: string): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);

  const byOwner = new Map<string, number>();
  const byFn = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const o = owner(url, functionName);
    byOwner.set(o, (byOwner.get(o) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'} ${o}:${lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + us);
    // Inclusive: count a sample once per named function on its stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)?.callFrame;
      if (!f) break;
      const key = `${f.functionName} (${owner(f.url, f.functionName)})`;
      if (INCLUSIVE.includes(f.functionName) && !seen.has(key)) {
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + us);
      }
    }
  }
  const pct = (us: number): string => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
  const top = (m: Map<string, number>, k: number): string[] =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, us]) => `  ${pct(us)}  ${name}`);
  return [
    `${basename(file)}: ${(total / 1000).toFixed(0)} ms sampled`,
    'self time by owner:',
    ...top(byOwner, 15),
    'top functions (self):',
    ...top(byFn, 25),
    'inclusive:',
    ...top(inclusive, 40),
  ].join('\n');
}

if (process.argv[1] && basename(process.argv[1]).startsWith('profile')) {
  for (const file of process.argv.slice(2)) console.log(`${summarise(file)}\n`);
}
