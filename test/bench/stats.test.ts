// The one piece of the bench's arithmetic a verdict rests on: the interval for the median of the
// per-round ratios (bench/measure.ts). Checked against the binomial tables for the order-statistic
// interval of a median.
import { describe, expect, it } from 'vitest';
import { medianInterval } from '../../bench/measure.js';

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
