// The pending verification as kept in the session (lib/pending.ts): what a tampered or old-format
// session record comes to (nothing, never a half-read state), and the stored form, which holds
// exactly the fields that are set. The session store is outside this process: whatever it hands
// back is read as untrusted input.
import { describe, expect, it } from 'vitest';
import type { PendingState, SessionLike } from '../../lib/pending.js';
import { publicView, readPending, sessionOf, writePending } from '../../lib/pending.js';

const KEY = 'passport-ding';
const VALID = { v: 1, i: 'vrf_1', p: '+14155552671', c: 1_000, e: 601_000, r: 31_000, a: 5 };

function session(record: unknown): SessionLike {
  return { save: (cb: (err?: unknown) => void) => cb(), [KEY]: record } as unknown as SessionLike;
}

describe('readPending: a tampered or old-format record is no pending verification', () => {
  it('reads a well-formed record', () => {
    expect(readPending(session(VALID), KEY)).toEqual({
      id: 'vrf_1', phoneNumber: '+14155552671', createdAt: 1_000, expiresAt: 601_000, nextRetryAt: 31_000, attemptsLeft: 5,
    });
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'vrf_1'],
    ['another format version', { ...VALID, v: 2 }],
    ['an id that is not a string', { ...VALID, i: 42 }],
    ['a number that is not a string', { ...VALID, p: 14155552671 }],
    ['a creation time that is a string', { ...VALID, c: '1000' }],
    ['an expiry that is not finite', { ...VALID, e: Infinity }],
    ['an expiry that is NaN', { ...VALID, e: NaN }],
    ['a resend time that is missing', { ...VALID, r: undefined }],
    ['attempts that are negative', { ...VALID, a: -1 }],
    ['attempts that are fractional', { ...VALID, a: 1.5 }],
    ['attempts that are a string', { ...VALID, a: '5' }],
    ['resends left that are negative', { ...VALID, n: -1 }],
    ['resends left that are fractional', { ...VALID, n: 0.5 }],
    ['resends left that are a string', { ...VALID, n: '3' }],
    ['a user that is not a string', { ...VALID, u: 7 }],
    ['an owner that is not a string', { ...VALID, o: { id: 'x' } }],
  ])('%s', (_what, record) => {
    expect(readPending(session(record), KEY)).toBeUndefined();
  });

  it('keeps risk factors only when every one is a string', () => {
    expect(readPending(session({ ...VALID, f: ['a', 'b'] }), KEY)?.riskFactors).toEqual(['a', 'b']);
    expect(readPending(session({ ...VALID, f: ['a', 1] }), KEY)).not.toHaveProperty('riskFactors');
    expect(readPending(session({ ...VALID, f: 'a' }), KEY)).not.toHaveProperty('riskFactors');
  });

  it('reads the optional fields that are there, and only those', () => {
    const full = readPending(session({ ...VALID, n: 0, u: 'user-digest', o: 'owner-token', h: 'voice' }), KEY);
    expect(full).toMatchObject({ remainingRetries: 0, user: 'user-digest', owner: 'owner-token', channel: 'voice' });
    const bare = readPending(session(VALID), KEY) ?? {};
    for (const field of ['remainingRetries', 'riskFactors', 'user', 'owner', 'channel']) expect(bare).not.toHaveProperty(field);
  });
});

describe('writePending: the stored form holds exactly the fields that are set', () => {
  const base: PendingState = { id: 'vrf_1', phoneNumber: '+14155552671', createdAt: 1_000, expiresAt: 601_000, nextRetryAt: 31_000, attemptsLeft: 5 };

  it('no optional key for a state without optional fields', () => {
    const s = session(undefined);
    writePending(s, KEY, base);
    expect(Object.keys(s[KEY] as object).sort()).toEqual(['a', 'c', 'e', 'i', 'p', 'r', 'v']);
  });

  it('every optional field round-trips', () => {
    const s = session(undefined);
    const state: PendingState = { ...base, remainingRetries: 2, riskFactors: ['temporary_phone_number'], user: 'u', owner: 'o', channel: 'sms' };
    writePending(s, KEY, state);
    expect(Object.keys(s[KEY] as object).sort()).toEqual(['a', 'c', 'e', 'f', 'h', 'i', 'n', 'o', 'p', 'r', 'u', 'v']);
    expect(readPending(s, KEY)).toEqual(state);
  });

  it('the public view shows the channel and resends left only when known', () => {
    expect(publicView(base)).not.toHaveProperty('remainingRetries');
    expect(publicView(base)).not.toHaveProperty('channel');
    expect(publicView({ ...base, remainingRetries: 0, channel: 'voice' })).toMatchObject({ remainingRetries: 0, channel: 'voice' });
  });
});

describe('sessionOf', () => {
  it('is undefined without a session object, or with one that cannot save', () => {
    expect(sessionOf({})).toBeUndefined();
    expect(sessionOf({ session: null })).toBeUndefined();
    expect(sessionOf({ session: 'abc' })).toBeUndefined();
    expect(sessionOf({ session: { regenerate: () => undefined } })).toBeUndefined();
    const s = { save: () => undefined };
    expect(sessionOf({ session: s })).toBe(s);
  });
});
