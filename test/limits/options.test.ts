// The `limits` option's checks (lib/limits/options.ts), to the word: a TypeError at construction
// is what an operator reads when a setting is wrong, so each one names the setting and what it
// must be. And each bound at its edge: the last value taken and the first one refused.
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, memoryLimitStore, noLimits, resolveLimits } from '../../lib/limits/index.js';

const SECRET = 'options test secret';
const redis = { eval() {} };
const RULES =
  'sendsPerPhone, sendsPerIp, sendsPerNetwork, sendsPerNumberBlock, sendsPerCountry, sendsGlobal, failedChecksPerPhone, failedChecksPerIp, consecutiveFailuresPerPhone';
const must = (name: string, expected: string): string => `DingOtpStrategy: option \`${name}\` must be ${expected}`;

describe('limits option messages', () => {
  it.each([
    ['limits', 'on', must('limits', 'an object or false')],
    ['limits as null', null, must('limits', 'an object or false')],
    ['a rule as null', { sendsPerIp: null }, must('limits.sendsPerIp', '{ points, durationSeconds } or false')],
    ['an unknown key', { sendsPerEmail: 1 }, must('limits', `one of store, maxKeys, keySecret, ${RULES} (unknown "sendsPerEmail")`)],
    ['a rule', { sendsPerIp: 5 }, must('limits.sendsPerIp', '{ points, durationSeconds } or false')],
    ['points', { sendsPerPhone: { points: 0, durationSeconds: 60 } }, must('limits.sendsPerPhone.points', 'an integer from 1 to 1000000000')],
    ['the consecutive-failure cap', { consecutiveFailuresPerPhone: { points: 101, durationSeconds: 60 } }, must('limits.consecutiveFailuresPerPhone.points', 'an integer from 1 to 100')],
    ['durationSeconds', { failedChecksPerIp: { points: 1, durationSeconds: 0 } }, must('limits.failedChecksPerIp.durationSeconds', 'an integer from 1 to 31622400')],
    ['a field of a plain rule', { sendsPerIp: { points: 1, durationSeconds: 1, digits: 2 } }, must('limits.sendsPerIp', '{ points, durationSeconds } (unknown "digits")')],
    ['a field of the block rule', { sendsPerNumberBlock: { points: 1, durationSeconds: 1, countries: {} } }, must('limits.sendsPerNumberBlock', '{ points, durationSeconds, digits? } (unknown "countries")')],
    ['a field of the country rule', { sendsPerCountry: { points: 1, durationSeconds: 1, digits: 2 } }, must('limits.sendsPerCountry', '{ points, durationSeconds, countries? } (unknown "digits")')],
    ['digits', { sendsPerNumberBlock: { points: 1, durationSeconds: 1, digits: 0 } }, must('limits.sendsPerNumberBlock.digits', 'an integer from 1 to 6')],
    ['countries', { sendsPerCountry: { points: 1, durationSeconds: 1, countries: 'US' } }, must('limits.sendsPerCountry.countries', 'an object of country code -> points')],
    ['a country', { sendsPerCountry: { points: 1, durationSeconds: 1, countries: { XX: 5 } } }, must('limits.sendsPerCountry.countries', 'keyed by ISO 3166-1 alpha-2 codes (unknown "XX")')],
    ["a country's points", { sendsPerCountry: { points: 1, durationSeconds: 1, countries: { US: 0 } } }, must('limits.sendsPerCountry.countries.US', 'an integer from 1 to 1000000000')],
    ['maxKeys', { maxKeys: 99 }, must('limits.maxKeys', 'an integer from 100 to 10000000')],
    ['store', { store: 'mongo' }, must('limits.store', "'memory', a memoryLimitStore() or { redis: client, prefix?, timeoutMs? }")],
    ['a store without redis', { store: {} }, must('limits.store', "'memory', a memoryLimitStore() or { redis: client, prefix?, timeoutMs? }")],
    ['the Redis client', { store: { redis: { get() {} } } }, must('limits.store.redis', 'a node-redis (4+) or ioredis client')],
    ['the prefix', { store: { redis, prefix: 42 }, keySecret: SECRET }, must('limits.store.prefix', 'a non-empty string')],
    ['keySecret with Redis', { store: { redis } }, must('limits.keySecret', 'set with a Redis store (the same secret on every instance sharing it)')],
    ['keySecret', { keySecret: 42 }, must('limits.keySecret', 'a random string or Buffer of at least 16 bytes (e.g. `openssl rand -hex 32`)')],
    ['keySecret as bytes that are no Buffer', { keySecret: new Uint8Array(16) }, must('limits.keySecret', 'a random string or Buffer of at least 16 bytes (e.g. `openssl rand -hex 32`)')],
    // The keys are HMACs of phone numbers: a short secret is one a store's reader can guess.
    ['a keySecret of 15 bytes', { keySecret: 'fifteen bytes!!' }, must('limits.keySecret', 'a random string or Buffer of at least 16 bytes (e.g. `openssl rand -hex 32`)')],
    ['a keySecret Buffer of 15 bytes', { keySecret: Buffer.alloc(15, 1) }, must('limits.keySecret', 'a random string or Buffer of at least 16 bytes (e.g. `openssl rand -hex 32`)')],
    // Counted in bytes, not characters: 8 two-byte characters are 16 bytes.
    ['a keySecret of 7 two-byte characters', { keySecret: 'ééééééé' }, must('limits.keySecret', 'a random string or Buffer of at least 16 bytes (e.g. `openssl rand -hex 32`)')],
  ])('%s', (_what, value, message) => {
    expect(() => resolveLimits(value)).toThrow(new TypeError(message));
  });
});

