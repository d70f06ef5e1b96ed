// Instructions per login of a variant's server process, counted by valgrind: a figure that does
// not move with the machine's load, where CPU time on a shared 2-core host moves by ±5 % from
// round to round. Per variant, two server children run under valgrind at once (one per core): one
// serves the warm-up logins and stops, the other the warm-up and then the measured logins; the
// difference of their totals, over the measured logins, is the figure. Startup and warm-up cancel
// out; what is left varies by about 1 % from run to run (V8's compiler threads run when valgrind
// schedules them).
//
//   npx tsx bench/instructions.ts                       # strategy and floor, 1,000 logins after 500
//   BENCH_VARIANTS=strategy,strategy-baseline BENCH_BASELINE_DIST=... npx tsx bench/instructions.ts
//
// Settings: BENCH_VARIANTS, BENCH_LOGINS (1000), BENCH_WARMUP (500), BENCH_CONCURRENCY (16, one
// value), and at most one of
//   BENCH_CG_SIM=1      also simulate the caches and branch prediction (cachegrind): misses per
//                       login in the first-level instruction and data caches and the last-level
//                       cache, and mispredicted branches; about 3x slower;
//   BENCH_CG_THREADS=1  the event-loop thread apart from V8's helper threads (callgrind,
//                       --separate-threads): the main thread's count is the one that bounds
//                       throughput, and the helpers' moves with valgrind's scheduling; ~1.5x slower.
// BENCH_CG_DIR keeps cachegrind's per-function files there (`cg_diff` two of them, then
// `cg_annotate`, for where the difference is: V8's compiler, its GC, its builtins by name; code
// the JIT made shows as `???`). Needs valgrind (`apt-get install valgrind`); about 40 s per 1,000
// logins on one core. It runs the built dist/ (as the bench does): `npm run build` first.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleServer } from './bundle.js';
import { startServerChild } from './child.js';
import { CACHE, loadSandbox, snapshotDist } from './dist.js';
import { LoadClient } from './load.js';
import { isVariantName, type VariantName } from './variants/index.js';

const env = process.env;
const variants = (env.BENCH_VARIANTS ?? 'strategy,floor').split(',').map((v) => {
  if (!isVariantName(v)) throw new Error(`BENCH_VARIANTS: unknown variant "${v}"`);
  return v;
});
const logins = Number(env.BENCH_LOGINS ?? 1000);
const warmup = Number(env.BENCH_WARMUP ?? 500);
const concurrency = Number(env.BENCH_CONCURRENCY ?? 16);
const cgDir = env.BENCH_CG_DIR;
const simulate = env.BENCH_CG_SIM === '1';
const threads = env.BENCH_CG_THREADS === '1';
if (simulate && threads) throw new Error('BENCH_CG_SIM and BENCH_CG_THREADS: one at a time (cachegrind simulates, callgrind splits threads)');

// fork() runs this instead of node; the variables say where valgrind writes.
const WRAPPER = join(CACHE, 'valgrind-node.sh');
const tool = threads
  ? '--tool=callgrind --separate-threads=yes --callgrind-out-file="$CG_OUT"'
  : `--tool=cachegrind ${simulate ? '--cache-sim=yes --branch-sim=yes' : '--cache-sim=no'} --cachegrind-out-file="$CG_OUT"`;
const wrapper = `#!/bin/sh
exec valgrind ${tool} --log-file="$CG_LOG" "${process.execPath}" "$@"
`;

/** cachegrind's summary lines: instructions, and with BENCH_CG_SIM the misses, by label. */
const SUMMARY = {
  instructions: /I\s+refs:\s+([\d,]+)/,
  'I1 misses': /I1\s+misses:\s+([\d,]+)/,
  'D1 misses': /D1\s+misses:\s+([\d,]+)/,
  'LL misses': /LL misses:\s+([\d,]+)/,
  mispredicts: /Mispredicts:\s+([\d,]+)/,
};
type Label = keyof typeof SUMMARY | 'main thread' | 'helper threads';
type Counts = Partial<Record<Label, number>>;

