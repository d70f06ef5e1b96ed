// Webhook de-duplication shared through Redis: two app instances (two handlers), one event id,
// one event; a retry reaching one instance while the other still handles it is not acknowledged;
// with node-redis and with ioredis.
import express from 'express';
import request from 'supertest';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preludeWebhook } from 'passport-ding';
import type { PassportDingEvent } from 'passport-ding';
import { redisGate } from '../helpers/env.js';
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
      while (!entered) await new Promise((resolve) => setTimeout(resolve, 5));
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
  });
}
