// The one piece of the bench's arithmetic a verdict rests on: the interval for the median of the
// per-round ratios (bench/measure.ts). Checked against the binomial tables for the order-statistic
// interval of a median.
import { describe, expect, it } from 'vitest';
import { cellMetrics, medianInterval } from '../../bench/measure.js';
import type { Usage } from '../../bench/protocol.js';

const ranks = (n: number) => medianInterval(Array.from({ length: n }, (_, i) => i + 1));

describe('medianInterval', () => {
  it.each([
    // n, k: the k-th smallest to the k-th largest holds the median with >= 95 % confidence.
    [6, 1],
    [9, 2],
    [10, 2],
    [12, 3],
    [15, 4],
    [20, 6],
    [30, 10],
  ])('%i rounds: the %i-th value from each end', (n, k) => {
    expect(ranks(n)).toEqual({ low: k, high: n + 1 - k });
  });

  it('is min..max below 6 rounds, where no narrower interval reaches 95 %', () => {
    expect(ranks(5)).toEqual({ low: 1, high: 5 });
    expect(ranks(1)).toEqual({ low: 1, high: 1 });
  });

  it('does not care about the order of the rounds', () => {
    expect(medianInterval([0.95, 0.85, 0.91, 0.88, 0.93, 0.9, 0.97, 0.86, 0.92, 0.89])).toEqual({ low: 0.86, high: 0.95 });
  });
});

describe('cellMetrics', () => {
  const usage = (at: number, gc: Usage['gc']): Usage => ({ userUs: at, systemUs: 0, mainThreadUs: at, rss: 0, heapUsed: 0, external: 0, maxRss: 0, gc });
  const load = { concurrency: 16, requested: 2000, completed: 2000, failed: 0, failures: [], elapsedMs: 2000, latenciesMs: [1, 2], timedOut: false };

  it("counts the server's collections over the run alone, per login", () => {
    const before = usage(1_000_000, { minor: 10, major: 1, minorMs: 30, majorMs: 5 });
    const after = usage(3_000_000, { minor: 44, major: 3, minorMs: 130, majorMs: 25 });
    const m = cellMetrics(load, { before, after }, { user: 0, system: 0 });
    // 120 ms of pauses over 2,000 logins; 34 minor and 2 major collections.
    expect(m.gcUsPerLogin).toBe(60);
    expect(m.minorGcPer1000).toBe(17);
    expect(m.majorGcPer1000).toBe(1);
    expect(m.loopCpuUsPerLogin).toBe(1000);
  });
});