function readSummary(log: string): Counts {
  const text = readFileSync(log, 'utf8');
  const counts: Counts = {};
  for (const [label, pattern] of Object.entries(SUMMARY) as [keyof typeof SUMMARY, RegExp][]) {
    const found = pattern.exec(text)?.[1];
    if (found !== undefined) counts[label] = Number(found.replaceAll(',', ''));
  }
  if (counts.instructions === undefined) throw new Error(`no instruction count in ${log}`);
  return counts;
}

/**
 * callgrind's files, one per thread (`<out>-01` is the thread that started first: node's main
 * thread, which runs the event loop), each with its `totals:` line.
 */
function readThreads(dir: string): Counts {
  let main = 0;
  let helpers = 0;
  for (const file of readdirSync(dir)) {
    const suffix = /-(\d+)$/.exec(file)?.[1];
    if (suffix === undefined) continue;
    const total = /^(?:totals|summary):\s+(\d+)/m.exec(readFileSync(join(dir, file), 'utf8'))?.[1];
    if (total === undefined) throw new Error(`no totals in ${join(dir, file)}`);
    if (Number(suffix) === 1) main = Number(total);
    else helpers += Number(total);
  }
  if (main === 0) throw new Error(`no main-thread file in ${dir}`);
  return { instructions: main + helpers, 'main thread': main, 'helper threads': helpers };
}

/** Totals of one server child that serves `warm` logins, then `measured` more. */
async function instructions(variant: VariantName, warm: number, measured: number, tag: string): Promise<Counts> {
  const { startDingSandbox } = await loadSandbox();
  const sandbox = await startDingSandbox();
  const log = join(CACHE, `valgrind-${tag}.log`);
  const threadDir = threads ? mkdtempSync(join(tmpdir(), `callgrind-${tag}-`)) : undefined;
  const out = threadDir ? join(threadDir, 'callgrind.out') : cgDir ? join(cgDir, `cachegrind.${tag}`) : '/dev/null';
  try {
    const child = await startServerChild(variant, { url: sandbox.url, apiKey: sandbox.apiKey, customerUuid: sandbox.customerUuid }, {
      execPath: WRAPPER,
      env: { CG_LOG: log, CG_OUT: out },
    });
    const client = new LoadClient(child.origin, sandbox, concurrency);
    for (const n of [warm, measured]) {
      if (n === 0) continue;
      const run = await client.run({ logins: n, maxMs: 3_600_000 });
      if (run.failed > 0) throw new Error(`${variant}: ${run.failed} logins failed (${run.failures.join('; ')})`);
    }
    await client.close();
    await child.stop();
    return threadDir ? readThreads(threadDir) : readSummary(log);
  } finally {
    await sandbox.close();
    if (threadDir) rmSync(threadDir, { recursive: true, force: true });
  }
}

execFileSync('valgrind', ['--version']);
mkdirSync(CACHE, { recursive: true });
if (cgDir) mkdirSync(cgDir, { recursive: true });
writeFileSync(WRAPPER, wrapper);
chmodSync(WRAPPER, 0o755);
snapshotDist();
await bundleServer();
const what = threads ? 'callgrind, threads apart' : simulate ? 'cachegrind, caches and branches simulated' : 'cachegrind';
console.log(`instructions per login of the server process: ${logins} logins after ${warmup}, concurrency ${concurrency} (valgrind, ${what})`);
const extras: readonly Label[] = threads ? ['main thread', 'helper threads'] : simulate ? ['I1 misses', 'D1 misses', 'LL misses', 'mispredicts'] : [];
for (const variant of variants) {
  const [base, total] = await Promise.all([
    instructions(variant, warmup, 0, `${variant}-warm`),
    instructions(variant, warmup, logins, `${variant}-measured`),
  ]);
  const perLogin = (label: Label): string => (((total[label] ?? 0) - (base[label] ?? 0)) / logins / 1000).toFixed(1);
  const more = extras.map((label) => `, ${perLogin(label)} k ${label}`).join('');
  console.log(`${variant.padEnd(20)} ${perLogin('instructions').padStart(7)} k instructions per login${more}`);
}
