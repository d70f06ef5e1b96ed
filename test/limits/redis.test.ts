// The limits on a shared Redis: two Limits objects with their own clients stand for two app
// instances behind a load balancer. Run with node-redis, with ioredis, and with one of each on
// the same keys. Needs REDIS_URL (CI sets it; see test/helpers/env.ts).
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Limits, LimitStoreError, resolveLimits } from '../../lib/limits/index.js';
import { ALL_RULES_OFF } from '../helpers/limit-rules.js';
import type { LimitDecision, LimitsOptions } from '../../lib/limits/index.js';
import { redisGate } from '../helpers/env.js';
import { openRedis, REDIS_CLIENT_PAIRS, type AnyRedisClient, type RedisKind } from '../helpers/redis-clients.js';

const PHONE = '+12015550123';

if (redisGate('limits on Redis')) {
  describe.each(REDIS_CLIENT_PAIRS)('limits on Redis (%s)', (_name, firstKind, secondKind) => {
    const url = process.env.REDIS_URL as string;
    const clients: AnyRedisClient[] = [];
    // A fresh prefix per run: no interference with another run or with other suites.
    const prefix = `passport-ding-test:${randomBytes(6).toString('hex')}:`;
    // What every instance sharing the store is given (limits.keySecret is required with Redis).
    const keySecret = randomBytes(32);

    async function connect(kind: RedisKind = firstKind): Promise<AnyRedisClient> {
      const client = openRedis(kind, url);
      await client.connect();
      clients.push(client);
      return client;
    }

    function instance(client: AnyRedisClient, options: Omit<LimitsOptions, 'store'>, ownPrefix = prefix): Limits {
      const settings = resolveLimits({ keySecret, ...options, store: { redis: client.redis, prefix: ownPrefix } });
      if (!settings) throw new Error('limits are off');
      return new Limits(settings);
    }

    const refused = (d: LimitDecision): number => {
      if (d.ok) throw new Error('expected a refusal');
      return d.retryAfter;
    };

    let a: AnyRedisClient;
    let b: AnyRedisClient;
    beforeAll(async () => {
      a = await connect(firstKind);
      b = await connect(secondKind);
    });

    afterAll(async () => {
      const keys = await a.keys(`${prefix}*`);
      if (keys.length > 0) await a.del(keys);
      await Promise.all(clients.map((c) => c.close()));
    });

    it("a window given back is told apart from one lost on every instance, and keeps its code's life", async () => {
      const ownPrefix = `${prefix}window:`;
      const one = instance(a, {}, ownPrefix);
      const two = instance(b, {}, ownPrefix);
      await one.takeWindow(PHONE, 'token-of-a', 60_000);
      expect(await two.windowHolder(PHONE, 'token-of-a')).toBe('owner');
      await two.leaveWindow(PHONE, 'someone else');
      expect(await one.windowHolder(PHONE, 'token-of-a')).toBe('owner');
      await two.leaveWindow(PHONE, 'token-of-a');
      expect(await one.windowHolder(PHONE, 'token-of-a')).toBe('given back');
      expect(await one.windowHolder(PHONE, 'an earlier owner')).toBe('other');
      const [key] = await a.keys(`${ownPrefix}*`);
      const left = await a.pttl(key as string);
      expect(left).toBeGreaterThan(50_000);
      expect(left).toBeLessThanOrEqual(60_000);
      // Gone (lapsed, or a store that restarted empty): nobody's, not given back.
      await a.del([key as string]);
      expect(await two.windowHolder(PHONE, 'token-of-a')).toBe('none');
      await two.leaveWindow(PHONE, 'token-of-a');
      expect(await a.keys(`${ownPrefix}*`)).toEqual([]);
    });

    it('share the per-phone send limit between instances', async () => {
      const rules = { sendsPerPhone: { points: 3, durationSeconds: 600 }, sendsPerIp: false } as const;
      const one = instance(a, rules, `${prefix}share:`);
      const two = instance(b, rules, `${prefix}share:`);
      expect((await one.reserveSend(PHONE, '203.0.113.1')).ok).toBe(true);
      expect((await two.reserveSend(PHONE, '203.0.113.2')).ok).toBe(true);
      expect((await one.reserveSend(PHONE, '203.0.113.3')).ok).toBe(true);
      const wait = refused(await two.reserveSend(PHONE, '203.0.113.4'));
      expect(wait).toBeGreaterThan(590);
      expect(wait).toBeLessThanOrEqual(600);
    });

    it('hold under concurrency across instances: 30 sends at once, exactly `points` pass', async () => {
      const rules = { sendsPerIp: { points: 7, durationSeconds: 600 }, sendsPerPhone: false } as const;
      const one = instance(a, rules, `${prefix}race:`);
      const two = instance(b, rules, `${prefix}race:`);
      const decisions = await Promise.all(
        Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? one : two).reserveSend(`+1201555${String(1000 + i)}`, '198.51.100.7')),
      );
      expect(decisions.filter((d) => d.ok)).toHaveLength(7);
    });

    it('give refused and released points back in the store', async () => {
      const rules = { sendsPerPhone: { points: 1, durationSeconds: 600 }, sendsPerIp: { points: 1, durationSeconds: 600 } };
      const one = instance(a, rules, `${prefix}refund:`);
      const two = instance(b, rules, `${prefix}refund:`);
      const grant = await one.reserveSend(PHONE, '203.0.113.1');
      if (!grant.ok) throw new Error('refused');
      for (let i = 0; i < 4; i += 1) refused(await two.reserveSend(PHONE, '203.0.113.1'));
      await grant.release();
      expect((await two.reserveSend(PHONE, '203.0.113.1')).ok).toBe(true);
    });

    it('share the failed-check budget, and a right code on one instance clears it for both', async () => {
      const rules = { failedChecksPerPhone: { points: 2, durationSeconds: 900 } };
      const one = instance(a, rules, `${prefix}checks:`);
      const two = instance(b, rules, `${prefix}checks:`);
      expect((await one.reserveFailedCheck(PHONE)).ok).toBe(true);
      expect((await two.reserveFailedCheck(PHONE)).ok).toBe(true);
      refused(await one.reserveFailedCheck(PHONE));
      await two.clearFailedChecks(PHONE);
      expect((await one.reserveFailedCheck(PHONE)).ok).toBe(true);
    });

    it("a right code's clear() on one instance: earlier wrong codes forgotten, or its own point given back", async () => {
      const rules = { failedChecksPerPhone: { points: 2, durationSeconds: 900 } };
      const one = instance(a, rules, `${prefix}clear:`);
      const two = instance(b, rules, `${prefix}clear:`);
      expect((await one.reserveFailedCheck(PHONE)).ok).toBe(true); // a wrong code, kept
      const right = await two.reserveFailedCheck(PHONE);
      if (!right.ok) throw new Error('refused');
      await right.clear(); // a count of two: deleted
      const again = await one.reserveFailedCheck(PHONE);
      if (!again.ok) throw new Error('refused');
      await again.clear(); // a count of one: given back
      for (let i = 0; i < 2; i += 1) expect((await two.reserveFailedCheck(PHONE)).ok).toBe(true);
      refused(await one.reserveFailedCheck(PHONE));
    });

    it("count one verification's wrong codes across instances: refused past maxAttempts, given back on release, gone after a right code", async () => {
      const own = `${prefix}attempts:`;
      const one = instance(a, ALL_RULES_OFF, own);
      const two = instance(b, ALL_RULES_OFF, own);
      const verification = { id: 'vrf_01jx0000000000000000000000', maxAttempts: 3, windowMs: 600_000 };
      const left: Array<number | undefined> = [];
      for (const limits of [one, two, one]) {
        const grant = await limits.reserveFailedCheck(PHONE, '203.0.113.5', verification);
        if (!grant.ok) throw new Error('refused');
        left.push(grant.attemptsLeft);
      }
      expect(left).toEqual([2, 1, 0]);
      // A fourth, on either instance: the verification is spent, whatever its session says.
      expect(await two.reserveFailedCheck(PHONE, '203.0.113.5', verification)).toEqual({ ok: false, attemptsSpent: true });
      // The key is an HMAC of the id, never the id; it lives as long as the code.
      const [key, ...more] = await a.keys(`${own}attempts:*`);
      expect(more).toHaveLength(0);
      expect(key).not.toContain(verification.id);
      expect(await a.pttl(key as string)).toBeGreaterThan(590_000);

      // Another verification: a released point (the provider did not say "wrong") comes back, a
      // right code deletes the count. Without a verification nothing is counted per verification.
      const other = { ...verification, id: 'vrf_01jx0000000000000000000001' };
      const released = await one.reserveFailedCheck(PHONE, undefined, other);
      if (!released.ok) throw new Error('refused');
      await released.release();
      const right = await two.reserveFailedCheck(PHONE, undefined, other);
      if (!right.ok) throw new Error('refused');
      expect(right.attemptsLeft).toBe(2);
      await right.clear();
      expect(await a.keys(`${own}attempts:*`)).toHaveLength(1);
      const plain = await one.reserveFailedCheck(PHONE);
      if (!plain.ok) throw new Error('refused');
      expect(plain.attemptsLeft).toBeUndefined();
    });

    it("a spent verification is attemptsSpent even when a budget refuses too, its refused code costs no budget, and its count's window does not slide", async () => {
      const own = `${prefix}spent:`;
      const rules = { ...ALL_RULES_OFF, failedChecksPerPhone: { points: 4, durationSeconds: 900 } };
      const one = instance(a, rules, own);
      const two = instance(b, rules, own);
      const verification = { id: 'vrf_01jx0000000000000000000002', maxAttempts: 3, windowMs: 600_000 };
      const spent = { ok: false, attemptsSpent: true };
      expect((await one.reserveFailedCheck(PHONE, undefined, verification)).ok).toBe(true);
      // The count is kept windowMs from the first wrong code: a later one does not push it out.
      const [key] = await a.keys(`${own}attempts:*`);
      await a.pexpire(key as string, 60_000);
      for (const limits of [two, one]) expect((await limits.reserveFailedCheck(PHONE, undefined, verification)).ok).toBe(true);
      expect(await a.pttl(key as string)).toBeLessThanOrEqual(60_000);
      // The fourth: spent. The phone's budget (4) would take it, but it is given back, and so is
      // the verification's point.
      expect(await two.reserveFailedCheck(PHONE, undefined, verification)).toEqual(spent);
      expect(await a.get(key as string)).toBe('3');
      // So the phone's fourth wrong code is still there for another verification...
      const other = await one.reserveFailedCheck(PHONE, undefined, { ...verification, id: 'vrf_01jx0000000000000000000003' });
      expect(other.ok).toBe(true);
      // ...and with the phone's budget now spent as well, the spent verification still says so.
      expect(await two.reserveFailedCheck(PHONE, undefined, verification)).toEqual(spent);
      refused(await one.reserveFailedCheck(PHONE));
    });

    it("a right code's clear() gives the address its point back in Redis, and keeps its other wrong codes", async () => {
      const rules = { failedChecksPerIp: { points: 2, durationSeconds: 900 } };
      const one = instance(a, rules, `${prefix}clearip:`);
      const two = instance(b, rules, `${prefix}clearip:`);
      const ip = '203.0.113.9';
      expect((await one.reserveFailedCheck('+12015550131', ip)).ok).toBe(true); // a wrong code, kept
      const right = await two.reserveFailedCheck('+12015550132', ip);
      if (!right.ok) throw new Error('refused');
      await right.clear(); // the address's point back: one wrong code left of two
      expect((await one.reserveFailedCheck('+12015550133', ip)).ok).toBe(true);
      refused(await two.reserveFailedCheck('+12015550134', ip));
    });

    it('keep no phone number or IP address in Redis keys or values', async () => {
      const keys = await a.keys(`${prefix}*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        expect(key).not.toMatch(/2015550123|203\.0\.113|198\.51\.100/);
        expect(key).toMatch(/^passport-ding-test:[0-9a-f]+:[a-z]+:(sends-phone|sends-ip|sends-network|sends-block|failed-checks-phone|failed-checks-ip|consecutive-failures-phone|resend-cooldown|attempts):[0-9a-f]{32}$|sends-country:[A-Z]{2}$/);
        expect(await a.get(key)).toMatch(/^-?\d+$/);
      }
    });

    it('key by HMAC with the shared secret: the plain SHA-256 of a number is not a key', async () => {
      const rules = { sendsPerPhone: { points: 5, durationSeconds: 600 }, sendsPerIp: false, sendsPerNetwork: false, sendsPerNumberBlock: false, sendsPerCountry: false, consecutiveFailuresPerPhone: false } as const;
      await instance(a, rules, `${prefix}hmac:`).reserveSend(PHONE, undefined);
      const keys = await a.keys(`${prefix}hmac:*`);
      expect(keys).toHaveLength(1);
      const hash = keys[0]?.split(':').at(-1);
      expect(hash).not.toBe(createHash('sha256').update(`phone:${PHONE}`).digest('hex').slice(0, 32));
      // Another secret, another key: an instance with its own secret shares nothing.
      await instance(b, { ...rules, keySecret: randomBytes(32) }, `${prefix}hmac:`).reserveSend(PHONE, undefined);
      expect(await a.keys(`${prefix}hmac:*`)).toHaveLength(2);
    });

    it('count numbers of no country under sends-country:ZZ (docs/limits.md)', async () => {
      const rules = { ...ALL_RULES_OFF, sendsPerCountry: { points: 5, durationSeconds: 600 } };
      await instance(a, rules, `${prefix}zz:`).reserveSend('+80012345678', undefined);
      expect(await a.keys(`${prefix}zz:*`)).toEqual([`${prefix}zz:sends-country:ZZ`]);
    });

    it('refuse a Redis store without keySecret, at construction', () => {
      expect(() => resolveLimits({ store: { redis: a.redis } })).toThrow(/keySecret/);
    });

    it('fail with a LimitStoreError, at once, when Redis is not there', async () => {
      const down = openRedis(secondKind, url); // never connected: not ready
      const limits = instance(down, { sendsPerPhone: { points: 5, durationSeconds: 60 } }, `${prefix}down:`);
      const err = await limits.reserveSend(PHONE, '203.0.113.1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LimitStoreError);
      expect((err as LimitStoreError).code).toBe('PASSPORT_DING_LIMIT_STORE');
      expect((err as LimitStoreError).status).toBe(503);
      expect((err as Error).message).not.toMatch(/redis:\/\/|127\.0\.0\.1/);
      await expect(limits.reserveFailedCheck(PHONE)).rejects.toBeInstanceOf(LimitStoreError);
      await expect(limits.clearFailedChecks(PHONE)).rejects.toBeInstanceOf(LimitStoreError);
    });

    it('fail with a LimitStoreError after the connection is closed', async () => {
      const closing = await connect(secondKind);
      const limits = instance(closing, { sendsPerPhone: { points: 5, durationSeconds: 60 } }, `${prefix}closed:`);
      expect((await limits.reserveSend(PHONE, undefined)).ok).toBe(true);
      await closing.close();
      await expect(limits.reserveSend(PHONE, undefined)).rejects.toBeInstanceOf(LimitStoreError);
    });
  });
}
