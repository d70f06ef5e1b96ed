// Webhook de-duplication on a Redis that stops answering without closing its connections: a
// redis-server of this suite's own paused with SIGSTOP (test/helpers/redis-server.ts), the client
// with no timeout of its own, so only the store's `timeoutMs` (lib/redis-deadline.ts) ends the
// wait. A delivery whose claim gets no reply in time is answered 500 store_failed and not handled;
// Redis applies the claim when it wakes, and the store gives it back as that late reply comes
// (lib/webhooks/dedup.ts), so the provider's retry is handled instead of told 409 until the claim
// expires. A finish past its deadline: the delivery is still answered 200, and the late finish
// makes a retry a duplicate. No unhandled rejection. Both clients.
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { preludeWebhook } from 'passport-ding';
import type { PassportDingEvent } from 'passport-ding';
import { connectSocket, frozenRedisSuite, redisServerGate } from '../helpers/redis-server.js';
import { waitFor, within } from '../helpers/wait.js';
import { keyPair, signature } from './sign.js';

const keys = keyPair();

if (redisServerGate('webhook de-duplication on a frozen Redis')) {
  const own = frozenRedisSuite();

  describe.each(['node-redis', 'ioredis'] as const)('webhook de-duplication on a frozen Redis (%s)', (kind) => {
    async function setup(onEvent: (e: PassportDingEvent) => void) {
      const c = await connectSocket(kind, own.server.socket);
      const probe = createClient({ socket: { path: own.server.socket, tls: false } });
      await probe.connect();
      const prefix = `test:webhook:freeze:${kind}:${Date.now()}:`;
      const app = express();
      app.post('/hook', preludeWebhook({ publicKey: keys.publicPem, onEvent, store: { redis: c.redis, prefix, timeoutMs: 300 } }));
      const id = `evt_freeze_${kind}_${Date.now()}`;
      const body = JSON.stringify({ id, type: 'verify.attempt', payload: { verification_id: 'vrf_1' }, created_at: new Date().toISOString() });
      // The delivery's status and body, or 'no answer' when the handler hangs.
      const post = async () => {
        const res = await within(request(app).post('/hook').set('Content-Type', 'application/json').set('X-Webhook-Signature', signature(body, keys.privateKey)).send(body));
        return res === 'no answer' ? res : [res.status, res.body];
      };
      const close = async (): Promise<void> => {
        c.close();
        await probe.close();
      };
      return { c, probe, key: prefix + id, post, close };
    }

    it('a claim past timeoutMs: 500 store_failed, not handled; the late claim is given back, so the retry is handled', async () => {
      const events: PassportDingEvent[] = [];
      const { c, probe, key, post, close } = await setup((e) => void events.push(e));
      try {
        own.server.freeze();
        expect(await post()).toEqual([500, { error: 'store_failed' }]);
        expect(c.ready()).toBe(true);
        expect(events).toHaveLength(0);

        own.server.thaw();
        // Redis applied the claim when it woke; its reply, past the deadline, gives it back.
        await waitFor('the late claim given back', async () => (await probe.get(key)) === null, { withinMs: 5000 });
        expect(await post()).toEqual([200, { received: true }]);
        expect(events).toHaveLength(1);
        expect(await probe.get(key)).toBe('done');
        expect(own.unhandled).toEqual([]);
      } finally {
        await close();
      }
    });

    it('a claim past timeoutMs on an id already done: its late reply (not taken) leaves the id done, and the retry is a duplicate', async () => {
      const events: PassportDingEvent[] = [];
      const { c, probe, key, post, close } = await setup((e) => void events.push(e));
      const ping = (): Promise<unknown> => (c.redis as { ping(): Promise<unknown> }).ping();
      try {
        expect(await post()).toEqual([200, { received: true }]);
        own.server.freeze();
        expect(await post()).toEqual([500, { error: 'store_failed' }]);
        own.server.thaw();
        // On the store's connection, in order: the first ping's reply comes after the late SET NX's
        // (so a DEL sent on it would be on its way), the second's after that DEL would have run.
        await ping();
        await ping();
        expect(await probe.get(key)).toBe('done');
        expect(await post()).toEqual([200, { received: true, duplicate: true }]);
        expect(events).toHaveLength(1);
        expect(own.unhandled).toEqual([]);
      } finally {
        await close();
      }
    });

    it('a finish past timeoutMs: the delivery is answered 200 all the same, and once applied a retry is a duplicate', async () => {
      const events: PassportDingEvent[] = [];
      const { key, probe, post, close } = await setup((e) => {
        events.push(e);
        own.server.freeze();
      });
      try {
        expect(await post()).toEqual([200, { received: true }]);
        own.server.thaw();
        await waitFor('the late finish applied', async () => (await probe.get(key)) === 'done', { withinMs: 5000 });
        expect(await post()).toEqual([200, { received: true, duplicate: true }]);
        expect(events).toHaveLength(1);
        expect(own.unhandled).toEqual([]);
      } finally {
        await close();
      }
    });
  });
}
