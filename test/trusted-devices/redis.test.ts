// Trusted devices shared through Redis: two strategy instances (two apps with their own session
// stores, standing for two app instances behind a load balancer) on one Redis, with node-redis,
// with ioredis, and with one of each on the same keys. Needs REDIS_URL (see test/helpers/env.ts).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { TrustedDeviceStoreError } from 'passport-ding';
import type { RedisClientLike } from 'passport-ding';
import { redisGate } from '../helpers/env.js';
import { openRedis, REDIS_CLIENT_PAIRS, type AnyRedisClient } from '../helpers/redis-clients.js';
import { CookieClient } from '../helpers/cookie-client.js';
import { COOKIE, trustedApp } from '../helpers/trusted-app.js';
import type { TrustedApp } from '../helpers/trusted-app.js';
import { testClock } from '../helpers/clock.js';
import { FakeProvider } from '../helpers/fake-provider.js';
import { Users } from '../helpers/users.js';
import type { TestUser } from '../helpers/users.js';
import { userKey } from '../../lib/pending.js';
import { RedisDeviceStore } from '../../lib/trusted-devices/redis-store.js';

const ALICE_PHONE = '+14155552671';
const CAROL_PHONE = '+14155552672';
const DAY = 86_400_000;

async function remember(app: TrustedApp, client: CookieClient, user: TestUser): Promise<void> {
  await client.post('/login/password', { userId: user.id });
  expect((await client.post('/2fa/start')).body).toEqual({ skipped: false });
  expect((await client.post('/2fa/code', { code: app.fake.code(user.phoneNumber), rememberDevice: 'on' })).status).toBe(200);
}

/** Logs `user` in with the password on `app` (a new session there) and asks its guard. */
async function trustedOn(app: TrustedApp, client: CookieClient, user: TestUser): Promise<boolean> {
  client.app = app.t.app;
  await client.post('/logout');
  await client.post('/login/password', { userId: user.id });
  return (await client.get('/2fa/trusted')).body.trusted as boolean;
}