describe('limits option bounds', () => {
  const rule = (points: number, durationSeconds: number) => ({ points, durationSeconds });

  it("take a Redis store's timeoutMs from 1 to 60,000 ms, 1,000 when left out", () => {
    for (const timeoutMs of [0, 60_001, 1.5, '1000', null, Number.NaN]) {
      expect(() => resolveLimits({ store: { redis, timeoutMs }, keySecret: SECRET })).toThrow(new TypeError(must('limits.store.timeoutMs', 'an integer from 1 to 60000 (milliseconds)')));
    }
    expect(resolveLimits({ store: { redis }, keySecret: SECRET })?.store).toMatchObject({ kind: 'redis', timeoutMs: 1000 });
    expect(resolveLimits({ store: { redis, timeoutMs: 1 }, keySecret: SECRET })?.store).toMatchObject({ timeoutMs: 1 });
    expect(resolveLimits({ store: { redis, timeoutMs: 60_000 }, keySecret: SECRET })?.store).toMatchObject({ timeoutMs: 60_000 });
  });

  it('take points from 1 to 1,000,000,000 and windows from 1 s to 366 days', () => {
    expect(resolveLimits({ sendsPerPhone: rule(1, 1) })?.rules.sendsPerPhone).toEqual(rule(1, 1));
    expect(resolveLimits({ sendsPerPhone: rule(1_000_000_000, 31_622_400) })?.rules.sendsPerPhone).toEqual(rule(1_000_000_000, 31_622_400));
    expect(() => resolveLimits({ sendsPerPhone: rule(1_000_000_001, 60) })).toThrow(TypeError);
    expect(() => resolveLimits({ sendsPerPhone: rule(5, 31_622_401) })).toThrow(TypeError);
  });

  it('take a consecutive-failure cap of at most 100', () => {
    expect(resolveLimits({ consecutiveFailuresPerPhone: rule(100, 60) })?.rules.consecutiveFailuresPerPhone).toEqual(rule(100, 60));
  });

  it('take number blocks of 1 to 6 digits, 3 when not given', () => {
    for (const digits of [1, 6]) expect(resolveLimits({ sendsPerNumberBlock: { ...rule(5, 60), digits } })?.rules.sendsPerNumberBlock).toEqual({ ...rule(5, 60), digits });
    expect(() => resolveLimits({ sendsPerNumberBlock: { ...rule(5, 60), digits: 7 } })).toThrow(TypeError);
    expect(resolveLimits({ sendsPerNumberBlock: rule(5, 60) })?.rules.sendsPerNumberBlock).toEqual({ ...rule(5, 60), digits: 3 });
  });

  it('take a country rule with or without budgets of its own, from 1 to 1,000,000,000 each', () => {
    expect(resolveLimits({ sendsPerCountry: rule(5, 60) })?.rules.sendsPerCountry).toEqual(rule(5, 60));
    const countries = resolveLimits({ sendsPerCountry: { ...rule(5, 60), countries: { US: 1, GB: 1_000_000_000 } } })?.rules.sendsPerCountry?.countries;
    expect(countries).toEqual(new Map([['US', 1], ['GB', 1_000_000_000]]));
    expect(() => resolveLimits({ sendsPerCountry: { ...rule(5, 60), countries: { US: 1_000_000_001 } } })).toThrow(TypeError);
  });

  it("take maxKeys from 100 to 10,000,000, and 'memory' as the store by name", () => {
    expect(resolveLimits({ maxKeys: 100 })?.store).toEqual({ kind: 'memory', prefix: 'passport-ding:limit:', maxKeys: 100 });
    expect(resolveLimits({ store: 'memory', maxKeys: 10_000_000 })?.store).toEqual({ kind: 'memory', prefix: 'passport-ding:limit:', maxKeys: 10_000_000 });
    // A bound the store could not allocate (100 million slots exhaust the heap at startup) is refused.
    expect(() => resolveLimits({ maxKeys: 10_000_001 })).toThrow(TypeError);
    expect(() => resolveLimits({ maxKeys: 100_000_000 })).toThrow(TypeError);
  });

  it('take a memoryLimitStore() as a memory store: its own bound, its counters shared', () => {
    const shared = memoryLimitStore({ maxKeys: 1000 });
    expect(resolveLimits({ store: shared })?.store).toStrictEqual({ kind: 'memory', prefix: 'passport-ding:limit:', maxKeys: 1000, shared });
  });

  it('give each rule its own copy of a default', () => {
    const settings = resolveLimits({});
    expect(settings?.rules.sendsPerPhone).toEqual(DEFAULT_LIMITS.sendsPerPhone);
    expect(settings?.rules.sendsPerPhone).not.toBe(DEFAULT_LIMITS.sendsPerPhone);
  });
});

