// Numbers from raw readings: percentiles, rates, CPU per login, trend of a series. Pure functions.
import type { LoadResult } from './load.js';
import type { Usage } from './protocol.js';

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

/**
 * A distribution-free interval for the median of `values` (order statistics): the k-th smallest
 * and k-th largest, with k the largest for which P(Binomial(n, 1/2) < k) <= 2.5 %, so it holds
 * the true median at least 95 % of the time whatever the distribution. Below 6 values no such k
 * exists, and the interval is min..max (about 94 % with 5 values, less with fewer).
 */
export function medianInterval(values: readonly number[]): { low: number; high: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  let k = 1;
  // After adding C(n, i) / 2^n, `below` is P(B <= i) = P(B < i + 1).
  let below = 0;
  let choose = 1;
  for (let i = 0; i < n; i++) {
    below += choose / 2 ** n;
    if (below > 0.025) break;
    k = i + 1;
    choose = (choose * (n - i)) / (i + 1);
  }
  k = Math.min(k, Math.ceil(n / 2));
  return { low: sorted[k - 1] ?? NaN, high: sorted[n - k] ?? NaN };
}

const cpuUs = (u: Usage): number => u.userUs + u.systemUs;

export interface CellMetrics {
  loginsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** The server's main thread (event loop) on-CPU time per login, µs; null where unknown. */
  loopCpuUsPerLogin: number | null;
  /** Main thread busy over the run, % of one core: near 100 means the server is the bottleneck. */
  loopCpuPercent: number | null;
  /** Server process CPU (user + system, all threads) per completed login, microseconds. */
  serverCpuUsPerLogin: number;
  /** Server process CPU over the run, % of one core (above 100: helper threads too). */
  serverCpuPercent: number;
  /** Share of the server's CPU spent in the kernel (syscalls: sockets, timers). */
  serverSystemShare: number;
  /** Garbage collection per login on the server's main thread (V8's pauses, minor and major), µs. */
  gcUsPerLogin: number;
  /** Collections per 1,000 logins: minor (young objects) and major (the whole heap). */
  minorGcPer1000: number;
  majorGcPer1000: number;
  /** The bench process (load client + sandbox) per login and its % of one core. */
  driverCpuUsPerLogin: number;
  driverCpuPercent: number;
}

export function cellMetrics(load: LoadResult, server: { before: Usage; after: Usage }, driver: NodeJS.CpuUsage): CellMetrics {
  const n = Math.max(1, load.completed);
  const elapsedUs = load.elapsedMs * 1000;
  const serverUs = cpuUs(server.after) - cpuUs(server.before);
  const driverUs = driver.user + driver.system;
  const { before, after } = server;
  const loopUs = before.mainThreadUs !== null && after.mainThreadUs !== null ? after.mainThreadUs - before.mainThreadUs : null;
  return {
    loopCpuUsPerLogin: loopUs === null ? null : loopUs / n,
    loopCpuPercent: loopUs === null ? null : (loopUs / elapsedUs) * 100,
    loginsPerSec: load.completed / (load.elapsedMs / 1000),
    p50Ms: percentile(load.latenciesMs, 50),
    p99Ms: percentile(load.latenciesMs, 99),
    serverCpuUsPerLogin: serverUs / n,
    serverCpuPercent: (serverUs / elapsedUs) * 100,
    serverSystemShare: serverUs > 0 ? (server.after.systemUs - server.before.systemUs) / serverUs : 0,
    gcUsPerLogin: ((after.gc.minorMs + after.gc.majorMs - before.gc.minorMs - before.gc.majorMs) * 1000) / n,
    minorGcPer1000: ((after.gc.minor - before.gc.minor) * 1000) / n,
    majorGcPer1000: ((after.gc.major - before.gc.major) * 1000) / n,
    driverCpuUsPerLogin: driverUs / n,
    driverCpuPercent: (driverUs / elapsedUs) * 100,
  };
}

/** The CPU figure comparisons use: the event loop's when known, else the whole process's. */
export const cpuOf = (m: Pick<CellMetrics, 'loopCpuUsPerLogin' | 'serverCpuUsPerLogin'>): number =>
  m.loopCpuUsPerLogin ?? m.serverCpuUsPerLogin;

/** Least-squares slope of y over x (units of y per unit of x); 0 for fewer than two points. */
export function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
  }
  return sxx === 0 ? 0 : sxy / sxx;
}
