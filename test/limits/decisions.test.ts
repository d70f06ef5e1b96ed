// What the limits decide at their edges (lib/limits/limits.ts), on the memory store with a fake
// clock: which rule a refusal names when several refuse, which windows slide, what a grant holds
// and what clear() and release() give back, and the LimitStoreError a failing store becomes.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { blockKey, ipKey, Limits, networkKey, phoneKey, resolveLimits } from '../../lib/limits/index.js';
import { verificationKey } from '../../lib/limits/keys.js';
import type { LimitDecision, LimitsOptions } from '../../lib/limits/index.js';
import { LimitStoreError } from '../../lib/errors.js';
import { createHmac } from 'node:crypto';
import { ALL_RULES_OFF } from '../helpers/limit-rules.js';

const PHONE = '+12015550123';
const OTHER = '+12015550124';
const rule = (points: number, durationSeconds: number) => ({ points, durationSeconds });

function limits(options: LimitsOptions): Limits {
  const settings = resolveLimits({ ...ALL_RULES_OFF, ...options });
  if (!settings) throw new Error('limits are off');
  return new Limits(settings);
}

function refusal(decision: LimitDecision | { ok: boolean }): { rule: string; retryAfter: number } {
  if (decision.ok) throw new Error('expected a refusal');
  const { rule: name, retryAfter } = decision as { rule: string; retryAfter: number };
  return { rule: name, retryAfter };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('which rule a refusal names', () => {
  it('the resend cooldown over any budget, even one with a longer wait', async () => {
    const l = limits({ sendsPerPhone: rule(1, 600) });
    expect((await l.reserveSend(PHONE, '192.0.2.1', 30_000)).ok).toBe(true);
    const again = refusal(await l.reserveSend(PHONE, '192.0.2.1', 30_000));
    expect(again.rule).toBe('resendCooldown');
    expect(again.retryAfter).toBeLessThanOrEqual(30);
  });

  it('among budgets, the longest wait, wherever the rule stands; the first rule on a tie', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const later = limits({ sendsPerPhone: rule(1, 60), sendsPerIp: rule(1, 600) });
    expect((await later.reserveSend(PHONE, '192.0.2.1')).ok).toBe(true);
    expect(refusal(await later.reserveSend(PHONE, '192.0.2.1'))).toEqual({ rule: 'sendsPerIp', retryAfter: 600 });
    const earlier = limits({ sendsPerPhone: rule(1, 600), sendsPerIp: rule(1, 60) });
    expect((await earlier.reserveSend(PHONE, '192.0.2.1')).ok).toBe(true);
    expect(refusal(await earlier.reserveSend(PHONE, '192.0.2.1'))).toEqual({ rule: 'sendsPerPhone', retryAfter: 600 });
    const tie = limits({ sendsPerPhone: rule(1, 600), sendsPerIp: rule(1, 600) });
    expect((await tie.reserveSend(PHONE, '192.0.2.1')).ok).toBe(true);
    expect(refusal(await tie.reserveSend(PHONE, '192.0.2.1'))).toEqual({ rule: 'sendsPerPhone', retryAfter: 600 });
  });
});

describe('windows', () => {
  it('consecutive wrong codes slide: the count lasts durationSeconds after the last one', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const l = limits({ consecutiveFailuresPerPhone: rule(3, 60) });
    for (let i = 0; i < 3; i += 1) {
      expect((await l.reserveFailedCheck(PHONE)).ok).toBe(true);
      vi.advanceTimersByTime(50_000);
    }
    // 100 s after the first, 50 s after the last: still counted.
    expect(refusal(await l.reserveFailedCheck(PHONE)).rule).toBe('consecutiveFailuresPerPhone');
  });

  it('sends per country keep a fixed window: a refused send does not move it', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const l = limits({ sendsPerCountry: rule(1, 600) });
    expect((await l.reserveSend(PHONE, '192.0.2.1')).ok).toBe(true);
    vi.advanceTimersByTime(100_000);
    expect(refusal(await l.reserveSend(OTHER, '192.0.2.1'))).toEqual({ rule: 'sendsPerCountry', retryAfter: 500 });
    vi.advanceTimersByTime(100_000);
    expect(refusal(await l.reserveSend(OTHER, '192.0.2.1'))).toEqual({ rule: 'sendsPerCountry', retryAfter: 400 });
  });

  it('the resend cooldown keeps a fixed window: a refused resend does not start it again', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const l = limits({});
    expect((await l.reserveSend(PHONE, '192.0.2.1', 30_000)).ok).toBe(true);
    vi.advanceTimersByTime(20_000);
    expect(refusal(await l.reserveSend(PHONE, '192.0.2.1', 30_000))).toEqual({ rule: 'resendCooldown', retryAfter: 10 });
    vi.advanceTimersByTime(5_000);
    expect(refusal(await l.reserveSend(PHONE, '192.0.2.1', 30_000))).toEqual({ rule: 'resendCooldown', retryAfter: 5 });
    vi.advanceTimersByTime(5_000);
    expect((await l.reserveSend(PHONE, '192.0.2.1', 30_000)).ok).toBe(true);
  });

  it('number blocks of `digits` digits: 2 digits make blocks of 100', async () => {
    const l = limits({ sendsPerNumberBlock: { ...rule(1, 600), digits: 2 } });
    expect((await l.reserveSend('+12015550100', '192.0.2.1')).ok).toBe(true);
    expect(refusal(await l.reserveSend('+12015550199', '192.0.2.2')).rule).toBe('sendsPerNumberBlock');
    expect((await l.reserveSend('+12015550200', '192.0.2.3')).ok).toBe(true);
  });

  it('numbers of no country share a bucket of their own', async () => {
    const l = limits({ sendsPerCountry: { ...rule(1, 600), countries: { US: 5 } } });
    // +800: international freephone, parsed but of no country; +999: no such country code.
    expect((await l.reserveSend('+80012345678', '192.0.2.1')).ok).toBe(true);
    expect(refusal(await l.reserveSend('+99912345678', '192.0.2.1')).rule).toBe('sendsPerCountry');
    expect((await l.reserveSend(PHONE, '192.0.2.1')).ok).toBe(true);
  });
});

