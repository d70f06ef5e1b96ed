// The limits inside real logins: Express 5 + express-session + Passport, the real DingProvider and
// the sandbox over HTTP. Each limit refuses with `rate_limited` 429 and retryAfter before the
// provider is called; refused requests spend nothing; a right code clears the failed-check budget;
// concurrent wrong codes cannot spend more provider attempts than the budget.
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import express from 'express';
import session from 'express-session';
import type { Express } from 'express';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { harness } from '../helpers/harness.js';
import { securityApp } from '../helpers/security-app.js';
import type { SecurityAppSetup } from '../helpers/security-app.js';
import { barrier } from '../helpers/barrier.js';
import { redisGate } from '../helpers/env.js';
import { redisClients } from '../helpers/redis-clients.js';
import { DingOtpStrategy, memoryLimitStore } from 'passport-ding';
import type { DingOtpStrategyOptions, VerifyFunction } from 'passport-ding';
import { wrongCode } from '../helpers/codes.js';

const PHONE = '+14155552671';

const h = harness(express);
const calls = (op: string): number => h.sandbox.stats().byOperation[op] ?? 0;

// These tests send to one number again and again to reach the budgets, so the resend cooldown
// (which refuses a second code to a number within 30 s, any session) is off unless a test sets
// it; test/limits/pumping.test.ts and repeated-send.test.ts cover it.
function app(options: Partial<DingOtpStrategyOptions> = {}, setup: Partial<SecurityAppSetup> = {}): Express {
  return securityApp({ strategy: h.strategy({ resendCooldownSeconds: 0, ...options }), users: h.users, trustProxy: true, ...setup });
}

/** A fresh client (its own session) from `ip`. */
function client(target: Express, ip = '203.0.113.1'): { agent: TestAgent; ip: string } {
  return { agent: request.agent(target), ip };
}

async function send(target: Express, phone = PHONE, ip = '203.0.113.1', agent = request.agent(target)) {
  return agent.post('/api/send').set('X-Forwarded-For', ip).send({ phoneNumber: phone });
}

function expectLimited(res: request.Response, max: number): number {
  expect(res.status).toBe(429);
  expect(res.body).toMatchObject({ code: 'rate_limited' });
  const wait = res.body.retryAfter as number;
  expect(Number.isInteger(wait)).toBe(true);
  expect(wait).toBeGreaterThan(0);
  expect(wait).toBeLessThanOrEqual(max);
  return wait;
}

// attack3: some proxies write the client's port into X-Forwarded-For (Azure App Service and
// Application Gateway send `203.0.113.7:51234`), so with `trust proxy` Express's req.ip is
// `address:port`. normalizeIp() takes that for no address at all, and every client is keyed
// `unknown`: the per-address and per-network budgets become one budget for the whole app (30
// sends an hour by default; anyone can spend it and lock every login out). Should: an IPv4
// `a.b.c.d:port` and an IPv6 `[addr]:port` are read as their address.
describe('per-address limits behind a proxy that appends the port (attack3)', () => {
  it('two clients whose forwarded address carries a port keep budgets of their own', async () => {
    const target = app({ limits: { sendsPerIp: { points: 2, durationSeconds: 600 }, sendsPerNetwork: false } });
    for (let i = 0; i < 2; i += 1) expect((await send(target, `+1415555262${i}`, '198.51.100.7:50123')).status).toBe(200);
    // Another client, another network, another port: its own budget is untouched.
    const other = await send(target, '+14155552629', '203.0.113.9:40411');
    expect(other.status).toBe(200);
  });
});

