// Instructions per login of a variant's server process, counted by valgrind (cachegrind): a
// figure that does not move with the machine's load, where CPU time on a shared 2-core host moves
// by ±5 % from round to round. Per variant, two server children run under valgrind at once (one
// per core): one serves the warm-up logins and stops, the other the warm-up and then the measured
// logins; the difference of their totals, over the measured logins, is the figure. Startup and
// warm-up cancel out; what is left varies by about 1 % from run to run (V8's compiler threads run
// when valgrind schedules them).
//
//   npx tsx bench/instructions.ts                       # strategy and floor, 1,000 logins after 500
//   BENCH_VARIANTS=strategy,strategy-baseline BENCH_BASELINE_DIST=... npx tsx bench/instructions.ts
//
// Settings: BENCH_VARIANTS, BENCH_LOGINS (1000), BENCH_WARMUP (500), BENCH_CONCURRENCY (16, one
// value), BENCH_CG_DIR (keep cachegrind's per-function files there; `cg_diff` two of them, then
// `cg_annotate`, for where the difference is: V8's compiler, its GC, its builtins by name; code
// the JIT made shows as `???`). Needs valgrind (`apt-get install valgrind`); about 40 s per 1,000
// logins on one core. It runs the built dist/ (as the bench does): `npm run build` first.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

// fork() runs this instead of node; the variables say where valgrind writes.
const WRAPPER = join(CACHE, 'valgrind-node.sh');
const wrapper = `#!/bin/sh
exec valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$CG_OUT" --log-file="$CG_LOG" "${process.execPath}" "$@"
`;

/** Total instructions of one server child that serves `warm` logins, then `measured` more. */
async function instructions(variant: VariantName, warm: number, measured: number, tag: string): Promise<number> {
  const { startDingSandbox } = await loadSandbox();
  const sandbox = await startDingSandbox();
  const log = join(CACHE, `cachegrind-${tag}.log`);
  try {
    const child = await startServerChild(variant, { url: sandbox.url, apiKey: sandbox.apiKey, customerUuid: sandbox.customerUuid }, {
      execPath: WRAPPER,
      env: { CG_LOG: log, CG_OUT: cgDir ? join(cgDir, `cachegrind.${tag}`) : '/dev/null' },
    });
    const client = new LoadClient(child.origin, sandbox, concurrency);
    for (const n of [warm, measured]) {
      if (n === 0) continue;
      const run = await client.run({ logins: n, maxMs: 3_600_000 });
      if (run.failed > 0) throw new Error(`${variant}: ${run.failed} logins failed (${run.failures.join('; ')})`);
    }
    await client.close();
    await child.stop();
  } finally {
    await sandbox.close();
  }
  const total = /I\s+refs:\s+([\d,]+)/.exec(readFileSync(log, 'utf8'))?.[1];
  if (total === undefined) throw new Error(`no instruction count in ${log}`);
  return Number(total.replaceAll(',', ''));
}

execFileSync('valgrind', ['--version']);
mkdirSync(CACHE, { recursive: true });
if (cgDir) mkdirSync(cgDir, { recursive: true });
writeFileSync(WRAPPER, wrapper);
chmodSync(WRAPPER, 0o755);
snapshotDist();
await bundleServer();
console.log(`instructions per login of the server process: ${logins} logins after ${warmup}, concurrency ${concurrency} (valgrind, cachegrind)`);
for (const variant of variants) {
  const [base, total] = await Promise.all([
    instructions(variant, warmup, 0, `${variant}-warm`),
    instructions(variant, warmup, logins, `${variant}-measured`),
  ]);
  console.log(`${variant.padEnd(20)} ${((total - base) / logins / 1000).toFixed(0).padStart(6)} k instructions per login`);
}