describe('grants', () => {
  it('a send grant holds ok and release, nothing to settle it another way', async () => {
    const grant = await limits({ sendsPerPhone: rule(5, 600) }).reserveSend(PHONE, undefined);
    expect(grant.ok).toBe(true);
    expect(typeof (grant as { release?: unknown }).release).toBe('function');
    expect('clear' in grant).toBe(false);
    expect(Object.keys(grant)).toEqual(['ok']);
  });

  it('a refused send gives back what it took, and never a point of the consecutive-failure lock', async () => {
    const l = limits({ consecutiveFailuresPerPhone: rule(2, 600), sendsPerPhone: rule(5, 600) });
    for (let i = 0; i < 2; i += 1) expect((await l.reserveFailedCheck(PHONE)).ok).toBe(true);
    for (let i = 0; i < 3; i += 1) expect(refusal(await l.reserveSend(PHONE, undefined)).rule).toBe('consecutiveFailuresPerPhone');
    expect(refusal(await l.reserveFailedCheck(PHONE)).rule).toBe('consecutiveFailuresPerPhone');
    // The sends refused spent nothing of the send budget.
    await l.resetPhone(PHONE);
    for (let i = 0; i < 5; i += 1) expect((await l.reserveSend(PHONE, undefined)).ok).toBe(true);
  });

  it("clear() gives the address its point back; after release() it does nothing (the phone's wrong codes stay)", async () => {
    const l = limits({ failedChecksPerIp: rule(2, 600), failedChecksPerPhone: rule(2, 600) });
    expect((await l.reserveFailedCheck(PHONE, '192.0.2.1')).ok).toBe(true); // a wrong code, kept
    const right = await l.reserveFailedCheck(OTHER, '192.0.2.1');
    if (!right.ok) throw new Error('refused');
    await right.clear();
    // One point of the address's two is spent: one more wrong code, then refused.
    const released = await l.reserveFailedCheck(PHONE, '192.0.2.1');
    if (!released.ok) throw new Error('refused');
    await released.release();
    await released.clear();
    // The phone's wrong code stays: one more, then refused.
    expect((await l.reserveFailedCheck(PHONE, '192.0.2.2')).ok).toBe(true);
    expect(refusal(await l.reserveFailedCheck(PHONE, '192.0.2.3')).rule).toBe('failedChecksPerPhone');
    // The address got its point back once, not twice: one more wrong code from it, then refused.
    expect((await l.reserveFailedCheck('+12015550125', '192.0.2.1')).ok).toBe(true);
    expect(refusal(await l.reserveFailedCheck('+12015550126', '192.0.2.1')).rule).toBe('failedChecksPerIp');
  });

  it('clear() with every wrong-code rule off still lifts the resend cooldown', async () => {
    const l = limits({});
    expect((await l.reserveSend(PHONE, undefined, 30_000)).ok).toBe(true);
    const right = await l.reserveFailedCheck(PHONE);
    if (!right.ok) throw new Error('refused');
    await right.clear();
    expect((await l.reserveSend(PHONE, undefined, 30_000)).ok).toBe(true);
  });

  it('no session owns a window without a token, even when the number has no mark', async () => {
    expect(await limits({}).windowHolder(PHONE, undefined)).toBe('none');
  });
});

describe('keys', () => {
  it('plain memory keys are the kind and the value; hashed ones the HMAC of "kind:value"', () => {
    const secret = 'keys test secret';
    expect(ipKey('203.0.113.7', undefined)).toBe('i203.0.113.7');
    expect(networkKey('203.0.113.7', undefined)).toBe('n203.0.113.0/24');
    expect(blockKey(PHONE, 3, undefined)).toBe('b+12015550/3');
    const hmac = (text: string): string => createHmac('sha256', secret).update(text).digest('hex').slice(0, 32);
    expect(phoneKey(PHONE, secret)).toBe(hmac(`p:${PHONE}`));
    expect(ipKey('203.0.113.7', secret)).toBe(hmac('i:203.0.113.7'));
    expect(networkKey('203.0.113.7', secret)).toBe(hmac('n:203.0.113.0/24'));
    expect(blockKey(PHONE, 3, secret)).toBe(hmac('b:+12015550/3'));
    // A verification's wrong-code count (Redis only): its provider id, as the others. Instances of
    // two versions share these keys during a rolling deploy, so the form is pinned like theirs.
    expect(verificationKey('vrf_01jx0000000000000000000000', undefined)).toBe('vvrf_01jx0000000000000000000000');
    expect(verificationKey('vrf_01jx0000000000000000000000', secret)).toBe(hmac('v:vrf_01jx0000000000000000000000'));
  });
});

describe('a failing store', () => {
  it('becomes a LimitStoreError whose cause keeps the name and message, without a stack', async () => {
    // A client that rejects with something other than an Error (some wrappers do).
    const odd = { isReady: true, eval: () => Promise.reject('socket closed') };
    const err = await limits({ store: { redis: odd }, keySecret: 'decisions test secret', sendsPerPhone: rule(5, 600) }).reserveSend(PHONE, undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitStoreError);
    const cause = (err as Error).cause as Error;
    expect(cause).toBeInstanceOf(Error);
    expect({ name: cause.name, message: cause.message, stack: cause.stack }).toEqual({ name: 'Error', message: 'socket closed', stack: undefined });
  });
});
