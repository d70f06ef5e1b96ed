// CheckSerializer's queue and both ledgers, rule by rule (lib/serialize.ts): the cases the login
// suites reach only in passing, each of which a planted bug (npm run mutate) got through.
import { describe, expect, it } from 'vitest';
import { CheckSerializer } from '../../lib/serialize.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A task that runs until released, logging its start and end. */
function held(log: string[], name: string): { task: () => Promise<string>; release: () => void } {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return {
    task: async () => {
      log.push(`${name} start`);
      await gate;
      log.push(`${name} end`);
      return name;
    },
    release: () => release(),
  };
}

describe('CheckSerializer queue', () => {
  it('a task queued behind a running one still waits for it after the first task of the id settled', async () => {
    const s = new CheckSerializer();
    const log: string[] = [];
    const first = held(log, 'a1');
    const second = held(log, 'a2');
    const p1 = s.run('a', first.task);
    const p2 = s.run('a', second.task);
    first.release();
    expect(await p1).toBe('a1');
    await tick();
    // a2 runs now; a3 arrives while it does and must queue behind it, not beside it.
    expect(log).toEqual(['a1 start', 'a1 end', 'a2 start']);
    expect(s.size.queued).toBe(1);
    const p3 = s.run('a', async () => {
      log.push('a3');
      return 'a3';
    });
    await tick();
    expect(log).toEqual(['a1 start', 'a1 end', 'a2 start']);
    second.release();
    expect(await Promise.all([p2, p3])).toEqual(['a2', 'a3']);
    expect(log).toEqual(['a1 start', 'a1 end', 'a2 start', 'a2 end', 'a3']);
    await tick();
    expect(s.size.queued).toBe(0);
  });

  it('a task with nothing queued starts at once (synchronously), not a microtask later', () => {
    const s = new CheckSerializer();
    let started = false;
    void s.run('a', async () => {
      started = true;
    });
    expect(started).toBe(true);
  });

  it('a task behind one that threw still runs, and gets its own result', async () => {
    const s = new CheckSerializer();
    const failed = s.run('a', () => Promise.reject(new Error('down')));
    const next = s.run('a', async () => 'next');
    await expect(failed).rejects.toThrow('down');
    await expect(next).resolves.toBe('next');
  });
});

describe('CheckSerializer attempts ledger', () => {
  it('an entry is of use until its expiry, not at it', () => {
    const s = new CheckSerializer();
    s.recordLeft('v', 2, 10_000, 0);
    expect(s.attemptsLeft('v', 5, 9_999)).toBe(2);
    expect(s.attemptsLeft('v', 5, 10_000)).toBe(5);
    s.finish('v', 10_000, 0);
    expect(s.attemptsLeft('v', 5, 9_999)).toBe('finished');
    expect(s.attemptsLeft('v', 5, 10_000)).toBe(5);
  });

  // A new send got the id back (Prelude: one id per window): its count starts again.
  it('restart() forgets the id\'s count or finish, only that id, and an id it never saw changes nothing', () => {
    const s = new CheckSerializer(2);
    s.restart('new');
    expect(s.size.ledger).toBe(0);
    s.recordLeft('v', 0, 10_000, 0);
    s.finish('w', 10_000, 0);
    s.restart('v');
    s.restart('w');
    expect(s.size.ledger).toBe(0);
    expect(s.attemptsLeft('v', 5, 0)).toBe(5);
    expect(s.attemptsLeft('w', 5, 0)).toBe(5);
    s.recordLeft('v', 1, 10_000, 0);
    s.recordLeft('x', 3, 10_000, 0);
    s.restart('unknown');
    expect(s.size.ledger).toBe(2);
    expect(s.attemptsLeft('v', 5, 0)).toBe(1);
    expect(s.attemptsLeft('x', 5, 0)).toBe(3);
  });

  it('zero attempts left is kept as zero (not finished, not the session count)', () => {
    const s = new CheckSerializer();
    s.recordLeft('v', 0, 10_000, 0);
    expect(s.attemptsLeft('v', 5, 0)).toBe(0);
  });

  it('a bound of 1 keeps exactly the newest entry', () => {
    const s = new CheckSerializer(1);
    s.recordLeft('a', 1, 10_000, 0);
    s.recordLeft('b', 2, 10_000, 0);
    expect(s.size.ledger).toBe(1);
    expect(s.attemptsLeft('a', 5, 0)).toBe(5);
    expect(s.attemptsLeft('b', 5, 0)).toBe(2);
  });

  it('rewriting an id moves it to the newest place, so the bound drops another one', () => {
    const s = new CheckSerializer(2);
    s.recordLeft('a', 3, 10_000, 0);
    s.recordLeft('b', 3, 10_000, 0);
    s.recordLeft('a', 2, 10_000, 0); // a is now the newest
    s.recordLeft('c', 1, 10_000, 0); // b, the oldest, goes
    expect(s.size.ledger).toBe(2);
    expect(s.attemptsLeft('a', 5, 0)).toBe(2);
    expect(s.attemptsLeft('b', 5, 0)).toBe(5);
    expect(s.attemptsLeft('c', 5, 0)).toBe(1);
  });

  // Mutation testing (issue 20, the ledgers on the slot table): a rewrite sets the id's new
  // expiry, not only its value (`table.setExpiry(slot, until)` removed in `bounded()` kept the
  // first write's expiry, and a later `finish()` stopped counting at the earlier time).
  it('rewriting an id takes its new expiry too', () => {
    const s = new CheckSerializer();
    s.recordLeft('v', 3, 1_000, 0);
    s.recordLeft('v', 2, 5_000, 500);
    expect(s.attemptsLeft('v', 5, 2_000)).toBe(2);
    s.finish('v', 9_000, 2_000);
    expect(s.attemptsLeft('v', 5, 8_999)).toBe('finished');
    s.resent('v', { nextRetryAt: 3_000, remainingRetries: 2 }, 1_000, 0);
    s.resent('v', { nextRetryAt: 4_000, remainingRetries: 1 }, 5_000, 500);
    expect(s.resendState('v', { nextRetryAt: 0, remainingRetries: 3 }, 2_000)).toEqual({ nextRetryAt: 4_000, remainingRetries: 1 });
  });

  it('within the bound, an entry expired exactly now is dropped on the next write, a live one behind it is kept', () => {
    const s = new CheckSerializer(10);
    s.recordLeft('old', 1, 1_000, 0);
    s.recordLeft('live', 1, 5_000, 0);
    s.recordLeft('new', 1, 5_000, 1_000);
    expect(s.size.ledger).toBe(2);
    expect(s.attemptsLeft('live', 5, 1_000)).toBe(1);
  });

  it('stops at the first live entry once within the bound (an expired one behind it waits)', () => {
    const s = new CheckSerializer(10);
    s.recordLeft('live', 1, 5_000, 0);
    s.recordLeft('expired-later-in-order', 1, 1_000, 0);
    s.recordLeft('new', 1, 5_000, 2_000);
    // Reads ignore the expired entry anyway; the walk is bounded by the first live one.
    expect(s.size.ledger).toBe(3);
    expect(s.attemptsLeft('expired-later-in-order', 5, 2_000)).toBe(5);
  });
});

