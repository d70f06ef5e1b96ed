// strategy-baseline: an earlier build of the strategy in the same run, so that "no slower than
// the last release" is a ratio taken round by round (the `strategy vs strategy-baseline` row)
// instead of a comparison of two runs on a shared machine an hour apart.
//
// BENCH_BASELINE_DIST names that build's dist/index.js, built in a checkout with its own
// node_modules (its dependencies resolve from there), e.g.
//   git worktree add --detach ../baseline v0.1.0 && (cd ../baseline && npm ci && npm run build)
//   BENCH_BASELINE_DIST=$PWD/../baseline/dist/index.js BENCH_VARIANTS=strategy,strategy-baseline,floor npm run bench
// It runs as the strategy variant does, with the two send budgets every build has (per number,
// per address) out of reach and the rest of that build's defaults, as that release's bench ran it.
// A build of this version (main before a change) knows every budget the strategy variant sets out
// of reach: BENCH_BASELINE_LIMITS=strategy runs it with those. BENCH_BASELINE_LIMITS=off turns the
// limits off, beside strategy-nolimits: what differs then is everything but the limits.
import { pathToFileURL } from 'node:url';
import type { BenchApp, DingTarget } from './shell.js';
import { BENCH_LIMITS, strategyApp, UNREACHABLE } from './strategy.js';

export async function strategyBaselineApp(ding: DingTarget): Promise<BenchApp> {
  const dist = process.env.BENCH_BASELINE_DIST;
  if (!dist) throw new Error('strategy-baseline needs BENCH_BASELINE_DIST: the dist/index.js of the build to compare with');
  const load = async (): Promise<Pick<typeof import('passport-ding'), 'DingOtpStrategy'>> =>
    (await import(pathToFileURL(dist).href)) as Pick<typeof import('passport-ding'), 'DingOtpStrategy'>;
  const which = process.env.BENCH_BASELINE_LIMITS;
  const limits = which === 'strategy' ? BENCH_LIMITS : which === 'off' ? false : { sendsPerPhone: UNREACHABLE, sendsPerIp: UNREACHABLE };
  return strategyApp(ding, { load, limits });
}
