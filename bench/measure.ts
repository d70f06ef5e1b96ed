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

const cpuUs = (u: Usage): number => u.userUs + u.systemUs;

export interface CellMetrics {
  loginsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Server process CPU (user + system) per completed login, microseconds. */
  serverCpuUsPerLogin: number;
  /** Server CPU over the run, % of one core: near 100 means the server is the bottleneck. */
  serverCpuPercent: number;
  /** Share of the server's CPU spent in the kernel (syscalls: sockets, timers). */
  serverSystemShare: number;
  /** The bench process (load client + sandbox) per login and its % of one core. */
  driverCpuUsPerLogin: number;
  driverCpuPercent: number;
}

export function cellMetrics(load: LoadResult, server: { before: Usage; after: Usage }, driver: NodeJS.CpuUsage): CellMetrics {
  const n = Math.max(1, load.completed);
  const elapsedUs = load.elapsedMs * 1000;
  const serverUs = cpuUs(server.after) - cpuUs(server.before);
  const driverUs = driver.user + driver.system;
  return {
    loginsPerSec: load.completed / (load.elapsedMs / 1000),
    p50Ms: percentile(load.latenciesMs, 50),
    p99Ms: percentile(load.latenciesMs, 99),
    serverCpuUsPerLogin: serverUs / n,
    serverCpuPercent: (serverUs / elapsedUs) * 100,
    serverSystemShare: serverUs > 0 ? (server.after.systemUs - server.before.systemUs) / serverUs : 0,
    driverCpuUsPerLogin: driverUs / n,
    driverCpuPercent: (driverUs / elapsedUs) * 100,
  };
}

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
