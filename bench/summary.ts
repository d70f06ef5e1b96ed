// From cells (one per variant x concurrency x round) to the table's rows and the ratios.
// Within a round the variants take turns in chunks (cell.ts), so a ratio is taken per round (the
// two cells ran side by side, under the same background load) and the median of those is reported. On a shared
// machine, other work only ever adds time, so the best round of each variant (most logins/s,
// least CPU per login) is also kept: the ratio of bests is the least disturbed comparison.
import type { CellResult } from './cell.js';
import { cpuOf, median, medianInterval, type CellMetrics } from './measure.js';
import type { VariantName } from './variants/index.js';

/** The metrics of a cell (measure.ts), each the median over rounds; then the group's own fields. */
export interface Row extends Omit<CellMetrics, 'driverCpuUsPerLogin'> {
  variant: VariantName;
  concurrency: number;
  rounds: number;
  /** Completed logins over all rounds, and failures. */
  logins: number;
  failed: number;
  /** Best round: most logins/s, least CPU per login (event loop when known). */
  bestLoginsPerSec: number;
  bestCpuUsPerLogin: number;
  /** Worst (largest) over rounds. */
  upstreamConnections: number;
  upstreamPeakOpen: number;
  poolSize: number | null;
  peakRssBytes: number;
}

export interface Ratio {
  concurrency: number;
  baseline: VariantName;
  /** strategy logins/s divided by the baseline's, median over rounds, with min and max. */
  throughput: number;
  throughputMin: number;
  throughputMax: number;
  /** A ~95 % interval for that median (measure.ts medianInterval): rounds differ by more than chance alone. */
  throughputLow: number;
  throughputHigh: number;
  /**
   * Against THROUGHPUT_TARGET: `met` when the whole interval is at or above it, `missed` when all
   * of it is below, `line` when the target lies inside it (the median alone says which side).
   */
  verdict: 'met' | 'line' | 'missed';
  /**
   * strategy CPU per login divided by the baseline's (above 1: the strategy costs more); the
   * event loop's CPU where known, else the process's.
   */
  cpuPerLogin: number;
  /** The same two ratios from each variant's best round. */
  throughputBest: number;
  cpuPerLoginBest: number;
  /** Strategy minus baseline server CPU per login, best rounds, microseconds. */
  cpuExtraUsBest: number;
}

export const THROUGHPUT_TARGET = 0.9;

export function rows(cells: readonly CellResult[]): Row[] {
  const groups = new Map<string, CellResult[]>();
  for (const c of cells) {
    const key = `${c.variant}@${c.concurrency}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()].map((g) => {
    const first = g[0] as CellResult;
    const m = (f: (c: CellResult) => number): number => median(g.map(f));
    return {
      variant: first.variant,
      concurrency: first.concurrency,
      rounds: g.length,
      logins: g.reduce((s, c) => s + c.load.completed, 0),
      failed: g.reduce((s, c) => s + c.load.failed, 0),
      loginsPerSec: m((c) => c.loginsPerSec),
      p50Ms: m((c) => c.p50Ms),
      p99Ms: m((c) => c.p99Ms),
      loopCpuUsPerLogin: first.loopCpuUsPerLogin === null ? null : m((c) => c.loopCpuUsPerLogin ?? NaN),
      loopCpuPercent: first.loopCpuPercent === null ? null : m((c) => c.loopCpuPercent ?? NaN),
      serverCpuUsPerLogin: m((c) => c.serverCpuUsPerLogin),
      serverCpuPercent: m((c) => c.serverCpuPercent),
      serverSystemShare: m((c) => c.serverSystemShare),
      gcUsPerLogin: m((c) => c.gcUsPerLogin),
      minorGcPer1000: m((c) => c.minorGcPer1000),
      majorGcPer1000: m((c) => c.majorGcPer1000),
      bestLoginsPerSec: Math.max(...g.map((c) => c.loginsPerSec)),
      bestCpuUsPerLogin: Math.min(...g.map(cpuOf)),
      driverCpuPercent: m((c) => c.driverCpuPercent),
      upstreamConnections: Math.max(...g.map((c) => c.upstreamConnections)),
      upstreamPeakOpen: Math.max(...g.map((c) => c.upstreamPeakOpen)),
      poolSize: first.poolSize,
      peakRssBytes: Math.max(...g.map((c) => c.peakRssBytes)),
    };
  });
}

export function ratios(cells: readonly CellResult[], baselines: readonly VariantName[]): Ratio[] {
  const find = (variant: VariantName, concurrency: number, round: number): CellResult | undefined =>
    cells.find((c) => c.variant === variant && c.concurrency === concurrency && c.round === round);
  const out: Ratio[] = [];
  const concurrencies = [...new Set(cells.map((c) => c.concurrency))];
  for (const concurrency of concurrencies) {
    for (const baseline of baselines) {
      const pairs = cells
        .filter((c) => c.variant === 'strategy' && c.concurrency === concurrency)
        .flatMap((s) => {
          const b = find(baseline, concurrency, s.round);
          return b ? [{ s, b }] : [];
        });
      if (pairs.length === 0) continue;
      const t = pairs.map(({ s, b }) => s.loginsPerSec / b.loginsPerSec);
      const interval = medianInterval(t);
      const best = (list: CellResult[], f: (c: CellResult) => number, pick: (...n: number[]) => number): number => pick(...list.map(f));
      const ss = pairs.map((p) => p.s);
      const bs = pairs.map((p) => p.b);
      out.push({
        concurrency,
        baseline,
        throughput: median(t),
        throughputMin: Math.min(...t),
        throughputMax: Math.max(...t),
        throughputLow: interval.low,
        throughputHigh: interval.high,
        verdict: interval.low >= THROUGHPUT_TARGET ? 'met' : interval.high < THROUGHPUT_TARGET ? 'missed' : 'line',
        cpuPerLogin: median(pairs.map(({ s, b }) => cpuOf(s) / cpuOf(b))),
        throughputBest: best(ss, (c) => c.loginsPerSec, Math.max) / best(bs, (c) => c.loginsPerSec, Math.max),
        cpuPerLoginBest: best(ss, cpuOf, Math.min) / best(bs, cpuOf, Math.min),
        cpuExtraUsBest: best(ss, cpuOf, Math.min) - best(bs, cpuOf, Math.min),
      });
    }
  }
  return out;
}
