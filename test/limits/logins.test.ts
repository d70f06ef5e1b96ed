// The limits inside real logins (Express 5, express-session, Passport, the sandbox over HTTP),
// for Ding V1 and Prelude V2, in memory and through Redis shared by two app instances:
// - a repeated send to one number within the resend cooldown sends nothing, from any session;
// - with Prelude, the session whose send opened or last renewed the window owns it: a check or a
//   resend from another session is `no_pending_verification`, with no provider call (also with
//   `limits: false`); with Ding each session keeps its own verification;
// - past the consecutive-failure cap nothing is checked or sent until resetPhone() or a right code;
// - the client's answer never says which rule refused.
import { randomBytes } from 'node:crypto';
import express from 'express';
import type { Express } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { DingOtpStrategy, DingOtpStrategyOptions } from 'passport-ding';
import { harness } from '../helpers/harness.js';
import { securityApp } from '../helpers/security-app.js';
import { redisGate } from '../helpers/env.js';
import { wrongCode } from '../helpers/codes.js';
import { redisClients } from '../helpers/redis-clients.js';
import { sleep } from '../helpers/wait.js';

const PHONE = '+14155552671';
const OTHER = '+14155552672';

const prefix = `passport-ding-test:${randomBytes(6).toString('hex')}:`;
const withRedis = redisGate('limits in logins through Redis');
const clients = withRedis ? redisClients(2, prefix) : [];

type Store = 'memory' | 'redis';
const stores: Store[] = withRedis ? ['memory', 'redis'] : ['memory'];

