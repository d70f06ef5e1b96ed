// The line-type gate on Prelude V2: the strategy with `provider: 'prelude'` looks the number up
// through `GET /v2/lookup/{phone_number}` and refuses premium-rate and shared-cost lines (and VoIP
// or temporary ones when asked) before any code is sent. Real logins against the sandbox's V2
// endpoints; its counters show what reached the provider.
import express from 'express';
import type { Express } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { PreludeProvider } from 'passport-ding';
import type { DingOtpStrategyOptions } from 'passport-ding';
import { harness } from '../helpers/harness.js';
import { securityApp } from '../helpers/security-app.js';
import { startUpstream } from '../helpers/upstream.js';

const PHONE = '+14155552671';
// Scripted in V2's words (`preludeNumbers`) ...
const PREMIUM = '+14155552681';
const SHARED = '+14155552682';
const VOIP = '+14155552683';
const TEMPORARY = '+14155552684';
const NO_TYPE = '+14155552685';
// ... and in V1's (`numbers`), which the V2 lookup says the V2 way.
const PREMIUM_V1 = '+14155552686';

const h = harness(
  express,
  {
    numbers: { [PREMIUM_V1]: { lookup: { line_type: 'PremiumRate' } } },
    preludeNumbers: {
      [PREMIUM]: { lookup: { line_type: 'premium_rate' } },
      [SHARED]: { lookup: { line_type: 'shared_cost' } },
      [VOIP]: { lookup: { line_type: 'voip' } },
      [TEMPORARY]: { lookup: { flags: ['temporary'] } },
      [NO_TYPE]: { lookup: { line_type: undefined } },
    },
  },
  'prelude',
);
const calls = (op: string): number => h.sandbox.stats().byOperation[op] ?? 0;

function app(options: Partial<DingOtpStrategyOptions> = {}): Express {
  return securityApp({ strategy: h.strategy(options), users: h.users, errors: 'message' });
}

async function send(target: Express, phoneNumber: string) {
  return request(target).post('/api/send').send({ phoneNumber });
}

describe('line-type gate on Prelude V2', () => {
  it('the strategy accepts lineTypes with provider prelude (PreludeProvider has lookup())', () => {
    expect(() => h.strategy({ lineTypes: true })).not.toThrow();
  });

  it('is off by default: no lookup is made', async () => {
    expect((await send(app(), PREMIUM)).status).toBe(200);
    expect(calls('lookupPhoneNumber')).toBe(0);
    expect(calls('createVerification')).toBe(1);
  });

  it('with `true`, refuses premium-rate and shared-cost numbers before sending', async () => {
    const target = app({ lineTypes: true });
    for (const phone of [PREMIUM, PREMIUM_V1, SHARED]) {
      const res = await send(target, phone);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ code: 'blocked', message: 'Codes cannot be sent to this number.' });
    }
    expect(calls('lookupPhoneNumber')).toBe(3);
    expect(calls('createVerification')).toBe(0);
    for (const phone of [PREMIUM, PREMIUM_V1, SHARED]) expect(h.sandbox.latestCode(phone)).toBeUndefined();
    // Mobile, VoIP, temporary and untyped numbers pass by default.
    for (const phone of [PHONE, VOIP, TEMPORARY, NO_TYPE]) expect((await send(target, phone)).status).toBe(200);
    expect(calls('createVerification')).toBe(4);
  });

  it('refuses VoIP and temporary numbers when asked, in either spelling', async () => {
    const target = app({ lineTypes: { refuse: ['premium_rate', 'SharedCost', 'voip'], refuseTemporary: true } });
    for (const phone of [PREMIUM, SHARED, VOIP, TEMPORARY]) expect((await send(target, phone)).status).toBe(403);
    expect((await send(target, PHONE)).status).toBe(200);
    expect(calls('createVerification')).toBe(1);
  });

  it('a premium-rate number gets no code on the login page either: nothing pending, no session login', async () => {
    const agent = request.agent(app({ lineTypes: true }));
    const res = await agent.post('/login/phone').send({ phoneNumber: PREMIUM });
    expect(res.status).toBe(403);
    expect((await agent.get('/me')).body).toEqual({ pending: null, user: null });
  });

  it('a lookup answering invalid_phone_number (HTTP 422) is that outcome (400), and nothing is sent', async () => {
    // The sandbox's lookup accepts every number the strategy's own parser lets through, so a
    // scripted upstream plays Prelude refusing one.
    const upstream = await startUpstream({ status: 422, body: { code: 'invalid_phone_number', message: 'invalid', param: 'phone_number' } });
    try {
      const provider = new PreludeProvider({ apiKey: 'k_test', baseUrl: upstream.url });
      const res = await send(app({ provider, lineTypes: true, apiKey: undefined, baseUrl: undefined }), PHONE);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('invalid_phone_number');
      expect(upstream.seen.map((r) => `${r.method} ${r.url}`)).toEqual([`GET /v2/lookup/${PHONE}`]);
    } finally {
      await upstream.close();
    }
  });

  it('treats every lookup fault as error(): no code sent, nothing pending', async () => {
    const agent = request.agent(app({ lineTypes: true, timeoutMs: 300 }));
    for (const mode of ['http500', 'timeout', 'forbidden', 'bad_json', 'unknown_status_value'] as const) {
      h.sandbox.fail({ mode, operation: 'lookupPhoneNumber' });
      const res = await agent.post('/login/phone').send({ phoneNumber: PHONE });
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(res.text).not.toContain(h.sandbox.apiKey);
    }
    expect(calls('createVerification')).toBe(0);
    expect((await agent.get('/me')).body.pending).toBeNull();
  });

  it('a resend is not looked up again: the number was checked at send', async () => {
    const agent = request.agent(app({ lineTypes: true }));
    expect((await agent.post('/api/send').send({ phoneNumber: PHONE })).status).toBe(200);
    h.clock.advance(31_000);
    expect((await agent.post('/api/retry').send({})).status).toBe(200);
    expect(calls('lookupPhoneNumber')).toBe(1);
    expect(calls('createVerification')).toBe(2);
  });
});
