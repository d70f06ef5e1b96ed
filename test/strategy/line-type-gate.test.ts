// The line-type gate, once per provider through the shared matrix: the strategy looks the number
// up (Ding V1 `lookup`, Prelude V2 `GET /v2/lookup/{phone_number}`) and refuses premium-rate and
// shared-cost lines (and VoIP or temporary ones when asked) before any code is sent. Real logins
// against the sandbox; its counters show what reached the provider. The option's parsing and the
// provider-without-lookup check are in test/security/gates.test.ts.
import express from 'express';
import type { Express } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { PreludeProvider } from 'passport-ding';
import type { DingOtpStrategyOptions, PassportDingEvent } from 'passport-ding';
import type { DingSandboxOptions, FaultMode } from 'passport-ding/sandbox';
import { harness, onlyWhen, PROVIDERS } from '../helpers/harness.js';
import { securityApp } from '../helpers/security-app.js';
import { startUpstream } from '../helpers/upstream.js';

const PHONE = '+14155552671';
const PREMIUM = '+14155552681';
const SHARED = '+14155552682';
const VOIP = '+14155552683';
const TEMPORARY = '+14155552684';
const NO_TYPE = '+14155552685';
// Scripted only in V1's words (`numbers`), which the V2 lookup says the V2 way.
const PREMIUM_V1 = '+14155552686';

// Each number scripted in V1's words (`numbers`) and in V2's (`preludeNumbers`).
const SANDBOX: DingSandboxOptions = {
  numbers: {
    [PREMIUM]: { lookup: { line_type: 'PremiumRate' } },
    [SHARED]: { lookup: { line_type: 'SharedCost' } },
    [VOIP]: { lookup: { line_type: 'Voip' } },
    [TEMPORARY]: { lookup: { temporary_phone_number: true } },
    [NO_TYPE]: { lookup: { line_type: undefined } },
    [PREMIUM_V1]: { lookup: { line_type: 'PremiumRate' } },
  },
  preludeNumbers: {
    [PREMIUM]: { lookup: { line_type: 'premium_rate' } },
    [SHARED]: { lookup: { line_type: 'shared_cost' } },
    [VOIP]: { lookup: { line_type: 'voip' } },
    [TEMPORARY]: { lookup: { flags: ['temporary'] } },
    [NO_TYPE]: { lookup: { line_type: undefined } },
  },
};

const OPERATIONS = {
  ding: { lookup: 'lookup', send: 'createAuthentication' },
  prelude: { lookup: 'lookupPhoneNumber', send: 'createVerification' },
} as const;

// Every way a lookup can fail; Prelude's lookup also has a status field of its own.
const LOOKUP_FAULTS: Record<'ding' | 'prelude', FaultMode[]> = {
  ding: ['http500', 'timeout', 'forbidden', 'bad_json'],
  prelude: ['http500', 'timeout', 'forbidden', 'bad_json', 'unknown_status_value'],
};

