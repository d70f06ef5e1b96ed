// A resend on Prelude V2 is a create, so it carries fraud signals: the strategy reads
// `signals(req)` for the resend's own request (its IP, its user agent) and PreludeProvider sends
// them. The scripted upstream plays Prelude over real HTTP and records each create's body; the strategy
// runs in a real Express app with real sessions.
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DingProvider, PreludeProvider } from 'passport-ding';
import type { DingOtpStrategyOptions } from 'passport-ding';
import { harness } from '../helpers/harness.js';
import { securityApp } from '../helpers/security-app.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const PHONE = '+14155552671';
const ID = 'vrf_01jc0t6fwwfgfsq1md24mhyztj';

const h = harness(express, {}, 'prelude');
let upstream: Upstream;
/** The body of each create the upstream received, in order. */
const bodies = (): Array<Record<string, unknown>> => upstream.seen.map((r) => r.body as Record<string, unknown>);

beforeAll(async () => {
  // First create of a window: success; every later one: retry, same id.
  upstream = await startUpstream((req) => ({ status: 200, body: { id: ID, status: upstream.seen.indexOf(req) === 0 ? 'success' : 'retry', method: 'message' } }));
});
afterAll(async () => {
  await upstream.close();
});
beforeEach(() => {
  upstream.seen.length = 0;
});

function app(options: Partial<DingOtpStrategyOptions> = {}) {
  const provider = new PreludeProvider({ apiKey: 'k_test', baseUrl: upstream.url });
  const strategy = h.strategy({
    provider,
    apiKey: undefined,
    baseUrl: undefined,
    signals: (req) => ({ ip: req.ip, ...(req.get('user-agent') ? { userAgent: req.get('user-agent') } : {}), locale: 'en-GB' }),
    ...options,
  });
  // Behind a proxy, so each request can come from its own client IP.
  return securityApp({ strategy, users: h.users, errors: 'message', trustProxy: true });
}

describe('Prelude resend signals', () => {
  it('a resend sends the resend request\'s IP and user agent, not the first send\'s', async () => {
    const agent = request.agent(app());
    await agent.post('/api/send').set('x-forwarded-for', '203.0.113.10').set('user-agent', 'Phone browser/1').send({ phoneNumber: PHONE }).expect(200);
    h.clock.advance(31_000);
    await agent.post('/api/retry').set('x-forwarded-for', '198.51.100.20').set('user-agent', 'Laptop browser/2').send({}).expect(200);

    expect(bodies()).toHaveLength(2);
    expect(bodies()[0]).toEqual({
      target: { type: 'phone_number', value: PHONE },
      signals: { ip: '203.0.113.10', user_agent: 'Phone browser/1' },
      options: { locale: 'en-GB' },
    });
    expect(bodies()[1]).toEqual({
      target: { type: 'phone_number', value: PHONE },
      signals: { ip: '198.51.100.20', user_agent: 'Laptop browser/2' },
      options: { locale: 'en-GB' },
    });
  });

  it('signals that throw on a resend are a fault: nothing is sent, the pending code stays', async () => {
    let fail = false;
    const agent = request.agent(
      app({
        signals: (req) => {
          if (fail) throw new Error('signals broke');
          return { ip: req.ip };
        },
      }),
    );
    await agent.post('/api/send').send({ phoneNumber: PHONE }).expect(200);
    fail = true;
    h.clock.advance(31_000);
    const res = await agent.post('/api/retry').send({});
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(bodies()).toHaveLength(1);
    expect((await agent.get('/me')).body.pending).toMatchObject({ phoneNumber: expect.any(String) });
  });

  it('Ding\'s /retry takes only the authentication UUID: the signals are not sent there', async () => {
    const uuid = '2d3c1f7e-5b8a-4c6d-9e0f-1a2b3c4d5e6f';
    const customerUuid = '00000000-0000-4000-8000-000000000000';
    const ding = await startUpstream({ status: 200, body: { authentication_uuid: uuid, status: 'approved', remaining_retry: 2 } });
    const provider = new DingProvider({ apiKey: 'k_test', customerUuid, baseUrl: `${ding.url}/v1` });
    try {
      const result = await provider.resend({ id: uuid, phoneNumber: PHONE, signals: { ip: '203.0.113.10', userAgent: 'UA' }, locale: 'fr-FR' });
      expect(result).toMatchObject({ status: 'sent', remainingRetries: 2 });
      expect(ding.seen.map((r) => r.body)).toEqual([{ customer_uuid: customerUuid, authentication_uuid: uuid }]);
    } finally {
      await provider.close();
      await ding.close();
    }
  });
});