describe('noLimits', () => {
  it('is no rule at all, plain keys, and a memory store of the default size (for the window marks)', () => {
    expect(noLimits()).toStrictEqual({
      store: { kind: 'memory', prefix: 'passport-ding:limit:', maxKeys: 200_000 },
      keySecret: undefined,
      rules: Object.fromEntries(Object.keys(DEFAULT_LIMITS).map((name) => [name, undefined])),
    });
  });
});

// Strategies sharing one memoryLimitStore() key its counters the same way only with one secret
// (lib/limits/options.ts, the check at the end of resolveLimits(); shared-store.ts,
// acceptsSecret() and takeSecret(), which the strategy's constructor calls once built).
describe('a memoryLimitStore() given to several limits options', () => {
  const SAME = must('limits.keySecret', 'the same for every strategy sharing a memoryLimitStore() (or absent for all): with different secrets their keys never meet, and each counts its own budget');
  const OTHER = 'another options test secret';

  it('takes no secret from resolveLimits() itself: only a strategy built on it gives it one', () => {
    const store = memoryLimitStore();
    expect(resolveLimits({ store, keySecret: SECRET })?.keySecret).toEqual(Buffer.from(SECRET));
    expect(resolveLimits({ store, keySecret: OTHER })?.keySecret).toEqual(Buffer.from(OTHER));
    expect(resolveLimits({ store })?.keySecret).toBeUndefined();
  });

  it('once it has a secret, accepts the same bytes and refuses any other, to the word', () => {
    const store = memoryLimitStore();
    store.takeSecret(Buffer.from(SECRET));
    // Only the first secret taken counts.
    store.takeSecret(Buffer.from(OTHER));
    expect(resolveLimits({ store, keySecret: SECRET })?.keySecret).toEqual(Buffer.from(SECRET));
    expect(resolveLimits({ store, keySecret: Buffer.from(SECRET) })?.keySecret).toEqual(Buffer.from(SECRET));
    expect(() => resolveLimits({ store, keySecret: OTHER })).toThrow(new TypeError(SAME));
    expect(() => resolveLimits({ store })).toThrow(new TypeError(SAME));
  });

  it('once it has none, refuses every secret, and a store of its own is not held to it', () => {
    const store = memoryLimitStore();
    store.takeSecret(undefined);
    store.takeSecret(Buffer.from(SECRET));
    expect(resolveLimits({ store })?.keySecret).toBeUndefined();
    expect(resolveLimits({ store, sendsPerPhone: false })?.keySecret).toBeUndefined();
    expect(() => resolveLimits({ store, keySecret: SECRET })).toThrow(new TypeError(SAME));
    // Each memoryLimitStore() has its own secret; 'memory' stores are each the strategy's own.
    expect(resolveLimits({ store: memoryLimitStore(), keySecret: SECRET })?.keySecret).toEqual(Buffer.from(SECRET));
    expect(resolveLimits({ store: 'memory', keySecret: SECRET })?.keySecret).toEqual(Buffer.from(SECRET));
    expect(resolveLimits({ store: 'memory', keySecret: OTHER })?.keySecret).toEqual(Buffer.from(OTHER));
  });
});
