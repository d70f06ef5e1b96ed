// Options a newcomer gets wrong: a typo in a name, a value out of range. Each is a TypeError at
// construction that names the public option (and, for a typo, the nearest known name).
import { describe, expect, it } from 'vitest';
import { DingOtpStrategy } from 'passport-ding';
import type { DingOtpStrategyOptions } from 'passport-ding';
import { KNOWN_OPTIONS } from '../../lib/options.js';
import { nearestName } from '../../lib/nearest-name.js';
import { FakeProvider } from '../helpers/fake-provider.js';

const verify = async () => ({ id: 'u1' });
const build = (options: Record<string, unknown>) => new DingOtpStrategy({ provider: new FakeProvider(), ...options } as DingOtpStrategyOptions, verify);

describe('option names', () => {
  it.each([
    ['phonefield', 'phoneField'],
    ['ttl', 'ttlSeconds'],
    ['maxAttempt', 'maxAttempts'],
    ['codelength', 'codeLength'],
    ['sesionKey', 'sessionKey'],
    ['customerUUID', 'customerUuid'],
    ['onBeforeSend', 'beforeSend'],
    ['passReqToCallBack', 'passReqToCallback'],
  ])('`%s` is a TypeError naming `%s`', (typo, known) => {
    expect(() => build({ [typo]: 'phone' })).toThrow(new TypeError(`DingOtpStrategy: unknown option \`${typo}\` (did you mean \`${known}\`?)`));
  });

  it('an unknown name is refused even when its value is undefined (a spread config with a stale key)', () => {
    expect(() => build({ ttl: undefined })).toThrow(/unknown option `ttl`/);
  });

  it('every known name given as undefined means its default (a config built from optional env values)', () => {
    const unset = Object.fromEntries(KNOWN_OPTIONS.filter((name) => name !== 'provider').map((name) => [name, undefined]));
    const strategy = build(unset);
    expect(strategy.name).toBe('ding');
    expect(() => build({ ...unset, limits: { sendsPerPhone: undefined, store: undefined, maxKeys: undefined } })).not.toThrow();
  });

  it('every known name is accepted as a name', () => {
    for (const name of KNOWN_OPTIONS) expect(nearestName(name, KNOWN_OPTIONS)).toBe(name);
    expect(() => build({ phoneField: 'phone', codeLength: 6, userId: () => 'u', ttlSeconds: 60 })).not.toThrow();
  });
});

describe('option values', () => {
  it.each([
    [{ ttlSeconds: 601 }, /`ttlSeconds` must be at most 600/],
    [{ ttlSeconds: 0 }, /`ttlSeconds` must be a number >= 1/],
    [{ codeLength: 3 }, /`codeLength` must be an integer from 4 to 10/],
    [{ codeLength: 6.5 }, /`codeLength` must be an integer from 4 to 10/],
    [{ codeLength: 6, codePattern: /^\d{6}$/ }, /`codeLength` or `codePattern`, not both/],
    [{ userId: 'id' }, /`userId` must be a function/],
    // `true`, as `phoneChange: true` is written: the message says what the function returns.
    [{ secondFactor: true }, /`secondFactor` must be a function \(req\) => the signed-in user's phone number, or null when there is none$/],
    [{ beforeSend: 'captcha' }, /`beforeSend` must be a function$/],
  ])('%j: %s', (options, message) => {
    expect(() => build(options)).toThrow(message);
  });
});