describe('a memory store shared by two strategies (memoryLimitStore)', () => {
  it('counts one budget per number across both, where each own store would count its own', async () => {
    const limits = (store?: ReturnType<typeof memoryLimitStore>) => ({ limits: { sendsPerPhone: { points: 2, durationSeconds: 3600 }, ...(store ? { store } : {}) } });
    const shared = memoryLimitStore({ maxKeys: 1000 });
    const login = app(limits(shared));
    const phoneChange = app(limits(shared));
    expect((await send(login)).status).toBe(200);
    expect((await send(phoneChange)).status).toBe(200);
    expectLimited(await send(login), 3600);
    expect(shared.size).toBeGreaterThan(0);

    const apart = [app(limits()), app(limits())] as const;
    expect((await send(apart[0], '+14155552672')).status).toBe(200);
    expect((await send(apart[1], '+14155552672')).status).toBe(200);
    expect((await send(apart[0], '+14155552672')).status).toBe(200);
  });

  // Keys are HMACs under `keySecret` (plain without one): two strategies on one store with
  // different secrets would keep each number's counters, cooldown and Prelude window owner under
  // different keys, so each would count its own budget, silently.
  it('refuses a strategy whose keySecret differs from that of another strategy on the same store', () => {
    const secret = 'shared store secret, 32 bytes!!';
    const plain = memoryLimitStore();
    h.strategy({ limits: { store: plain } });
    expect(() => h.strategy({ limits: { store: plain, keySecret: secret } })).toThrow(/`limits.keySecret` must be the same for every strategy sharing a memoryLimitStore\(\)/);
    h.strategy({ limits: { store: plain } });

    const keyed = memoryLimitStore();
    h.strategy({ limits: { store: keyed, keySecret: secret } });
    h.strategy({ limits: { store: keyed, keySecret: Buffer.from(secret) } });
    expect(() => h.strategy({ limits: { store: keyed } })).toThrow(/`limits.keySecret` must be the same/);
    expect(() => h.strategy({ limits: { store: keyed, keySecret: `${secret}?` } })).toThrow(/`limits.keySecret` must be the same/);
  });

  // The store takes its secret when a strategy on it is built: one refused for any option (here a
  // later one than limits, and a missing verify callback) leaves it free for the next.
  it('takes no secret from a strategy that was refused', () => {
    const secret = 'shared store secret, 32 bytes!!';
    const other = 'another shared store secret!!!!';
    const store = memoryLimitStore();
    expect(() => h.strategy({ limits: { store, keySecret: secret }, allowedCountries: ['XX' as 'US'] })).toThrow(/allowedCountries/);
    // No verify callback, outside second-factor mode: refused after its limits were read.
    expect(() => new DingOtpStrategy({ ...h.credentials(), limits: { store, keySecret: secret } }, undefined as unknown as VerifyFunction)).toThrow(/requires a verify callback/);
    h.strategy({ limits: { store, keySecret: other } });
    expect(() => h.strategy({ limits: { store, keySecret: secret } })).toThrow(/`limits.keySecret` must be the same/);
  });

  it('takes its bound where it is made, not from the strategy', () => {
    expect(() => h.strategy({ limits: { store: memoryLimitStore(), maxKeys: 1000 } })).toThrow(/`limits.maxKeys` must be left out with a memoryLimitStore\(\)/);
    expect(() => memoryLimitStore({ maxKeys: 10 })).toThrow(new TypeError('memoryLimitStore: `maxKeys` must be an integer from 100 to 10000000'));
    // With Redis it would bound nothing: refused rather than ignored.
    const redis = { eval: async () => [] };
    expect(() => h.strategy({ limits: { store: { redis }, keySecret: 'strategy test secret', maxKeys: 1000 } })).toThrow(/`limits.maxKeys` must be left out with a Redis store/);
  });

  // Mutation testing (issue 20): each refusal of memoryLimitStore()'s options, with its message
  // (before, only `maxKeys` was checked: a null went on to a destructuring TypeError, a string
  // was taken as no options).
  it('refuses options that are not an object, and a `now` that is not a function', () => {
    for (const bad of [null, 'fast', 42]) {
      expect(() => memoryLimitStore(bad as never)).toThrow(new TypeError('memoryLimitStore: options must be an object'));
    }
    expect(() => memoryLimitStore({ now: 5 as never })).toThrow(new TypeError('memoryLimitStore: `now` must be a function'));
    expect(memoryLimitStore({ now: () => 0 }).size).toBe(0);
  });
});