describe('CheckSerializer resend ledger', () => {
  const session = { nextRetryAt: 1_000, remainingRetries: 3 };

  it('without an entry, the session state is returned as it is', () => {
    const s = new CheckSerializer();
    expect(s.resendState('v', session, 0)).toBe(session);
  });

  it('keeps the later cooldown and the fewer resends left of the session and the ledger', () => {
    const s = new CheckSerializer();
    s.resent('v', { nextRetryAt: 31_000, remainingRetries: 2 }, 60_000, 0);
    expect(s.resendState('v', session, 0)).toEqual({ nextRetryAt: 31_000, remainingRetries: 2 });
    // A fresher session (a resend in another process) wins where it is further on.
    expect(s.resendState('v', { nextRetryAt: 45_000, remainingRetries: 1 }, 0)).toEqual({ nextRetryAt: 45_000, remainingRetries: 1 });
  });

  it('a count only one side knows is kept; none on either side stays absent', () => {
    const s = new CheckSerializer();
    s.resent('v', { nextRetryAt: 31_000 }, 60_000, 0);
    expect(s.resendState('v', session, 0)).toEqual({ nextRetryAt: 31_000, remainingRetries: 3 });
    const none = s.resendState('v', { nextRetryAt: 0 }, 0);
    expect(none).toEqual({ nextRetryAt: 31_000 });
    expect('remainingRetries' in none).toBe(false);
    s.resent('w', { nextRetryAt: 31_000, remainingRetries: 0 }, 60_000, 0);
    expect(s.resendState('w', { nextRetryAt: 0 }, 0)).toEqual({ nextRetryAt: 31_000, remainingRetries: 0 });
  });

  it('an entry is of use until `until`, not at it', () => {
    const s = new CheckSerializer();
    s.resent('v', { nextRetryAt: 31_000, remainingRetries: 0 }, 60_000, 0);
    expect(s.resendState('v', session, 59_999)).toEqual({ nextRetryAt: 31_000, remainingRetries: 0 });
    expect(s.resendState('v', session, 60_000)).toBe(session);
  });

  it('is bounded like the attempts ledger, and separately from it', () => {
    const s = new CheckSerializer(1);
    s.recordLeft('v', 1, 60_000, 0);
    s.resent('v', { nextRetryAt: 31_000 }, 60_000, 0);
    s.resent('w', { nextRetryAt: 32_000 }, 60_000, 0);
    expect(s.resendState('v', session, 0)).toBe(session);
    expect(s.resendState('w', session, 0)).toEqual({ nextRetryAt: 32_000, remainingRetries: 3 });
    expect(s.attemptsLeft('v', 5, 0)).toBe(1);
  });
});
