// Webhook de-duplication shared through Redis: two app instances (two handlers), one event id,
// one event; a retry reaching one instance while the other still handles it is not acknowledged;
// with node-redis and with ioredis.
import express from 'express';
import request from 'supertest';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { preludeWebhook } from 'passport-ding';
import { CLOCK_SKEW_SECONDS, DEFAULT_DEDUP_PREFIX, dedupStore, PROCESSING_SECONDS } from '../../lib/webhooks/dedup.js';
import type { DedupStore } from '../../lib/webhooks/dedup.js';
import type { PassportDingEvent } from 'passport-ding';
import { redisGate } from '../helpers/env.js';
import { redisRelay } from '../helpers/redis-relay.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { keyPair, signature } from './sign.js';

const keys = keyPair();

if (redisGate('webhook de-duplication in Redis')) {
  describe.each(['node-redis', 'ioredis'] as const)('webhook de-duplication in Redis (%s)', (kind) => {
    const url = process.env.REDIS_URL as string;
    let client: { set(...a: unknown[]): Promise<unknown>; get(k: string): Promise<unknown>; del(k: string): Promise<unknown>; ttl(k: string): Promise<number>; quit(): Promise<unknown> };
    const prefix = `passport-ding-test:${process.pid}:${kind}:`;
    beforeAll(async () => {
      if (kind === 'ioredis') client = new Redis(url) as never;
      else {
        const c = createClient({ url });
        await c.connect();
        client = c as never;
      }
    });
    afterAll(async () => {
      await client.quit();
    });

    function instance(onEvent: (e: PassportDingEvent) => void | Promise<void>) {
      const a = express();
      a.post('/hook', preludeWebhook({ publicKey: keys.publicPem, onEvent, store: { redis: client, prefix, ttlSeconds: 3600 } }));
      return a;
    }

    it('hands an event id on once across instances, and again after a failed attempt', async () => {
      const events: PassportDingEvent[] = [];
      let failFirst = true;
      const one = instance((e) => {
        if (failFirst) {
          failFirst = false;
          throw new Error('down');
        }
        events.push(e);
      });
      const two = instance((e) => void events.push(e));
      const body = JSON.stringify({ id: `evt_${Date.now()}_${kind}`, type: 'verify.attempt', payload: { verification_id: 'vrf_1' }, created_at: new Date().toISOString() });
      const post = (a: express.Express) => request(a).post('/hook').set('Content-Type', 'application/json').set('X-Webhook-Signature', signature(body, keys.privateKey)).send(body);
      await post(one).expect(500);
      await post(two).expect(200);
      const dup = await post(one).expect(200);
      expect(dup.body.duplicate).toBe(true);
      expect(events).toHaveLength(1);
    });

    it('answers 409 to a retry while another instance is still handling the event, then 200 duplicate once it is done', async () => {
      const events: PassportDingEvent[] = [];
      let finish: (() => void) | undefined;
      let entered = false;
      const slow = instance(async (e) => {
        entered = true;
        await new Promise<void>((resolve) => (finish = resolve));
        events.push(e);
      });
      const other = instance((e) => void events.push(e));
      const body = JSON.stringify({ id: `evt_slow_${Date.now()}_${kind}`, type: 'verify.attempt', payload: { verification_id: 'vrf_2' }, created_at: new Date().toISOString() });
      const post = (a: express.Express) => request(a).post('/hook').set('Content-Type', 'application/json').set('X-Webhook-Signature', signature(body, keys.privateKey)).send(body);
      const first = post(slow).then((r) => r);
      await waitFor('the first delivery inside onEvent', () => entered);
      const retry = await post(other);
      expect(retry.status).toBe(409);
      expect(retry.headers['retry-after']).toBe('30');
      expect(retry.body).toEqual({ error: 'in_progress' });
      finish?.();
      expect((await first).status).toBe(200);
      const late = await post(other).expect(200);
      expect(late.body.duplicate).toBe(true);
      expect(events).toHaveLength(1);
      // The claim of a delivery in progress expires soon; a done id is remembered for the ttl.
      expect(await client.ttl(`${prefix}${JSON.parse(body).id as string}`)).toBeGreaterThan(300);
    });

    it('reads an id stored by an earlier version (value 1) as done', async () => {
      const id = `evt_legacy_${Date.now()}_${kind}`;
      await client.set(`${prefix}${id}`, '1');
      const events: PassportDingEvent[] = [];
      const body = JSON.stringify({ id, type: 'verify.attempt', payload: { verification_id: 'vrf_3' }, created_at: new Date().toISOString() });
      const res = await request(instance((e) => void events.push(e))).post('/hook').set('Content-Type', 'application/json').set('X-Webhook-Signature', signature(body, keys.privateKey)).send(body).expect(200);
      expect(res.body.duplicate).toBe(true);
      expect(events).toEqual([]);
      await client.del(`${prefix}${id}`);
    });

    // The keys themselves: under the default prefix, `processing` for PROCESSING_SECONDS while
    // claimed, `done` for ttlSeconds once finished, gone once released.
    it('keeps a claim for PROCESSING_SECONDS and a finished id for ttlSeconds and CLOCK_SKEW_SECONDS, under the default prefix', async () => {
      const store = dedupStore({ redis: client, ttlSeconds: 3600 });
      expectTtlMs(store, 3_600_000);
      const id = `evt_default_${process.pid}_${Date.now()}_${kind}`;
      const key = `${DEFAULT_DEDUP_PREFIX}${id}`;
      expect(DEFAULT_DEDUP_PREFIX).toBe('passport-ding:webhook:');
      try {
        expect(await store.claim(id)).toBe('new');
        expect(await client.get(key)).toBe('processing');
        const claimed = await client.ttl(key);
        expect(claimed).toBeGreaterThan(PROCESSING_SECONDS - 60);
        expect(claimed).toBeLessThanOrEqual(PROCESSING_SECONDS);
        expect(await store.claim(id)).toBe('processing');
        await store.finish(id);
        expect(await client.get(key)).toBe('done');
        const done = await client.ttl(key);
        expect(done).toBeGreaterThan(3600 + CLOCK_SKEW_SECONDS - 60);
        expect(done).toBeLessThanOrEqual(3600 + CLOCK_SKEW_SECONDS);
        expect(await store.claim(id)).toBe('done');
        await store.release(id);
        expect(await client.get(key)).toBeNull();
        expect(await store.claim(id)).toBe('new');
      } finally {
        await client.del(key);
      }
    });

    // Redis keeps an id for the whole ttl, so only the ttl bounds what is stale; to the millisecond.
    it('takes an event created exactly ttlSeconds ago as not stale, and one a millisecond older as stale', () => {
      const store = dedupStore({ redis: client, prefix, ttlSeconds: 3600 });
      const now = Date.UTC(2026, 11, 2, 7, 0, 0);
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(now);
        expect(store.isStale(now - 3_600_000)).toBe(false);
        expect(store.isStale(now - 3_600_001)).toBe(true);
        expect(store.isStale(now)).toBe(false);
      } finally {
        vi.useRealTimers();
      }
    });

    // A claim that expired between this claim's SET NX and its GET: not acknowledged as done (the
    // event may never have been handled); the provider's next retry takes the id.
    it('reads an id gone between the claim and the read as still processing', async () => {
      const id = `evt_gone_${Date.now()}_${kind}`;
      await client.set(`${prefix}${id}`, 'processing');
      const vanishing = {
        set: (...a: unknown[]) => client.set(...a),
        get: async (k: string) => {
          await client.del(k);
          return client.get(k);
        },
        del: (k: string) => client.del(k),
        ...(kind === 'ioredis' ? { defineCommand: (client as unknown as { defineCommand: unknown }).defineCommand } : {}),
      };
      const store = dedupStore({ redis: vanishing, prefix });
      expect(await store.claim(id)).toBe('processing');
      expect(await store.claim(id)).toBe('new');
      await client.del(`${prefix}${id}`);
    });
  });
}