describe('send limits in logins', () => {
  it('are on by default: the 6th code to one number within an hour is refused before the provider', async () => {
    const target = app();
    for (let i = 0; i < 5; i += 1) expect((await send(target, PHONE, `203.0.113.${i}`)).status).toBe(200);
    const res = await request(target).post('/api/send').set('X-Forwarded-For', '203.0.113.99').send({ phoneNumber: PHONE });
    expectLimited(res, 3600);
    expect(calls('createAuthentication')).toBe(5);
  });

  it('limit codes per client IP across numbers', async () => {
    const target = app({ limits: { sendsPerIp: { points: 3, durationSeconds: 600 } } });
    for (let i = 0; i < 3; i += 1) expect((await send(target, `+1415555260${i}`, '198.51.100.7')).status).toBe(200);
    const res = await request(target).post('/api/send').set('X-Forwarded-For', '198.51.100.7').send({ phoneNumber: '+14155552609' });
    expectLimited(res, 600);
    // Another client is not affected.
    expect((await send(target, '+14155552609', '198.51.100.8')).status).toBe(200);
    expect(calls('createAuthentication')).toBe(4);
  });

  it('count resends: a resend past the limit is refused and the pending state stays as it was', async () => {
    const target = app({ limits: { sendsPerPhone: { points: 2, durationSeconds: 900 } } });
    const { agent } = client(target);
    expect((await send(target, PHONE, '203.0.113.1', agent)).status).toBe(200);
    h.clock.advance(31_000);
    expect((await agent.post('/login/resend').set('X-Forwarded-For', '203.0.113.1')).status).toBe(200);
    const before = (await agent.get('/me')).body.pending;
    h.clock.advance(31_000);
    const res = await agent.post('/api/retry').set('X-Forwarded-For', '203.0.113.1');
    expectLimited(res, 900);
    expect(calls('retry')).toBe(1);
    expect((await agent.get('/me')).body.pending).toEqual(before);
    // The code already sent still works.
    const code = h.code(PHONE);
    expect((await agent.post('/api/verify').send({ code })).status).toBe(200);
  });

  it('give the point back when the provider refuses a resend without sending (here: too soon by its cooldown)', async () => {
    // Our cooldown is 0, the sandbox's 30 s: the first resend reaches it and is refused, no SMS.
    const target = app({ resendCooldownSeconds: 0, limits: { sendsPerPhone: { points: 2, durationSeconds: 900 } } });
    const { agent } = client(target);
    expect((await send(target, PHONE, '203.0.113.1', agent)).status).toBe(200);
    const early = await agent.post('/api/retry').set('X-Forwarded-For', '203.0.113.1');
    expect(early.status).toBe(429);
    expect(early.body.code).toBe('retry_too_soon');
    expect(calls('retry')).toBe(1);
    h.clock.advance(31_000);
    // The refused resend cost nothing: the second point is still there for this one...
    expect((await agent.post('/api/retry').set('X-Forwarded-For', '203.0.113.1')).status).toBe(200);
    expect(calls('retry')).toBe(2);
    // ...and only that one.
    h.clock.advance(31_000);
    expectLimited(await agent.post('/api/retry').set('X-Forwarded-For', '203.0.113.1'), 900);
  });

  it('spend nothing on a refused send: a refusal by the IP limit leaves the phone its points', async () => {
    const target = app({ limits: { sendsPerPhone: { points: 2, durationSeconds: 600 }, sendsPerIp: { points: 1, durationSeconds: 600 } } });
    expect((await send(target, PHONE, '192.0.2.1')).status).toBe(200);
    for (let i = 0; i < 4; i += 1) expectLimited(await send(target, PHONE, '192.0.2.1'), 600);
    // The phone still has its second point...
    expect((await send(target, PHONE, '192.0.2.2')).status).toBe(200);
    // ...and only that one.
    expectLimited(await send(target, PHONE, '192.0.2.3'), 600);
    expect(calls('createAuthentication')).toBe(2);
  });

  it('spend nothing on requests refused before the limits: bad numbers, other countries, beforeSend', async () => {
    let allow = false;
    const target = app({
      allowedCountries: ['US'],
      beforeSend: () => allow,
      limits: { sendsPerIp: { points: 1, durationSeconds: 600 } },
    });
    const statuses: number[] = [];
    for (const phoneNumber of ['', 'not a number', '+1415555', '+447911123456', PHONE, PHONE]) {
      statuses.push((await send(target, phoneNumber, '192.0.2.50')).status);
    }
    expect(statuses).toEqual([400, 400, 400, 403, 403, 403]);
    allow = true;
    expect((await send(target, PHONE, '192.0.2.50')).status).toBe(200);
    expectLimited(await send(target, PHONE, '192.0.2.50'), 600);
    expect(calls('createAuthentication')).toBe(1);
  });

  it('count each number against its own country, also within a shared calling code (+1: US and CA)', async () => {
    const target = app({ limits: { sendsPerCountry: { points: 2, durationSeconds: 3600 }, sendsPerPhone: false, sendsPerIp: false, sendsPerNetwork: false, sendsPerNumberBlock: false } });
    for (const phone of ['+12025550142', '+13055550142']) expect((await send(target, phone, '203.0.113.7')).status).toBe(200);
    expectLimited(await send(target, '+17025550142', '203.0.113.7'), 3600);
    // Canada shares +1 with the US and has a budget of its own.
    for (const phone of ['+14165550123', '+16045550123']) expect((await send(target, phone, '203.0.113.7')).status).toBe(200);
    expectLimited(await send(target, '+15145550123', '203.0.113.7'), 3600);
    expect(calls('createAuthentication')).toBe(4);
  });

  it('turn off with limits: false', async () => {
    const target = app({ limits: false });
    for (let i = 0; i < 8; i += 1) expect((await send(target, PHONE, '203.0.113.1')).status).toBe(200);
    expect(calls('createAuthentication')).toBe(8);
  });

  it('refuse with error(), no code sent and nothing stored, when the limit store fails', async () => {
    // A node-redis client that was never connected: what the app has while Redis is down.
    const down = createClient({ url: 'redis://127.0.0.1:1' });
    down.on('error', () => undefined);
    const target = app({ limits: { store: { redis: down }, keySecret: 'test key secret, 32 bytes long' } }, { errors: 'message' });
    const agent = request.agent(target);
    const res = await agent.post('/login/phone').send({ phoneNumber: PHONE });
    expect(res.status).toBe(503);
    expect(res.text).toBe('The rate-limit store failed, so no code was sent or checked');
    expect(calls('createAuthentication')).toBe(0);
    expect((await agent.get('/me')).body.pending).toBeNull();
  });
});