if (redisGate('trusted devices on Redis')) {
  const url = process.env.REDIS_URL as string;

  describe.each(REDIS_CLIENT_PAIRS)('trusted devices on Redis: %s', (_name, firstKind, secondKind) => {
    const clients: AnyRedisClient[] = [];
    let a: TrustedApp;
    let b: TrustedApp;
    let prefix: string;
    let probe: AnyRedisClient;
    let alice: TestUser;
    let carol: TestUser;

    beforeAll(async () => {
      const first = openRedis(firstKind, url);
      const second = openRedis(secondKind, url);
      probe = openRedis('node-redis', url);
      clients.push(first, second, probe);
      await Promise.all(clients.map((c) => c.connect()));
      prefix = `test:devices:${randomBytes(6).toString('hex')}:`;
      // One user directory, one clock and one provider behind both instances, as a real deployment
      // has one database and one OTP API; the device store is the only state the test shares.
      const users = new Users();
      const clock = testClock();
      const fake = new FakeProvider({ now: clock.providerNow });
      alice = users.add(ALICE_PHONE);
      carol = users.add(CAROL_PHONE);
      a = trustedApp({ store: { redis: first.redis, prefix }, maxDevicesPerUser: 3 }, { users, clock, fake });
      b = trustedApp({ store: { redis: second.redis, prefix }, maxDevicesPerUser: 3 }, { users, clock, fake });
    });

    afterAll(async () => {
      // The records carry a 30-day TTL: delete them rather than leave them in a shared Redis.
      const keys = await probe.keys(`${prefix}*`);
      if (keys.length > 0) await probe.del(keys);
      await Promise.all(clients.map((c) => c.close()));
    });

    it('a device remembered on one instance skips the SMS on the other; the store holds no token, phone or user id', async () => {
      const browser = new CookieClient(a.t.app);
      await remember(a, browser, alice);
      const token = browser.cookies.get(COOKIE) as string;
      expect(await trustedOn(b, browser, alice)).toBe(true);
      const sends = a.fake.calls('send');
      expect((await browser.post('/2fa/start')).body).toEqual({ skipped: true });
      expect(a.fake.calls('send')).toBe(sends);

      const keys = await probe.keys(`${prefix}*`);
      expect(keys.sort()).toEqual([expect.stringMatching(/t:[A-Za-z0-9_-]{43}$/), expect.stringMatching(/u:[A-Za-z0-9_-]{22}$/)]);
      const recordKey = keys.find((k) => k.includes(':t:')) as string;
      const record = JSON.parse((await probe.get(recordKey)) as string) as Record<string, unknown>;
      // The user as the digest the pending verification keeps, the phone as a tag: nothing in clear.
      expect(Object.keys(record).sort()).toEqual(['c', 'e', 'p', 'u']);
      expect(record.u).toBe(userKey(alice.id));
      expect(record.p).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const stored = `${keys.join(' ')} ${JSON.stringify(record)}`;
      for (const secret of [token, ALICE_PHONE, ALICE_PHONE.slice(1)]) expect(stored).not.toContain(secret);
    });

    it("another user's cookie is refused on either instance", async () => {
      const browser = new CookieClient(a.t.app);
      await remember(a, browser, alice);
      expect(await trustedOn(b, browser, carol)).toBe(false);
      expect(await trustedOn(a, browser, carol)).toBe(false);
      expect(await trustedOn(b, browser, alice)).toBe(true);
    });

    it('forgetting a device on one instance is seen by the other', async () => {
      const browser = new CookieClient(a.t.app);
      await remember(a, browser, alice);
      const token = browser.cookies.get(COOKIE) as string;
      browser.app = b.t.app;
      expect((await browser.post('/device/forget')).body).toEqual({ forgotten: true });
      browser.cookies.set(COOKIE, token);
      expect(await trustedOn(a, browser, alice)).toBe(false);
      expect(await trustedOn(b, browser, alice)).toBe(false);
    });

    it("forgetting all of a user's devices on one instance is seen by the other, and leaves no key behind", async () => {
      const phone = new CookieClient(a.t.app);
      const laptop = new CookieClient(b.t.app);
      const carols = new CookieClient(a.t.app);
      await remember(a, phone, alice);
      await remember(b, laptop, alice);
      await remember(a, carols, carol);
      expect(await trustedOn(a, laptop, alice)).toBe(true);
      expect((await laptop.post('/devices/forget-all')).body.count).toBeGreaterThanOrEqual(2);
      expect(await trustedOn(b, phone, alice)).toBe(false);
      expect(await trustedOn(b, laptop, alice)).toBe(false);
      expect(await trustedOn(b, carols, carol)).toBe(true);
      // Only Carol's record and index remain.
      expect(await probe.keys(`${prefix}*`)).toHaveLength(2);
    });

    it('a changed number revokes the device on both instances', async () => {
      const browser = new CookieClient(a.t.app);
      await remember(a, browser, alice);
      alice.phoneNumber = '+14155550000';
      try {
        expect(await trustedOn(b, browser, alice)).toBe(false);
      } finally {
        alice.phoneNumber = ALICE_PHONE;
      }
      expect(await trustedOn(a, browser, alice)).toBe(false);
    });

    it('an expired device is refused, and a forged one', async () => {
      const browser = new CookieClient(a.t.app);
      await remember(a, browser, carol);
      a.clock.advance(30 * DAY);
      try {
        expect(await trustedOn(b, browser, carol)).toBe(false);
      } finally {
        a.clock.reset();
      }
      browser.cookies.set(COOKIE, randomBytes(32).toString('base64url'));
      expect(await trustedOn(a, browser, carol)).toBe(false);
    });

    it('the per-user index stays at maxDevicesPerUser, across instances; the oldest device goes', async () => {
      const devices = [0, 1, 2, 3, 4].map(() => new CookieClient(a.t.app));
      for (const [i, device] of devices.entries()) await remember(i % 2 === 0 ? a : b, device, alice);
      const index = (await probe.keys(`${prefix}u:*`)).map((k) => k);
      const cards = await Promise.all(index.map((k) => probe.zcard(k)));
      expect(Math.max(...cards)).toBe(3);
      expect(await trustedOn(b, devices[0] as CookieClient, alice)).toBe(false);
      expect(await trustedOn(a, devices[1] as CookieClient, alice)).toBe(false);
      for (const device of devices.slice(2)) expect(await trustedOn(b, device, alice)).toBe(true);
      // The index expires with the user's last device: it has a TTL, at most the trust's.
      for (const key of index) expect(await probe.pttl(key)).toBeGreaterThan(0);
      for (const key of index) expect(await probe.pttl(key)).toBeLessThanOrEqual(30 * DAY);
    });
  });

  describe('trusted devices on Redis: an ioredis client with its own keyPrefix', () => {
    it('forgets all of a user’s devices and keeps the per-user bound', async () => {
      const client = new Redis(url, { keyPrefix: `kp${randomBytes(3).toString('hex')}:` });
      client.on('error', () => undefined);
      const probe = createClient({ url });
      await probe.connect();
      try {
        const app = trustedApp({ store: { redis: client as unknown as RedisClientLike }, maxDevicesPerUser: 1 });
        const alice = app.users.add(ALICE_PHONE);
        const [first, second] = [new CookieClient(app.t.app), new CookieClient(app.t.app)];
        await remember(app, first, alice);
        await remember(app, second, alice);
        expect(await trustedOn(app, first, alice)).toBe(false);
        expect(await trustedOn(app, second, alice)).toBe(true);
        await expect(app.strategy.forgetAllDevices(alice.id)).resolves.toBe(1);
        expect(await trustedOn(app, second, alice)).toBe(false);
        expect(await probe.keys(`${client.options.keyPrefix as string}*`)).toEqual([]);
      } finally {
        client.disconnect();
        await probe.close();
      }
    });
  });

  describe('trusted devices on Redis: the store itself', () => {
    const record = (user: string) => ({ user, phone: 'p', createdAt: Date.now(), expiresAt: Date.now() + DAY });

    it('keeps the record at <prefix>t:<digest> and the index at <prefix>u:<user>; a command Redis refuses is a TrustedDeviceStoreError', async () => {
      const client = createClient({ url });
      await client.connect();
      const prefix = `test:devices:${randomBytes(6).toString('hex')}:`;
      try {
        const store = new RedisDeviceStore(client, prefix);
        await store.add('digest1', record('user1'), 3, Date.now());
        expect((await client.keys(`${prefix}*`)).sort()).toEqual([`${prefix}t:digest1`, `${prefix}u:user1`]);
        // A key of another type (WRONGTYPE): the read and the script fail, as the store's error.
        await client.hSet(`${prefix}t:hash`, 'a', '1');
        await expect(store.get('hash')).rejects.toBeInstanceOf(TrustedDeviceStoreError);
        await client.set(`${prefix}u:user2`, 'x');
        await expect(store.add('digest2', record('user2'), 3, Date.now())).rejects.toBeInstanceOf(TrustedDeviceStoreError);
        expect(await store.removeUser('user1')).toBe(1);
      } finally {
        const keys = await client.keys(`${prefix}*`);
        if (keys.length > 0) await client.del(keys);
        await client.close();
      }
    });

    it('fails at once while the client is not connected, with that cause (node-redis, and ioredis that would connect or queue)', async () => {
      const never = createClient({ url });
      never.on('error', () => undefined);
      const lazy = new Redis(url, { lazyConnect: true });
      lazy.on('error', () => undefined);
      try {
        for (const client of [never, lazy]) {
          const store = new RedisDeviceStore(client, `test:devices:${randomBytes(6).toString('hex')}:`);
          for (const call of [() => store.get('d'), () => store.add('d', record('u'), 3, Date.now()), () => store.remove('d', 'u'), () => store.removeUser('u')]) {
            const err = await call().then(() => undefined, (e: unknown) => e);
            expect(err).toBeInstanceOf(TrustedDeviceStoreError);
            expect((err as Error & { cause: Error }).cause.message).toBe(client === lazy ? 'Redis is not connected (wait)' : 'Redis is not connected');
          }
        }
        expect(lazy.status).toBe('wait');
      } finally {
        lazy.disconnect();
      }
    });
  });

  describe('trusted devices on Redis: a store that is down', () => {
    it('isTrustedDevice rejects with TrustedDeviceStoreError; a login asking to remember still succeeds, without a cookie', async () => {
      const down = createClient({ url: 'redis://127.0.0.1:1', socket: { reconnectStrategy: false } });
      down.on('error', () => undefined);
      const app = trustedApp({ store: { redis: down as unknown as RedisClientLike } });
      const alice = app.users.add(ALICE_PHONE);
      const browser = new CookieClient(app.t.app);
      await browser.post('/login/password', { userId: alice.id });
      // Without a cookie the guard answers without the store.
      expect((await browser.get('/2fa/trusted')).body).toEqual({ trusted: false });
      browser.cookies.set(COOKIE, randomBytes(32).toString('base64url'));
      const guard = await browser.get('/2fa/trusted');
      expect(guard.status).toBe(500);
      expect(app.t.errors.at(-1)).toBeInstanceOf(TrustedDeviceStoreError);
      expect(guard.text).not.toContain('127.0.0.1');
      await browser.post('/2fa/send');
      const res = await browser.post('/2fa/code', { code: app.fake.code(ALICE_PHONE), rememberDevice: 'on' });
      expect(res.status).toBe(200);
      expect(browser.setCookie(COOKIE)).toBeUndefined();
    });
  });
}
