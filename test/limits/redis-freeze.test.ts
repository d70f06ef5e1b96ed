// A Redis that stops answering without closing its connections, under real logins: a redis-server
// of this suite's own (test/helpers/redis-server.ts) paused with SIGSTOP, the clients connected to
// it with no timeout of their own (node-redis has none; ioredis's commandTimeout left unset), so
// only the store's `timeoutMs` (lib/redis-deadline.ts) ends the wait. Frozen: a send and a check
// answer LimitStoreError instead of hanging, with no provider call; thawed (SIGCONT): the same
// client serves again, the code sent before the freeze logs in, and the replies that came after
// their deadline left no unhandled rejection. Both providers, both clients, and the store below
// the limits for the error's words.
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { RedisStore } from '../../lib/limits/index.js';
import { harness, PROVIDERS } from '../helpers/harness.js';
import { connectSocket, frozenRedisSuite, redisServerGate } from '../helpers/redis-server.js';
import { securityApp } from '../helpers/security-app.js';
import { within } from '../helpers/wait.js';

const KEY_SECRET = 'operator-freeze-limit-secret-0123456789';
const STORE_ERROR = [500, { error: 'LimitStoreError', code: 'PASSPORT_DING_LIMIT_STORE' }];

if (redisServerGate('limits on a frozen Redis')) {
  const own = frozenRedisSuite();

  describe.each(['node-redis', 'ioredis'] as const)('%s', (kind) => {
    it('a command past timeoutMs fails with "Redis did not answer within N ms"; its late reply changes nothing', async () => {
      const c = await connectSocket(kind, own.server.socket);
      try {
        const store = new RedisStore(c.redis, 200);
        const key = `freeze:${kind}:${Date.now()}`;
        own.server.freeze();
        const frozen = await within(store.hit([{ key, add: 1, windowMs: 60_000, slide: false }]).catch((err: unknown) => err));
        expect(frozen).toBeInstanceOf(Error);
        expect([(frozen as Error).name, (frozen as Error).message]).toEqual(['RedisTimeout', 'Redis did not answer within 200 ms']);
        own.server.thaw();
        // Redis ran the frozen script when it woke (the point counts: the store fails closed).
        expect(await store.hit([{ key, add: 0, windowMs: 60_000, slide: false }])).toEqual([{ count: 1, msLeft: expect.any(Number) }]);
        expect(own.unhandled).toEqual([]);
      } finally {
        c.close();
      }
    });

    it('a reply already in the socket when a stalled event loop fires the timer wins: no timeout for a Redis that answered', async () => {
      const c = await connectSocket(kind, own.server.socket);
      try {
        const store = new RedisStore(c.redis, 50);
        // Once the command is out (ioredis writes it at once, node-redis in a setImmediate), this
        // process stalls (a long synchronous task) past the deadline while Redis answers. On the
        // loop's next turn the timer fires before the socket is read. 500 ms: ten times the
        // deadline, and time enough for this suite's own idle Redis to answer on a loaded machine.
        const stall = (): void => {
          const until = performance.now() + 500;
          while (performance.now() < until);
        };
        const reply = await new Promise<{ value?: string | undefined; err?: unknown }>((resolve) => {
          setImmediate(() => {
            resolve(store.readMark('freeze:stall').then((value) => ({ value }), (err: unknown) => ({ err })));
            if (kind === 'ioredis') stall();
            else setImmediate(stall);
          });
        });
        expect(reply).toEqual({ value: undefined });
      } finally {
        c.close();
      }
    });

    describe.each(PROVIDERS)('logins (%s)', (provider) => {
      const h = harness(express, {}, provider);

      it('frozen: send and check answer LimitStoreError after timeoutMs, no provider call; thawed: the same client serves', async () => {
        const c = await connectSocket(kind, own.server.socket);
        try {
          const prefix = `passport-ding-test:freeze:${provider}:${kind}:${Date.now()}:`;
          const strategy = h.strategy({ resendCooldownSeconds: 0, limits: { store: { redis: c.redis, prefix, timeoutMs: 300 }, keySecret: KEY_SECRET } });
          const app = securityApp({ strategy, users: h.users });
          const alice = request.agent(app);
          await alice.post('/api/send').send({ phoneNumber: '+14155552681' }).expect(200);
          const code = h.code('+14155552681');

          own.server.freeze();
          const before = h.sandbox.stats().requests;
          const started = performance.now();
          const send = await within(request(app).post('/api/send').send({ phoneNumber: '+14155552682' }));
          const check = await within(alice.post('/api/verify').send({ code }));
          for (const res of [send, check]) expect(res === 'no answer' ? res : [res.status, res.body]).toEqual(STORE_ERROR);
          // The deadline answered, not a readiness check: the client still counts as connected.
          expect(c.ready()).toBe(true);
          expect(performance.now() - started).toBeGreaterThanOrEqual(2 * 300 - 20);
          expect(h.sandbox.stats().requests).toBe(before);

          own.server.thaw();
          const login = await within(alice.post('/api/verify').send({ code }));
          expect(login === 'no answer' ? login : [login.status, login.body.user?.phoneNumber]).toEqual([200, '+14155552681']);
          const again = await within(request(app).post('/api/send').send({ phoneNumber: '+14155552682' }));
          expect(again === 'no answer' ? again : again.status).toBe(200);
          expect(h.sandbox.stats().requests).toBe(before + 2);
          expect(own.unhandled).toEqual([]);
        } finally {
          c.close();
        }
      });
    });
  });

  it('the default timeoutMs (1,000) ends a frozen wait too', async () => {
    const c = await connectSocket('node-redis', own.server.socket);
    try {
      const store = new RedisStore(c.redis);
      own.server.freeze();
      const frozen = await within(store.readMark('freeze:default').catch((err: unknown) => err));
      expect((frozen as Error).message).toBe('Redis did not answer within 1000 ms');
    } finally {
      own.server.thaw();
      c.close();
    }
  });
}