describe('failed-check budget in logins', () => {
  async function pendingFor(target: Express, phone = PHONE): Promise<TestAgent> {
    const agent = request.agent(target);
    expect((await send(target, phone, '203.0.113.1', agent)).status).toBe(200);
    return agent;
  }

  it('spans verifications: wrong codes for one number add up, then even checks stop', async () => {
    const target = app({ limits: { failedChecksPerPhone: { points: 3, durationSeconds: 900 } } });
    let agent = await pendingFor(target);
    for (let i = 0; i < 2; i += 1) expect((await agent.post('/api/verify').send({ code: wrongCode(h.code(PHONE)) })).status).toBe(401);
    // A new verification (new session, new code) does not start the count again.
    agent = await pendingFor(target);
    expect((await agent.post('/api/verify').send({ code: wrongCode(h.code(PHONE)) })).status).toBe(401);
    const pending = (await agent.get('/me')).body.pending;
    const checks = calls('check');
    const res = await agent.post('/api/verify').send({ code: wrongCode(h.code(PHONE)) });
    expectLimited(res, 900);
    // Even the right code waits: otherwise the budget would not stop guessing.
    expectLimited(await agent.post('/api/verify').send({ code: h.code(PHONE) }), 900);
    expect(calls('check')).toBe(checks);
    expect((await agent.get('/me')).body.pending).toEqual(pending);
    // Another number has its own budget.
    const other = await pendingFor(target, '+14155552672');
    expect((await other.post('/api/verify').send({ code: h.code('+14155552672') })).status).toBe(200);
  });

  it('starts again after a right code', async () => {
    const target = app({ limits: { failedChecksPerPhone: { points: 3, durationSeconds: 900 } } });
    let agent = await pendingFor(target);
    for (let i = 0; i < 2; i += 1) expect((await agent.post('/api/verify').send({ code: wrongCode(h.code(PHONE)) })).status).toBe(401);
    expect((await agent.post('/api/verify').send({ code: h.code(PHONE) })).status).toBe(200);
    agent = await pendingFor(target);
    for (let i = 0; i < 3; i += 1) expect((await agent.post('/api/verify').send({ code: wrongCode(h.code(PHONE)) })).status).toBe(401);
    expectLimited(await agent.post('/api/verify').send({ code: wrongCode(h.code(PHONE)) }), 900);
  });

  it('is not spent by upstream faults or malformed codes', async () => {
    const target = app({ limits: { failedChecksPerPhone: { points: 1, durationSeconds: 900 } } });
    const agent = await pendingFor(target);
    h.sandbox.fail({ mode: 'http500', operation: 'check', times: 3 });
    for (let i = 0; i < 3; i += 1) expect((await agent.post('/api/verify').send({ code: wrongCode(h.code(PHONE)) })).status).toBe(500);
    for (const code of ['12', 'abcdef', '１２３']) expect((await agent.post('/api/verify').send({ code })).status).toBe(400);
    expect((await agent.post('/api/verify').send({ code: wrongCode(h.code(PHONE)) })).status).toBe(401);
    expectLimited(await agent.post('/api/verify').send({ code: wrongCode(h.code(PHONE)) }), 900);
  });
});

