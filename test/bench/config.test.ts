// The bench's sender mode: one number per worker by default, a new sender per login on request,
// and a typo refused rather than silently measuring the other mode.
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../bench/config.js';

describe('BENCH_SENDERS', () => {
  it('defaults to one number per worker, with no proxy trusted', () => {
    const config = readConfig({});
    expect(config.distinctSenders).toBe(false);
    expect(config.child.trustProxy).toBe(false);
  });

  it('distinct: every login a new sender, and the servers trust X-Forwarded-For from loopback', () => {
    const config = readConfig({ BENCH_SENDERS: 'distinct' });
    expect(config.distinctSenders).toBe(true);
    expect(config.child.trustProxy).toBe(true);
  });

  it('refuses anything else', () => {
    expect(() => readConfig({ BENCH_SENDERS: 'distict' })).toThrow('BENCH_SENDERS must be worker or distinct (got "distict")');
  });
});
