// An Argentine mobile and the same ten digits without the mobile 9 are two valid E.164 numbers for
// one handset (lib/limits/keys.ts, countedNumber): end to end, with two sessions from two
// addresses, the second form finds the first one's resend cooldown and wrong-code budget.
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { wrongCode } from '../helpers/codes.js';
import { harness } from '../helpers/harness.js';
import { securityApp } from '../helpers/security-app.js';

const MOBILE = '+54 9 11 2345 6789';
const WITHOUT_NINE = '+54 11 2345 6789';
const h = harness(express);

describe('an Argentine mobile and its form without the 9: one handset, one set of limits', () => {
  it('share one resend cooldown: the second form is retry_too_soon and sends nothing', async () => {
    const app = securityApp({ strategy: h.strategy(), users: h.users, trustProxy: true });
    const sends = h.counter('send');
    const first = await request.agent(app).post('/api/send').set('X-Forwarded-For', '203.0.113.1').send({ phoneNumber: MOBILE });
    expect(first.status).toBe(200);
    const second = await request.agent(app).post('/api/send').set('X-Forwarded-For', '198.51.100.1').send({ phoneNumber: WITHOUT_NINE });
    expect(second.status).toBe(429);
    expect(second.body).toMatchObject({ code: 'retry_too_soon' });
    expect(sends()).toBe(1);
  });

  it('share one wrong-code budget: spent on one form, the other is rate_limited before any check', async () => {
    const app = securityApp({ strategy: h.strategy({ resendCooldownSeconds: 0 }), users: h.users, trustProxy: true });
    const a = request.agent(app);
    const checks = h.counter('check');
    // failedChecksPerPhone: 10 an hour, in two verifications of 5 attempts.
    for (let round = 0; round < 2; round += 1) {
      expect((await a.post('/api/send').set('X-Forwarded-For', '203.0.113.1').send({ phoneNumber: MOBILE })).status).toBe(200);
      const code = h.code('+5491123456789');
      for (let i = 0; i < 5; i += 1) await a.post('/api/verify').set('X-Forwarded-For', '203.0.113.1').send({ code: wrongCode(code) });
    }
    expect(checks()).toBe(10);
    const b = request.agent(app);
    expect((await b.post('/api/send').set('X-Forwarded-For', '198.51.100.1').send({ phoneNumber: WITHOUT_NINE })).status).toBe(200);
    const res = await b.post('/api/verify').set('X-Forwarded-For', '198.51.100.1').send({ code: wrongCode(h.code('+541123456789')) });
    expect(res.body).toMatchObject({ code: 'rate_limited' });
    expect(checks()).toBe(10);
  });
});
