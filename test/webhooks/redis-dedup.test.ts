// Webhook de-duplication shared through Redis: two app instances (two handlers), one event id,
// one event; with node-redis and with ioredis.
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
    let client: { set(...a: unknown[]): Promise<unknown>; del(k: string): Promise<unknown>; quit(): Promise<unknown> };
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
      a.post('/hook', preludeWebhook({ publicKey: keys.publicPem, onEvent, store: { redis: client, prefix, ttlSeconds: 60 } }));
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
  });
}
