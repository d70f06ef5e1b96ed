// The limits module on its own: options, keys, reserve / refuse / give back, windows. The memory
// store here; test/limits/redis.test.ts runs the shared store, test/limits/strategy.test.ts the
// limits inside real logins.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_LIMITS, ipKey, ipNetwork, Limits, MemoryStore, phoneKey, resolveLimits } from '../../lib/limits/index.js';
import type { LimitDecision, LimitsOptions } from '../../lib/limits/index.js';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import * as pkg from 'passport-ding';
import { LimitStoreError, PassportDingError } from '../../lib/errors.js';

const PHONE = '+12015550123';
const OTHER = '+12015550124';
const SECRET = 'limits test secret, 32 bytes long';

function limits(options: LimitsOptions = {}): Limits {
  const settings = resolveLimits(options);
  if (!settings) throw new Error('limits are off');
  return new Limits(settings);
}

function refused(decision: LimitDecision): number {
  if (decision.ok) throw new Error('expected a refusal');
  return decision.retryAfter;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('limits options', () => {
  it('are on by default, with the documented rules, in memory', () => {
    const settings = resolveLimits(undefined);
    expect(settings?.store).toEqual({ kind: 'memory', prefix: 'passport-ding:limit:', maxKeys: 200_000 });
    expect(DEFAULT_LIMITS).toEqual({
      sendsPerPhone: { points: 5, durationSeconds: 3600 },
      sendsPerIp: { points: 30, durationSeconds: 3600 },
      sendsPerNetwork: { points: 120, durationSeconds: 3600 },
      sendsPerNumberBlock: { points: 20, durationSeconds: 3600, digits: 3 },
      sendsPerCountry: { points: 10_000, durationSeconds: 3600 },
      sendsGlobal: false,
      failedChecksPerPhone: { points: 10, durationSeconds: 3600 },
      failedChecksPerIp: { points: 20, durationSeconds: 3600 },
      consecutiveFailuresPerPhone: { points: 100, durationSeconds: 2_592_000 },
    });
    expect(settings?.rules).toEqual({ ...DEFAULT_LIMITS, sendsGlobal: undefined });
  });

  it('turn off all at once with false, or one rule at a time', () => {
    expect(resolveLimits(false)).toBeUndefined();
    const settings = resolveLimits({ sendsPerIp: false, sendsPerPhone: { points: 2, durationSeconds: 60 } });
    expect(settings?.rules).toMatchObject({
      sendsPerPhone: { points: 2, durationSeconds: 60 },
      sendsPerIp: undefined,
      failedChecksPerPhone: DEFAULT_LIMITS.failedChecksPerPhone,
    });
  });

  it.each([
    ['a string', 'yes'],
    ['null', null],
    ['an unknown rule', { sendsPerEmail: { points: 1, durationSeconds: 1 } }],
    ['an inherited name', { constructor: { points: 1, durationSeconds: 1 } }],
    ['zero points', { sendsPerPhone: { points: 0, durationSeconds: 60 } }],
    ['fractional points', { sendsPerPhone: { points: 1.5, durationSeconds: 60 } }],
    ['points as a string', { sendsPerPhone: { points: '5', durationSeconds: 60 } }],
    ['a zero window', { sendsPerIp: { points: 5, durationSeconds: 0 } }],
    ['a window over a year', { sendsPerIp: { points: 5, durationSeconds: 40_000_000 } }],
    ['a consecutive-failure cap over 100 (NIST SP 800-63B)', { consecutiveFailuresPerPhone: { points: 101, durationSeconds: 60 } }],
    ['a block of 7 digits', { sendsPerNumberBlock: { points: 5, durationSeconds: 60, digits: 7 } }],
    ['an unknown country', { sendsPerCountry: { points: 5, durationSeconds: 60, countries: { XX: 5 } } }],
    ['an unknown field in a rule', { sendsPerIp: { points: 5, durationSeconds: 60, digits: 2 } }],
    ['maxKeys under 100', { maxKeys: 10 }],
    ['a rule that is true', { failedChecksPerPhone: true }],
    ['an unknown store', { store: 'mongo' }],
    ['a Redis store without a client', { store: { redis: null } }],
    ['a Redis store with something else', { store: { redis: { get() {} } } }],
    ['an empty prefix', { store: { redis: { eval() {} }, prefix: '' }, keySecret: SECRET }],
    ['a Redis store without keySecret (instances must share it)', { store: { redis: { eval() {} } } }],
    ['an empty keySecret', { keySecret: '' }],
    ['an empty keySecret Buffer', { keySecret: Buffer.alloc(0) }],
    ['a keySecret that is a number', { keySecret: 42 }],
  ])('throw a TypeError for %s', (_what, value) => {
    expect(() => resolveLimits(value)).toThrow(TypeError);
  });

  it('take a node-redis or ioredis client and a prefix', () => {
    const nodeRedis = { eval() {}, isReady: true };
    const ioredis = { defineCommand() {}, eval() {}, status: 'ready' };
    expect(resolveLimits({ store: { redis: nodeRedis, prefix: 'app:' }, keySecret: SECRET })?.store).toEqual({ kind: 'redis', client: nodeRedis, prefix: 'app:', timeoutMs: 1000 });
    expect(resolveLimits({ store: { redis: ioredis }, keySecret: Buffer.from(SECRET) })?.store).toMatchObject({ kind: 'redis', prefix: 'passport-ding:limit:' });
  });

  it('take keySecret as a string or a Buffer (the same bytes, the same secret)', () => {
    const redis = { eval() {} };
    const fromString = resolveLimits({ store: { redis }, keySecret: SECRET })?.keySecret;
    const fromBuffer = resolveLimits({ store: { redis }, keySecret: Buffer.from(SECRET) })?.keySecret;
    expect(fromString).toEqual(Buffer.from(SECRET));
    expect(fromBuffer).toEqual(fromString);
    // 16 bytes is the least: as a Buffer, and as a string of 8 two-byte characters.
    expect(resolveLimits({ keySecret: Buffer.alloc(16, 7) })?.keySecret).toEqual(Buffer.alloc(16, 7));
    expect(resolveLimits({ keySecret: 'éééééééé' })?.keySecret).toEqual(Buffer.from('éééééééé'));
  });

  it('give the memory store plain keys by default, hashed ones when a keySecret is set', () => {
    expect(resolveLimits(undefined)?.keySecret).toBeUndefined();
    expect(resolveLimits({})?.keySecret).toBeUndefined();
    expect(resolveLimits({ keySecret: SECRET })?.keySecret).toEqual(Buffer.from(SECRET));
    // Plain: the kind and the value, nothing to undo; the IP keyed by its network as ever.
    expect(phoneKey(PHONE, undefined)).toBe(`p${PHONE}`);
    expect(ipKey('2001:db8:1:2:3:4:5:6', undefined)).toBe(ipKey('2001:db8:1:2:ffff::1', undefined));
    expect(phoneKey(PHONE, undefined)).not.toBe(ipKey(PHONE, undefined));
  });
});

describe('memory store layout', () => {
  // In memory each rule keeps the number's (or address's) own key in a space of its own, so one
  // number's entries share a key chained through the slot table (lib/slot-table.ts): no rule name
  // in the key, nothing in space 0. Redis keys name their rule (test/limits/redis.test.ts).
  it("keeps each rule's count under the number's key itself, in the rule's own space, and the window's owner as a mark", async () => {
    const l = limits({ sendsPerIp: false, sendsPerNetwork: false, sendsPerNumberBlock: false, sendsPerCountry: false });
    const store = l.store as MemoryStore;
    const phone = phoneKey(PHONE, undefined);
    expect((await l.reserveSend(PHONE, '203.0.113.1', 60_000)).ok).toBe(true);
    expect((await l.reserveFailedCheck(PHONE, '203.0.113.1')).ok).toBe(true);
    await l.takeWindow(PHONE, 'owner-token', 60_000);
    const read = (key: string, space: number) => ({ key, space, add: 0 as const, windowMs: 60_000, slide: false });
    // Spaces 0..11: 1 sendsPerPhone, 7 failedChecksPerPhone, 9 consecutiveFailuresPerPhone, 10 the
    // resend cooldown hold a point each; 11 holds the owner's mark (a mark reads as a count of 0).
    const counts = store.hitSync(Array.from({ length: 12 }, (_, space) => read(phone, space))).map((c) => c.count);
    expect(counts).toEqual([0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 1, 0]);
    expect(await store.readMark(phone, 11)).toBe('owner-token');
    expect(await store.readMark(phone, 0)).toBeUndefined();
    // Not the Redis form: no key names its rule.
    expect(store.hitSync([read(`sends-phone:${phone}`, 0), read(`sends-phone:${phone}`, 1)]).map((c) => c.count)).toEqual([0, 0]);
    expect(await store.readMark(`owner:${phone}`, 0)).toBeUndefined();
    // The number's 4 counters and mark, and the address's wrong code (space 8, under its own key).
    expect(store.hitSync([read(ipKey('203.0.113.1', undefined), 8)])[0]?.count).toBe(1);
    expect(store.size).toBe(6);
  });
});

describe('limit keys', () => {
  it('hash phone numbers: stable, distinct, and without the digits', () => {
    expect(phoneKey(PHONE, SECRET)).toBe(phoneKey(PHONE, SECRET));
    expect(phoneKey(PHONE, SECRET)).not.toBe(phoneKey(OTHER, SECRET));
    expect(phoneKey(PHONE, SECRET)).toMatch(/^[0-9a-f]{32}$/);
    expect(phoneKey(PHONE, SECRET)).not.toContain('2015550123');
    expect(ipKey('203.0.113.7', SECRET)).not.toContain('203.0.113.7');
    // A phone key and an IP key of the same text never collide.
    expect(phoneKey('203.0.113.7', SECRET)).not.toBe(ipKey('203.0.113.7', SECRET));
  });

  it('are keyed by the secret: no plain hash anyone could compute over every number', () => {
    const plain = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 32);
    for (const key of [phoneKey(PHONE, SECRET), phoneKey(PHONE, Buffer.from(SECRET))]) {
      expect(key).not.toBe(plain(`phone:${PHONE}`));
      expect(key).not.toBe(plain(PHONE));
    }
    expect(ipKey('203.0.113.7', SECRET)).not.toBe(plain('ip:203.0.113.7'));
    expect(phoneKey(PHONE, SECRET)).toBe(phoneKey(PHONE, Buffer.from(SECRET)));
    expect(phoneKey(PHONE, SECRET)).not.toBe(phoneKey(PHONE, `${SECRET}!`));
    expect(ipKey('203.0.113.7', SECRET)).not.toBe(ipKey('203.0.113.7', `${SECRET}!`));
  });

  it('key IPv4 by address, IPv4-mapped IPv6 as IPv4, IPv6 by /64', () => {
    expect(ipNetwork('203.0.113.7')).toBe('203.0.113.7');
    expect(ipNetwork('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(ipNetwork('::FFFF:cb00:7107')).toBe('203.0.113.7');
    expect(ipNetwork('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(ipNetwork('2001:db8:1:2::99')).toBe('2001:db8:1:2::/64');
    expect(ipNetwork('2001:DB8:1:2:ffff::1%eth0')).toBe('2001:db8:1:2::/64');
    expect(ipNetwork('::1')).toBe('0:0:0:0::/64');
    expect(ipNetwork('64:ff9b::203.0.113.7')).toBe('64:ff9b:0:0::/64');
    expect(ipKey('2001:db8:1:2::1', SECRET)).toBe(ipKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd', SECRET));
    expect(ipKey('2001:db8:1:2::1', SECRET)).not.toBe(ipKey('2001:db8:1:3::1', SECRET));
  });

  it('put clients without a usable address under one key', () => {
    for (const ip of [undefined, '', 'not an ip', '1.2.3', '/tmp/app.sock']) expect(ipNetwork(ip)).toBe('unknown');
  });
});

describe('send limits (memory store)', () => {
  it('allow `points` sends per phone, then refuse with retryAfter', async () => {
    const l = limits({ sendsPerPhone: { points: 3, durationSeconds: 600 }, sendsPerIp: false });
    for (let i = 0; i < 3; i += 1) expect((await l.reserveSend(PHONE, '203.0.113.1')).ok).toBe(true);
    const wait = refused(await l.reserveSend(PHONE, '203.0.113.2'));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(600);
    // Another number is not affected.
    expect((await l.reserveSend(OTHER, '203.0.113.1')).ok).toBe(true);
  });

  it('allow `points` sends per IP across numbers, and count an IPv6 /64 as one client', async () => {
    const l = limits({ sendsPerIp: { points: 2, durationSeconds: 600 }, sendsPerPhone: false });
    expect((await l.reserveSend('+12015550101', '2001:db8:1:2::1')).ok).toBe(true);
    expect((await l.reserveSend('+12015550102', '2001:db8:1:2::2')).ok).toBe(true);
    refused(await l.reserveSend('+12015550103', '2001:db8:1:2::3'));
    expect((await l.reserveSend('+12015550103', '2001:db8:1:9::3')).ok).toBe(true);
  });

  it('spend nothing on a refused send: not on the other limit, not on the one that refused', async () => {
    const l = limits({ sendsPerPhone: { points: 2, durationSeconds: 600 }, sendsPerIp: { points: 1, durationSeconds: 600 } });
    const first = await l.reserveSend(PHONE, '203.0.113.1');
    if (!first.ok) throw new Error('refused');
    // The IP limit refuses five times; the phone's point taken with each comes back.
    for (let i = 0; i < 5; i += 1) refused(await l.reserveSend(OTHER, '203.0.113.1'));
    expect((await l.reserveSend(OTHER, '203.0.113.2')).ok).toBe(true);
    expect((await l.reserveSend(OTHER, '203.0.113.3')).ok).toBe(true);
    refused(await l.reserveSend(OTHER, '203.0.113.4'));
    // The IP that refused did not keep counting past its limit: one point given back opens it.
    await first.release();
    expect((await l.reserveSend('+12015550999', '203.0.113.1')).ok).toBe(true);
  });

  it('give points back with release(), once', async () => {
    const l = limits({ sendsPerPhone: { points: 1, durationSeconds: 600 }, sendsPerIp: { points: 1, durationSeconds: 600 } });
    const grant = await l.reserveSend(PHONE, '203.0.113.1');
    if (!grant.ok) throw new Error('refused');
    refused(await l.reserveSend(PHONE, '203.0.113.1'));
    await grant.release();
    await grant.release(); // a second release gives nothing more
    expect((await l.reserveSend(PHONE, '203.0.113.1')).ok).toBe(true);
    refused(await l.reserveSend(PHONE, '203.0.113.1'));
  });

  it('hold under concurrency: 20 sends at once, exactly `points` pass', async () => {
    const l = limits({ sendsPerPhone: { points: 4, durationSeconds: 600 }, sendsPerIp: false });
    const decisions = await Promise.all(Array.from({ length: 20 }, (_, i) => l.reserveSend(PHONE, `203.0.113.${i}`)));
    expect(decisions.filter((d) => d.ok)).toHaveLength(4);
  });

  it('open again when the window ends, and say so in retryAfter', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const l = limits({ sendsPerPhone: { points: 1, durationSeconds: 60 }, sendsPerIp: false });
    expect((await l.reserveSend(PHONE, undefined)).ok).toBe(true);
    vi.advanceTimersByTime(15_000);
    expect(refused(await l.reserveSend(PHONE, undefined))).toBe(45);
    vi.advanceTimersByTime(44_500);
    expect(refused(await l.reserveSend(PHONE, undefined))).toBe(1);
    vi.advanceTimersByTime(1_000);
    expect((await l.reserveSend(PHONE, undefined)).ok).toBe(true);
  });
});

describe('failed-check budget (memory store)', () => {
  it('allows `points` wrong codes per phone across verifications, then refuses', async () => {
    const l = limits({ failedChecksPerPhone: { points: 3, durationSeconds: 900 } });
    for (let i = 0; i < 3; i += 1) expect((await l.reserveFailedCheck(PHONE)).ok).toBe(true);
    const wait = refused(await l.reserveFailedCheck(PHONE));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(900);
    expect((await l.reserveFailedCheck(OTHER)).ok).toBe(true);
  });

  it('keeps nothing for a check that was not a wrong code (release), and starts over after a right one', async () => {
    const l = limits({ failedChecksPerPhone: { points: 2, durationSeconds: 900 } });
    const first = await l.reserveFailedCheck(PHONE);
    if (!first.ok) throw new Error('refused');
    await first.release(); // e.g. the provider timed out
    expect((await l.reserveFailedCheck(PHONE)).ok).toBe(true);
    expect((await l.reserveFailedCheck(PHONE)).ok).toBe(true);
    refused(await l.reserveFailedCheck(PHONE));
    await l.clearFailedChecks(PHONE);
    expect((await l.reserveFailedCheck(PHONE)).ok).toBe(true);
  });

  it("a right code's clear() forgets the earlier wrong codes, and its own point when it is the only one", async () => {
    const l = limits({ failedChecksPerPhone: { points: 2, durationSeconds: 900 } });
    expect((await l.reserveFailedCheck(PHONE)).ok).toBe(true); // a wrong code, kept
    const right = await l.reserveFailedCheck(PHONE);
    if (!right.ok) throw new Error('refused');
    await right.clear();
    await right.release(); // after clear(): a no-op, not a point given back twice
    // The whole budget again, and no more: clear() left neither a count nor a credit behind.
    for (let round = 0; round < 2; round += 1) {
      for (let i = 0; i < 2; i += 1) expect((await l.reserveFailedCheck(PHONE)).ok).toBe(true);
      const alone = await l.reserveFailedCheck(OTHER);
      if (!alone.ok) throw new Error('refused');
      await alone.clear();
      refused(await l.reserveFailedCheck(PHONE));
      await l.clearFailedChecks(PHONE);
    }
    for (let i = 0; i < 2; i += 1) expect((await l.reserveFailedCheck(OTHER)).ok).toBe(true);
    refused(await l.reserveFailedCheck(OTHER));
  });

  it('is a no-op when that rule is off', async () => {
    const l = limits({ failedChecksPerPhone: false, failedChecksPerIp: false, consecutiveFailuresPerPhone: false });
    for (let i = 0; i < 50; i += 1) expect((await l.reserveFailedCheck(PHONE)).ok).toBe(true);
    await l.clearFailedChecks(PHONE);
  });
});

describe('LimitStoreError', () => {
  it('lives with the other error kinds in lib/errors.ts, one class under every export', async () => {
    expect(pkg.LimitStoreError).toBe(LimitStoreError);
    expect((await import('../../lib/limits/index.js')).LimitStoreError).toBe(LimitStoreError);
    const err = new LimitStoreError('down');
    expect(err).toBeInstanceOf(PassportDingError);
    expect(err).toMatchObject({ name: 'LimitStoreError', code: 'PASSPORT_DING_LIMIT_STORE', status: 503, statusCode: 503 });
  });

  it('is what a store that is down gives (a Redis client never connected: no server needed)', async () => {
    const down = createClient({ url: 'redis://127.0.0.1:1' });
    down.on('error', () => undefined);
    const l = limits({ store: { redis: down }, keySecret: SECRET });
    await expect(l.reserveSend(PHONE, '203.0.113.1')).rejects.toBeInstanceOf(LimitStoreError);
  });

  it('fails at once when the client is not connected, and says so in its cause (node-redis, ioredis)', async () => {
    const nodeRedis = createClient({ url: 'redis://127.0.0.1:1' });
    nodeRedis.on('error', () => undefined);
    // ioredis's defaults queue a command until a connection comes (and lazyConnect opens one):
    // the store must not hold a login behind a reconnect.
    const ioredis = new Redis('redis://127.0.0.1:1', { lazyConnect: true });
    ioredis.on('error', () => undefined);
    try {
      for (const [client, message] of [
        [nodeRedis, 'Redis is not connected'],
        [ioredis, 'Redis is not connected (wait)'],
      ] as const) {
        const err = await limits({ store: { redis: client }, keySecret: SECRET }).reserveSend(PHONE, '203.0.113.1').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(LimitStoreError);
        expect((err as Error).cause).toMatchObject({ name: 'RedisNotConnected', message });
      }
    } finally {
      ioredis.disconnect();
    }
  });
});