// A Redis that goes away mid-traffic: the client reconnects, and meanwhile node-redis and ioredis
// queue every command (their offline queues) until it is back. The limits and trusted-device
// stores fail at once then; the de-duplication store must too, or each delivery hangs for the
// whole outage and a provider's retries pile up behind it. The outage is redisRelay() (test/helpers/).
if (redisGate('webhook de-duplication while Redis reconnects')) {
  describe.each(['node-redis', 'ioredis'] as const)('webhook de-duplication while Redis reconnects (%s)', (kind) => {
    const url = new URL(process.env.REDIS_URL as string);
    const prefix = `passport-ding-test:${process.pid}:reconnect:${kind}:`;

    it('answers 500 store_failed at once while the client is reconnecting, and handles the retry once it is back', async () => {
      const relay = await redisRelay(url);
      type Client = { set(...a: unknown[]): Promise<unknown>; get(k: string): Promise<unknown>; del(k: string): Promise<unknown> };
      let client: Client;
      let ready: () => boolean;
      let close: () => Promise<unknown>;
      const relayed = relay.url;
      if (kind === 'ioredis') {
        const io = new Redis(relayed, { retryStrategy: () => 100 });
        io.on('error', () => undefined);
        await waitFor('ioredis ready', () => io.status === 'ready');
        client = io as never;
        ready = () => io.status === 'ready';
        close = async () => io.disconnect();
      } else {
        const nr = createClient({ url: relayed, socket: { reconnectStrategy: () => 100 } });
        nr.on('error', () => undefined);
        await nr.connect();
        client = nr as never;
        ready = () => nr.isReady;
        close = async () => nr.destroy(); // close() would wait for a reconnect that a closed relay never gives
      }
      const events: PassportDingEvent[] = [];
      const a = express();
      a.post('/hook', preludeWebhook({ publicKey: keys.publicPem, onEvent: (e) => void events.push(e), store: { redis: client, prefix, ttlSeconds: 3600 } }));
      const eventId = `evt_reconnect_${Date.now()}_${kind}`;
      const body = JSON.stringify({ id: eventId, type: 'verify.attempt', payload: { verification_id: 'vrf_r' }, created_at: new Date().toISOString() });
      const post = () => request(a).post('/hook').set('Content-Type', 'application/json').set('X-Webhook-Signature', signature(body, keys.privateKey)).send(body).then((r) => r);
      try {
        await relay.down();
        await waitFor('the client to notice', () => !ready());
        const res = await Promise.race([post(), sleep(2000).then(() => 'still waiting after 2 s' as const)]);
        expect(res === 'still waiting after 2 s' ? res : { status: res.status, body: res.body as unknown }).toEqual({ status: 500, body: { error: 'store_failed' } });
        expect(events).toEqual([]);
        await relay.up();
        await waitFor('the client back', () => ready());
        const retry = await post();
        expect(retry.status).toBe(200);
        expect(events).toHaveLength(1);
      } finally {
        await relay.up();
        await close();
        await relay.close();
        const admin = createClient({ url: url.href });
        await admin.connect();
        await admin.del(`${prefix}${eventId}`);
        await admin.close();
      }
    });
  });
}

/** The store's ttl as the stale check reads it: an event exactly that old is not stale, older is. */
function expectTtlMs(store: DedupStore, ms: number): void {
  const now = Date.now();
  expect(store.isStale(now - ms + 50)).toBe(false);
  expect(store.isStale(now - ms - 50)).toBe(true);
}
