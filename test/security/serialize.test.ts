// The per-verification check queue and its ledger on their own (lib/serialize.ts); the races
// through real logins are in test/limits/strategy.test.ts.
import { describe, expect, it } from 'vitest';
import { CheckSerializer } from '../../lib/serialize.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('CheckSerializer', () => {
  it('runs tasks of one id one at a time, in arrival order, and other ids alongside', async () => {
    const s = new CheckSerializer();
    const log: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const a1 = s.run('a', async () => {
      log.push('a1 start');
      await gate;
      log.push('a1 end');
      return 1;
    });
    const a2 = s.run('a', async () => {
      log.push('a2');
      return 2;
    });
    const b1 = s.run('b', async () => {
      log.push('b1');
      return 3;
    });
    await tick();
    expect(log).toEqual(['a1 start', 'b1']);
    release();
    expect(await Promise.all([a1, a2, b1])).toEqual([1, 2, 3]);
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  });

  it('goes on after a task that throws, passes the error to its caller only, and forgets idle ids', async () => {
    const s = new CheckSerializer();
    const failed = s.run('a', async () => {
      throw new Error('upstream down');
    });
    const next = s.run('a', async () => 'ok');
    await expect(failed).rejects.toThrow('upstream down');
    expect(await next).toBe('ok');
    await tick();
    expect(s.size.queued).toBe(0);
  });

  it('keeps the fewest attempts left seen, and a finished verification stays finished', () => {
    const s = new CheckSerializer();
    const now = 1_000;
    expect(s.attemptsLeft('v', 5, now)).toBe(5);
    s.recordLeft('v', 3, 10_000, now);
    expect(s.attemptsLeft('v', 5, now)).toBe(3); // a stale session copy says 5
    expect(s.attemptsLeft('v', 2, now)).toBe(2); // a fresher session says fewer
    s.recordLeft('v', -4, 10_000, now);
    expect(s.attemptsLeft('v', 5, now)).toBe(0);
    s.finish('v', 10_000, now);
    expect(s.attemptsLeft('v', 5, now)).toBe('finished');
    // After the verification's expiry the entry is of no use: the session decides again.
    expect(s.attemptsLeft('v', 5, 10_000)).toBe(5);
  });

  it('bounds the ledger: expired entries go first, then the oldest', () => {
    const s = new CheckSerializer(3);
    s.recordLeft('old-expired', 1, 500, 0);
    s.recordLeft('a', 1, 10_000, 0);
    s.recordLeft('b', 1, 10_000, 0);
    s.recordLeft('c', 1, 10_000, 1_000); // over the bound at t=1000: old-expired goes
    expect(s.size.ledger).toBe(3);
    expect(s.attemptsLeft('a', 5, 1_000)).toBe(1);
    s.finish('d', 10_000, 1_000); // nothing expired: the oldest (a) goes
    expect(s.size.ledger).toBe(3);
    expect(s.attemptsLeft('a', 5, 1_000)).toBe(5);
    expect(s.attemptsLeft('d', 5, 1_000)).toBe('finished');
  });
});