describe('concurrent checks', () => {
  async function listen(target: Express): Promise<{ base: string; close: () => Promise<void> }> {
    const server = target.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return {
      base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  /** An app whose verify route waits until `count` requests have arrived, then lets them all go. */
  function racingApp(options: Partial<DingOtpStrategyOptions>, count: number): Express {
    const outer = express();
    outer.post('/api/verify', barrier(count));
    outer.use(app(options));
    return outer;
  }

  it('10 concurrent wrong codes from one session spend exactly the 3 attempts of the budget', async () => {
    const server = await listen(racingApp({ maxAttempts: 3, limits: false }, 10));
    try {
      const agent = request.agent(server.base);
      expect((await agent.post('/login/phone').send({ phoneNumber: PHONE })).status).toBe(200);
      const code = wrongCode(h.code(PHONE));
      const results = await Promise.all(Array.from({ length: 10 }, () => agent.post('/api/verify').send({ code })));
      const codes = results.map((r) => `${r.status} ${r.body.code}`).sort();
      // The third wrong code spends the budget and answers too_many_attempts itself.
      expect(codes).toEqual([...Array<string>(2).fill('401 invalid_code'), ...Array<string>(8).fill('429 too_many_attempts')]);
      expect(calls('check')).toBe(3);
    } finally {
      await server.close();
    }
  });

  it('concurrent wrong codes for one number from many sessions stop at the failed-check budget', async () => {
    const target = racingApp({ limits: { failedChecksPerPhone: { points: 4, durationSeconds: 900 } } }, 12);
    const server = await listen(target);
    try {
      const agents = [request.agent(server.base), request.agent(server.base), request.agent(server.base)];
      for (const agent of agents) expect((await agent.post('/login/phone').send({ phoneNumber: PHONE })).status).toBe(200);
      const checks = calls('check');
      const code = wrongCode(h.code(PHONE));
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (agents[i % 3] as TestAgent).post('/api/verify').send({ code })));
      expect(calls('check') - checks).toBe(4);
      expect(results.filter((r) => r.body.code === 'invalid_code')).toHaveLength(4);
      expect(results.filter((r) => r.body.code === 'rate_limited')).toHaveLength(8);
    } finally {
      await server.close();
    }
  });
});

