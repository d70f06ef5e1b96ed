// A Redis that stops answering after the provider sent the code (Prelude: the step then records
// who owns the number's window in the limits' store). The step fails with a LimitStoreError, as it
// should, and the event says `maybeSent`; the error's message must not say the opposite ("no code
// was sent"): an operator reading the log during a Redis incident would count those SMS as never
// sent. Real Redis through
// redisRelay() (test/helpers/), real HTTP to the sandbox, which freezes the relay as it sends.
import express from 'express';
import request from 'supertest';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import type { ActionEvent, PassportDingEvent, RedisClientLike } from 'passport-ding';
import { redisGate } from '../helpers/env.js';
import { harness } from '../helpers/harness.js';
import { redisRelay, type RedisRelay } from '../helpers/redis-relay.js';
import { securityApp } from '../helpers/security-app.js';
import { waitFor } from '../helpers/wait.js';

const KEY_SECRET = 'operator-after-send-limit-secret-0123456789';

if (redisGate('a limits store that fails after the code was sent')) {
  describe('a limits store that fails after the provider sent the code (prelude)', () => {
    let relay: RedisRelay | undefined;
    let freezeOnSend = false;
    const h = harness(express, { onCode: () => { if (freezeOnSend) relay?.freeze(); } }, 'prelude');
    const target = new URL(process.env.REDIS_URL as string);

    describe.each(['node-redis', 'ioredis'] as const)('%s', (kind) => {
      it.each(['send', 'resend'] as const)('%s: LimitStoreError whose message says the code was sent, and maybeSent', async (step) => {
        relay = await redisRelay(target);
        const prefix = `passport-ding-test:${process.pid}:after-send:${kind}:${step}:${Date.now()}:`;
        let redis: RedisClientLike;
        let close: () => Promise<void>;
        if (kind === 'ioredis') {
          const io = new Redis(relay.url, { enableOfflineQueue: false });
          io.on('error', () => undefined);
          await waitFor('ioredis ready', () => io.status === 'ready');
          redis = io as unknown as RedisClientLike;
          close = async () => io.disconnect();
        } else {
          const nr = createClient({ url: relay.url, disableOfflineQueue: true });
          nr.on('error', () => undefined);
          await nr.connect();
          redis = nr as unknown as RedisClientLike;
          close = async () => nr.destroy();
        }
        const events: ActionEvent[] = [];
        const strategy = h.strategy({
          resendCooldownSeconds: 0,
          limits: { store: { redis, prefix, timeoutMs: 200 }, keySecret: KEY_SECRET },
          onEvent: (event: PassportDingEvent) => { if (event.type !== 'delivery') events.push(event); },
        });
        const errors: unknown[] = [];
        const app = securityApp({ strategy, users: h.users, errors: 'message', onError: (err) => errors.push(err) });
        try {
          const alice = request.agent(app);
          if (step === 'resend') await alice.post('/api/send').send({ phoneNumber: '+14155552671' }).expect(200);
          const sentBefore = h.sandbox.stats().byOperation.createVerification ?? 0;
          freezeOnSend = true;
          const res = step === 'send'
            ? await alice.post('/api/send').send({ phoneNumber: '+14155552671' })
            : await alice.post('/api/retry').send({});
          freezeOnSend = false;
          // The sandbox sent the code (its create ran and answered), then the store failed.
          expect(h.sandbox.stats().byOperation.createVerification).toBe(sentBefore + 1);
          expect(res.status).toBe(503);
          expect(res.text).toBe('The rate-limit store failed after the code was sent');
          expect(errors).toEqual([expect.objectContaining({ code: 'PASSPORT_DING_LIMIT_STORE', codeSent: true })]);
          const last = events.at(-1);
          expect(last).toMatchObject({ type: step, outcome: 'error', error: 'PASSPORT_DING_LIMIT_STORE', maybeSent: true });
        } finally {
          freezeOnSend = false;
          relay.thaw();
          await close();
          await relay.close();
          const admin = createClient({ url: target.href });
          await admin.connect();
          const keys = await admin.keys(`${prefix}*`);
          if (keys.length > 0) await admin.del(keys);
          await admin.close();
        }
      });
    });
  });
}
