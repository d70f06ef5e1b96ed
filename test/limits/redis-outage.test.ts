// Redis going away under real logins, as docs/deploying.md's "When Redis fails" says: the limits'
// client connects through redisRelay() (test/helpers/), a TCP relay to the real Redis that can
// drop and refuse connections (Redis down) or hold them without passing a byte (Redis frozen).
// Down: every send and check is a LimitStoreError at once, with no provider call (the limits fail
// closed); back: the same client serves again by itself, and the code sent before the outage
// still logs in (with Prelude the window's owner is still in Redis). Frozen: the login waits for
// the client's command timeout, then the same LimitStoreError. Both providers, both clients.
import express from 'express';
import request from 'supertest';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import type { RedisClientLike } from 'passport-ding';
import { redisGate } from '../helpers/env.js';
import { harness, PROVIDERS } from '../helpers/harness.js';
import { redisRelay } from '../helpers/redis-relay.js';
import { securityApp } from '../helpers/security-app.js';
import { sleep, waitFor } from '../helpers/wait.js';

const KEY_SECRET = 'operator-outage-limit-secret-0123456789';

interface Client {
  redis: RedisClientLike;
  ready(): boolean;
  close(): Promise<void>;
}

/** A client of either library through `url`, reconnecting every 50 ms, with `timeoutMs` as its command timeout. */
async function client(kind: 'node-redis' | 'ioredis', url: string, timeoutMs: number): Promise<Client> {
  if (kind === 'ioredis') {
    const io = new Redis(url, { retryStrategy: () => 50, commandTimeout: timeoutMs });
    io.on('error', () => undefined);
    await waitFor('ioredis ready', () => io.status === 'ready');
    return { redis: io as unknown as RedisClientLike, ready: () => io.status === 'ready', close: async () => io.disconnect() };
  }
  const nr = createClient({ url, socket: { reconnectStrategy: () => 50, socketTimeout: timeoutMs } });
  nr.on('error', () => undefined);
  await nr.connect();
  // destroy(), not close(): close() waits for commands a frozen or closed relay never answers.
  return { redis: nr as unknown as RedisClientLike, ready: () => nr.isReady, close: async () => nr.destroy() };
}

if (redisGate('limits on a Redis that goes away')) {
  describe.each(PROVIDERS)('limits on a Redis that goes away (%s)', (provider) => {
    const h = harness(express, {}, provider);
    const target = new URL(process.env.REDIS_URL as string);

    describe.each(['node-redis', 'ioredis'] as const)('%s', (kind) => {
      async function setup(timeoutMs = 10_000) {
        const relay = await redisRelay(target);
        const c = await client(kind, relay.url, timeoutMs);
        const prefix = `passport-ding-test:${process.pid}:outage:${provider}:${kind}:${Date.now()}:`;
        const strategy = h.strategy({ resendCooldownSeconds: 0, limits: { store: { redis: c.redis, prefix }, keySecret: KEY_SECRET } });
        const errors: unknown[] = [];
        const app = securityApp({ strategy, users: h.users, onError: (err) => errors.push(err) });
        const cleanup = async (): Promise<void> => {
          await relay.up();
          relay.thaw();
          await c.close();
          await relay.close();
          const admin = createClient({ url: target.href });
          await admin.connect();
          const keys = await admin.keys(`${prefix}*`);
          if (keys.length > 0) await admin.del(keys);
          await admin.close();
        };
        return { relay, c, app, cleanup, errors };
      }
      const calls = (): number => h.sandbox.stats().requests;

      it('down: LimitStoreError at once and no provider call; back: the same client serves, and the code sent before still logs in', async () => {
        const { relay, c, app, cleanup, errors } = await setup();
        try {
          const alice = request.agent(app);
          await alice.post('/api/send').send({ phoneNumber: '+14155552671' }).expect(200);
          const code = h.code('+14155552671');

          await relay.down();
          await waitFor('the client to see Redis gone', () => !c.ready());
          const before = calls();
          const started = performance.now();
          const send = await request(app).post('/api/send').send({ phoneNumber: '+14155552672' });
          const check = await alice.post('/api/verify').send({ code });
          expect(performance.now() - started).toBeLessThan(1000);
          for (const res of [send, check]) expect([res.status, res.body]).toEqual([500, { error: 'LimitStoreError', code: 'PASSPORT_DING_LIMIT_STORE' }]);
          // Failed before the provider was called: nothing sent, and the error says so.
          expect(errors).toEqual([expect.objectContaining({ codeSent: false }), expect.objectContaining({ codeSent: false })]);
          expect(calls()).toBe(before);

          await relay.up();
          await waitFor('the client back', () => c.ready());
          const login = await alice.post('/api/verify').send({ code }).expect(200);
          expect(login.body.user.phoneNumber).toBe('+14155552671');
          await request(app).post('/api/send').send({ phoneNumber: '+14155552672' }).expect(200);
        } finally {
          await cleanup();
        }
      });

      it("frozen: the send waits for the client's command timeout, then LimitStoreError, and no provider call", async () => {
        const { relay, app, cleanup } = await setup(500);
        try {
          relay.freeze();
          const before = calls();
          const started = performance.now();
          const res = await Promise.race([request(app).post('/api/send').send({ phoneNumber: '+14155552673' }).then((r) => r), sleep(5000).then(() => 'no answer in 5 s' as const)]);
          expect(res === 'no answer in 5 s' ? res : [res.status, res.body]).toEqual([500, { error: 'LimitStoreError', code: 'PASSPORT_DING_LIMIT_STORE' }]);
          expect(performance.now() - started).toBeGreaterThanOrEqual(450);
          expect(calls()).toBe(before);
        } finally {
          await cleanup();
        }
      });
    });
  });
}