if (redisGate('limits shared through Redis in logins')) {
  describe('limits shared through Redis in logins', () => {
    const prefix = `passport-ding-test:${randomBytes(6).toString('hex')}:`;
    const clients = redisClients(2, prefix);

    it('two app instances share the per-phone send limit and the failed-check budget', async () => {
      const limits = (i: number) => ({
        store: { redis: clients[i] as object, prefix },
        // The same secret on both instances, or their keys would differ.
        keySecret: 'shared test key secret',
        sendsPerPhone: { points: 4, durationSeconds: 600 },
        failedChecksPerPhone: { points: 2, durationSeconds: 600 },
      });
      const a = app({ limits: limits(0) });
      const b = app({ limits: limits(1) });
      const onA = request.agent(a);
      const onB = request.agent(b);
      expect((await send(a, PHONE, '203.0.113.1')).status).toBe(200);
      expect((await send(b, PHONE, '203.0.113.2')).status).toBe(200);
      expect((await send(a, PHONE, '203.0.113.3', onA)).status).toBe(200);
      const codeA = h.code(PHONE);
      expect((await send(b, PHONE, '203.0.113.4', onB)).status).toBe(200);
      const codeB = h.code(PHONE);
      expectLimited(await send(a, PHONE, '203.0.113.5'), 600);
      expectLimited(await send(b, PHONE, '203.0.113.6'), 600);
      expect(calls('createAuthentication')).toBe(4);

      // One wrong code on each instance spends the shared budget of two...
      expect((await onA.post('/api/verify').send({ code: wrongCode(codeA) })).status).toBe(401);
      expect((await onB.post('/api/verify').send({ code: wrongCode(codeB) })).status).toBe(401);
      // ...so both are refused now, before the provider.
      const checks = calls('check');
      expectLimited(await onA.post('/api/verify').send({ code: codeA }), 600);
      expectLimited(await onB.post('/api/verify').send({ code: codeB }), 600);
      expect(calls('check')).toBe(checks);
    });

    it('a right code logs in without waiting on the store: pending gone first, the clear in the background', async () => {
      // A real client whose deletes (the right code's clear) hang, then fail: a stalled connection.
      const real = clients[0] as ReturnType<typeof createClient>;
      let mode: 'hang' | 'fail' = 'hang';
      let cleared = 0;
      const stalling = {
        isReady: true,
        eval: (script: string, options: { keys: string[]; arguments: string[] }) => {
          if (!script.startsWith('for _, k in ipairs(KEYS)')) return real.eval(script, options);
          cleared += 1;
          return mode === 'hang' ? new Promise(() => undefined) : Promise.reject(new Error('connection reset'));
        },
      };
      const target = app({ limits: { store: { redis: stalling, prefix }, keySecret: 'stalling test secret' } }, { store: new session.MemoryStore() });
      const agent = request.agent(target);
      expect((await send(target, PHONE, '203.0.113.1', agent)).status).toBe(200);
      const res = await agent.post('/api/verify').send({ code: h.code(PHONE) }).timeout(5000);
      expect(res.status).toBe(200);
      expect(cleared).toBe(1);
      expect((await agent.get('/me')).body.pending).toBeNull();
      mode = 'fail';
      const again = request.agent(target);
      expect((await send(target, '+14155552673', '203.0.113.1', again)).status).toBe(200);
      expect((await again.post('/api/verify').send({ code: h.code('+14155552673') })).status).toBe(200);
      expect(cleared).toBe(2);
    });
  });
}