for (const provider of ['ding', 'prelude'] as const) {
  for (const store of stores) {
    describe(`limits in logins (${provider}, ${store === 'memory' ? 'memory' : 'Redis, two instances'})`, () => {
      const h = harness(express, {}, provider);
      let run = 0;
      /** Two app instances: one strategy each, sharing the store when it is Redis (in memory, one strategy for both). */
      function apps(options: Partial<DingOtpStrategyOptions> = {}): [Express, Express, DingOtpStrategy] {
        run += 1;
        const limits = (i: number): DingOtpStrategyOptions['limits'] =>
          options.limits === false
            ? false
            : store === 'memory'
              ? options.limits
              : { ...options.limits, store: { redis: clients[i] as object, prefix: `${prefix}${provider}:${run}:` }, keySecret: 'logins test secret' };
        const first = h.strategy({ ...options, limits: limits(0) });
        const second = store === 'memory' ? first : h.strategy({ ...options, limits: limits(1) });
        const make = (strategy: DingOtpStrategy): Express => securityApp({ strategy, users: h.users, trustProxy: true });
        return [make(first), make(second), first];
      }
      const send = (target: Express, phone = PHONE, agent = request.agent(target), ip = '203.0.113.1') =>
        agent.post('/api/send').set('X-Forwarded-For', ip).send({ phoneNumber: phone });

      it('a repeated send to one number within the cooldown sends nothing, from any session; another number is sent', async () => {
        const [a, b] = apps();
        const sends = h.counter('send');
        expect((await send(a)).status).toBe(200);
        for (let i = 0; i < 4; i += 1) {
          const res = await send(i % 2 ? a : b, PHONE, undefined, `198.51.100.${i}`);
          expect(res.status).toBe(429);
          expect(res.body.code).toBe('retry_too_soon');
          expect(res.body.retryAfter).toBeGreaterThan(0);
          expect(res.body.retryAfter).toBeLessThanOrEqual(30);
          // Which rule refused is for events, never for the client.
          expect(Object.keys(res.body).sort()).toEqual(['code', 'message', 'retryAfter']);
        }
        expect((await send(b, OTHER)).status).toBe(200);
        expect(sends()).toBe(2);
        if (store === 'memory') {
          h.clock.advance(30_000);
          expect((await send(b)).status).toBe(200);
          expect(sends()).toBe(3);
        }
      });

      it('a right code ends the cooldown: the next login to the number may send at once', async () => {
        const [a, b] = apps();
        const agent = request.agent(a);
        expect((await send(a, PHONE, agent)).status).toBe(200);
        expect((await agent.post('/api/verify').send({ code: h.code(PHONE) })).status).toBe(200);
        await sleep(20); // the clear runs in the background
        expect((await send(b)).status).toBe(200);
      });

      it(
        provider === 'prelude'
          ? "Prelude: another session's send takes the window; the first session's check and resend find nothing, with no provider call"
          : "Ding: another session's send leaves the first session's verification working",
        async () => {
          const [a, b] = apps();
          const victim = request.agent(a);
          const attacker = request.agent(b);
          expect((await send(a, PHONE, victim)).status).toBe(200);
          const victimCode = h.code(PHONE);
          h.clock.advance(31_000);
          if (store === 'redis') await clients[0]?.del(await clients[0].keys(`${prefix}${provider}:${run}:resend-cooldown:*`));
          expect((await send(b, PHONE, attacker, '198.51.100.9')).status).toBe(200);
          const code = h.code(PHONE);
          const checks = h.counter('check');
          const resends = h.counter('resend');
          if (provider === 'prelude') {
            // The attacker's code does not log the victim's session in, nor the reverse; no call.
            const res = await victim.post('/api/verify').send({ code });
            expect(res.status).toBe(403);
            expect(res.body.code).toBe('no_pending_verification');
            expect((await victim.post('/api/retry').send({})).body.code).toBe('no_pending_verification');
            expect(checks()).toBe(0);
            expect(resends()).toBe(0);
            // The owner's own wrong codes are its own; its right code works.
            expect((await attacker.post('/api/verify').send({ code: wrongCode(code) })).status).toBe(401);
            expect((await attacker.post('/api/verify').send({ code })).status).toBe(200);
          } else {
            // Ding keeps one authentication per send: each session checks its own.
            expect((await victim.post('/api/verify').send({ code: victimCode })).status).toBe(200);
            expect((await attacker.post('/api/verify').send({ code })).status).toBe(200);
            expect(checks()).toBe(2);
          }
        },
      );

      it('past the consecutive-failure cap nothing is checked or sent, until resetPhone()', async () => {
        const [a, b, strategy] = apps({ resendCooldownSeconds: 0, maxAttempts: 10, limits: { failedChecksPerPhone: false, consecutiveFailuresPerPhone: { points: 3, durationSeconds: 86_400 } } });
        const agent = request.agent(a);
        expect((await send(a, PHONE, agent)).status).toBe(200);
        const code = h.code(PHONE);
        for (let i = 0; i < 3; i += 1) expect((await agent.post('/api/verify').send({ code: wrongCode(code) })).status).toBe(401);
        const checks = h.counter('check');
        const locked = await agent.post('/api/verify').send({ code });
        expect(locked.status).toBe(429);
        expect(locked.body.code).toBe('rate_limited');
        expect(Object.keys(locked.body).sort()).toEqual(['code', 'message', 'retryAfter']);
        expect(checks()).toBe(0);
        expect((await send(b, PHONE, undefined, '198.51.100.3')).body.code).toBe('rate_limited');
        await strategy.resetPhone('+1 (415) 555-2671');
        expect((await agent.post('/api/verify').send({ code })).status).toBe(200);
      });
    });
  }
}

describe('window owners with limits: false (Prelude)', () => {
  const h = harness(express, {}, 'prelude');
  it('still hold: the owner lives in the memory store the strategy keeps for it', async () => {
    const target = securityApp({ strategy: h.strategy({ limits: false }), users: h.users });
    const first = request.agent(target);
    const second = request.agent(target);
    expect((await first.post('/api/send').send({ phoneNumber: PHONE })).status).toBe(200);
    h.clock.advance(31_000);
    expect((await second.post('/api/send').send({ phoneNumber: PHONE })).status).toBe(200);
    const checks = h.counter('check');
    expect((await first.post('/api/verify').send({ code: h.code(PHONE) })).body.code).toBe('no_pending_verification');
    expect(checks()).toBe(0);
    expect((await second.post('/api/verify').send({ code: h.code(PHONE) })).status).toBe(200);
  });
});