describe.each(PROVIDERS)('line-type gate (%s)', (provider) => {
  const h = harness(express, SANDBOX, provider);
  const op = OPERATIONS[provider];
  const calls = (operation: string): number => h.sandbox.stats().byOperation[operation] ?? 0;
  const prelude = provider === 'prelude';

  function app(options: Partial<DingOtpStrategyOptions> = {}): Express {
    return securityApp({ strategy: h.strategy(options), users: h.users, errors: 'message' });
  }

  async function send(target: Express, phoneNumber: string) {
    return request(target).post('/api/send').send({ phoneNumber });
  }

  onlyWhen(prelude, it)('the strategy accepts lineTypes with provider prelude (PreludeProvider has lookup())', () => {
    expect(() => h.strategy({ lineTypes: true })).not.toThrow();
  });

  it('is off by default: no lookup is made', async () => {
    expect((await send(app(), PREMIUM)).status).toBe(200);
    expect(calls(op.lookup)).toBe(0);
    expect(calls(op.send)).toBe(1);
  });

  it('with `true`, refuses premium-rate and shared-cost numbers before sending', async () => {
    const target = app({ lineTypes: true });
    const refused = prelude ? [PREMIUM, PREMIUM_V1, SHARED] : [PREMIUM, SHARED];
    for (const phone of refused) {
      const res = await send(target, phone);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ code: 'blocked', message: 'Codes cannot be sent to this number.' });
    }
    expect(calls(op.lookup)).toBe(refused.length);
    expect(calls(op.send)).toBe(0);
    for (const phone of refused) expect(h.sandbox.latestCode(phone)).toBeUndefined();
    // Mobile, VoIP, temporary and untyped numbers pass by default.
    for (const phone of [PHONE, VOIP, TEMPORARY, NO_TYPE]) expect((await send(target, phone)).status).toBe(200);
    expect(calls(op.send)).toBe(4);
  });

  // Mutation testing (issue 20): the refusing gate is named in the event (never in the answer).
  it('the send event of a refused line names the gate as its rule', async () => {
    const events: PassportDingEvent[] = [];
    expect((await send(app({ lineTypes: true, onEvent: (e) => void events.push(e) }), PREMIUM)).status).toBe(403);
    expect(events).toEqual([expect.objectContaining({ type: 'send', outcome: 'blocked', rule: 'lineTypes' })]);
  });

  it('refuses VoIP and temporary numbers when asked, in either spelling', async () => {
    const target = app({ lineTypes: { refuse: [prelude ? 'premium_rate' : 'PremiumRate', 'SharedCost', 'voip'], refuseTemporary: true } });
    for (const phone of [PREMIUM, SHARED, VOIP, TEMPORARY]) expect((await send(target, phone)).status).toBe(403);
    expect((await send(target, PHONE)).status).toBe(200);
    expect(calls(op.send)).toBe(1);
  });

  onlyWhen(prelude, it)('a premium-rate number gets no code on the login page either: nothing pending, no session login', async () => {
    const agent = request.agent(app({ lineTypes: true }));
    const res = await agent.post('/login/phone').send({ phoneNumber: PREMIUM });
    expect(res.status).toBe(403);
    expect((await agent.get('/me')).body).toEqual({ pending: null, user: null });
  });

  onlyWhen(!prelude, it)('spends the send limits on a lookup (it reached the provider), so lookups are limited too', async () => {
    const target = app({ lineTypes: true, limits: { sendsPerIp: { points: 2, durationSeconds: 600 } } });
    expect((await send(target, PREMIUM)).status).toBe(403);
    expect((await send(target, SHARED)).status).toBe(403);
    const res = await send(target, PHONE);
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('rate_limited');
    expect(calls(op.lookup)).toBe(2);
  });

  onlyWhen(prelude, it)('a lookup answering invalid_phone_number (HTTP 422) is that outcome (400), and nothing is sent', async () => {
    // The sandbox's lookup accepts every number the strategy's own parser lets through, so a
    // scripted upstream plays Prelude refusing one.
    const upstream = await startUpstream({ status: 422, body: { code: 'invalid_phone_number', message: 'invalid', param: 'phone_number' } });
    try {
      const p = new PreludeProvider({ apiKey: 'k_test', baseUrl: upstream.url });
      const res = await send(app({ provider: p, lineTypes: true, apiKey: undefined, baseUrl: undefined }), PHONE);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('invalid_phone_number');
      expect(upstream.seen.map((r) => `${r.method} ${r.url}`)).toEqual([`GET /v2/lookup/${PHONE}`]);
    } finally {
      await upstream.close();
    }
  });

  it('treats a failing lookup as a fault: error(), no code sent, nothing pending', async () => {
    // No cooldown: a lookup that may have been done keeps it, and each fault is tried on one number
    // (test/limits/lookup-budget.test.ts has what each fault keeps).
    const agent = request.agent(app({ lineTypes: true, timeoutMs: 300, resendCooldownSeconds: 0 }));
    for (const mode of LOOKUP_FAULTS[provider]) {
      h.sandbox.fail({ mode, operation: op.lookup });
      const res = await agent.post('/login/phone').send({ phoneNumber: PHONE });
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(res.text).not.toContain(h.sandbox.apiKey);
    }
    expect(calls(op.send)).toBe(0);
    expect((await agent.get('/me')).body.pending).toBeNull();
  });

  onlyWhen(prelude, it)('a resend is not looked up again: the number was checked at send', async () => {
    const agent = request.agent(app({ lineTypes: true }));
    expect((await agent.post('/api/send').send({ phoneNumber: PHONE })).status).toBe(200);
    h.clock.advance(31_000);
    expect((await agent.post('/api/retry').send({})).status).toBe(200);
    expect(calls(op.lookup)).toBe(1);
    expect(calls(op.send)).toBe(2);
  });
});
