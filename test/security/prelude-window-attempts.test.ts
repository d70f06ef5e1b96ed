// With Prelude, every send to a number within its verification window gets back the window's one
// id. The wrong codes counted for that id (the check queue's ledger in this process, and with a
// Redis limit store the id's count there) used to outlive the send: a user who spent `maxAttempts`
// (set below Prelude's own limit, as docs/providers.md allows) and asked for a new code got one
// that answered too_many_attempts with no provider check, each new send a paid SMS, until the
// window ended. Should: a send starts the id's count again, as it starts the session's.
import { randomUUID } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { redisGate } from '../helpers/env.js';
import { harness } from '../helpers/harness.js';
import { redisClients } from '../helpers/redis-clients.js';
import { securityApp } from '../helpers/security-app.js';
import { wrongCode } from '../helpers/codes.js';
import type { DingOtpStrategyOptions } from 'passport-ding';

const PHONE = '+14155552671';
// Prelude allows more checks per window than the app: only the app's budget is spent.
const h = harness(express, { maxAttempts: 10 }, 'prelude');

async function spendThenSendAgain(limits: DingOtpStrategyOptions['limits']): Promise<void> {
  const agent = request.agent(securityApp({ strategy: h.strategy({ maxAttempts: 3, resendCooldownSeconds: 0, limits }), users: h.users }));
  expect((await agent.post('/api/send').send({ phoneNumber: PHONE })).status).toBe(200);
  const first = h.code(PHONE);
  const codes: unknown[] = [];
  for (let i = 0; i < 3; i += 1) codes.push((await agent.post('/api/verify').send({ code: wrongCode(first) })).body.code);
  expect(codes).toEqual(['invalid_code', 'invalid_code', 'too_many_attempts']);

  const checks = h.counter('check');
  expect((await agent.post('/api/send').send({ phoneNumber: PHONE })).status).toBe(200);
  // The same window: Prelude answered the send as a retry of the verification already open.
  expect(h.sandbox.stats().byOperation[h.op('send')]).toBeGreaterThanOrEqual(2);
  const second = h.code(PHONE);
  const wrong = await agent.post('/api/verify').send({ code: wrongCode(second) });
  expect(wrong.body).toMatchObject({ code: 'invalid_code', attemptsLeft: 2 });
  expect((await agent.post('/api/verify').send({ code: second })).status).toBe(200);
  expect(checks()).toBe(2);
}

describe('Prelude: a new send within the window after the app budget was spent', () => {
  it('gets a code that can be checked, with the limits in memory', async () => {
    await spendThenSendAgain(undefined);
  });

  if (redisGate('Prelude window attempts on Redis (test/security/prelude-window-attempts.test.ts)')) {
    const prefix = `pd-window-attempts-${process.pid}-${randomUUID()}:`;
    const clients = redisClients(1, prefix);
    it('gets a code that can be checked, with the limits (and the id\'s count) in Redis', async () => {
      await spendThenSendAgain({ store: { redis: clients[0] as object, prefix }, keySecret: 'window attempts test secret' });
    });
  }
});
