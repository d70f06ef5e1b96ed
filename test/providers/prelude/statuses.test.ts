// Prelude V2's newer create statuses and risk factors (CONTRACT.md §14) through the strategy,
// against a loopback upstream playing V2: `challenged` and `shadow_blocked` look to the client
// exactly like a normal send (a shadow block must not tell an attacker it was blocked), and
// `risk_factors` reach the verify callback's details as opaque strings.
import express from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { DingOtpStrategy, type VerificationDetails } from 'passport-ding';
import { createApp } from '../../helpers/app.js';
import { startUpstream, type Upstream } from '../../helpers/upstream.js';

const PHONE = '+14155552671';

const upstreams: Upstream[] = [];
const strategies: DingOtpStrategy[] = [];
afterEach(async () => {
  await Promise.all(strategies.splice(0).map((s) => s.close()));
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

async function setup(create: Record<string, unknown>) {
  const u = await startUpstream();
  upstreams.push(u);
  u.answer((req) =>
    req.url === '/v2/verification'
      ? { status: 200, body: { id: 'vrf_01', method: 'message', request_id: 'req_1', ...create } }
      : { status: 200, body: { status: 'success', id: 'vrf_01', request_id: 'req_2' } },
  );
  const details: VerificationDetails[] = [];
  const s = new DingOtpStrategy({ apiKey: 'k', baseUrl: u.url }, async (phoneNumber: string, d: VerificationDetails) => {
    details.push(d);
    return { id: 'u1', phoneNumber };
  });
  strategies.push(s);
  const { app } = createApp({ express, strategies: { ding: s } });
  return { u, app, details };
}

/** What the client sees of a send: status and body, with the one moving part (expiry times) dropped. */
async function sendSeenByClient(create: Record<string, unknown>) {
  const { app } = await setup(create);
  const res = await request(app).post('/login/phone').send({ phoneNumber: PHONE });
  const { expiresAt: _e, nextRetryAt: _n, ...pending } = res.body.pending ?? {};
  return { status: res.status, pending, keys: Object.keys(res.body).sort() };
}

describe('create statuses as the client sees them', () => {
  it('challenged (a code over a non-SMS channel) and shadow_blocked answer exactly like success', async () => {
    const success = await sendSeenByClient({ status: 'success', channels: ['sms'] });
    expect(success.status).toBe(200);
    // Challenged is a real send over another channel, and the pending view says which.
    expect(await sendSeenByClient({ status: 'challenged', channels: ['whatsapp'] })).toEqual({ ...success, pending: { ...success.pending, channel: 'whatsapp' } });
    expect(
      await sendSeenByClient({ status: 'shadow_blocked', reason: 'suspicious', risk_factors: ['suspicious_ip_address', 'behavioral_pattern'] }),
    ).toEqual(success);
  });

  it('blocked is refused (the visible block, for contrast)', async () => {
    const { app } = await setup({ status: 'blocked', reason: 'in_block_list' });
    const res = await request(app).post('/login/phone').send({ phoneNumber: PHONE });
    expect(res.status).toBe(403);
  });
});

describe('risk factors', () => {
  it("reach the verify callback's details as sent, unknown values included", async () => {
    const { app, details } = await setup({ status: 'success', risk_factors: ['temporary_phone_number', 'some_newer_factor'] });
    const agent = request.agent(app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    await agent.post('/login/code').send({ code: '123456' }).expect(200);
    expect(details).toHaveLength(1);
    expect(details[0]).toMatchObject({ id: 'vrf_01', provider: 'prelude', riskFactors: ['temporary_phone_number', 'some_newer_factor'] });
  });

  it('are bounded before they go into the session: 16 at most, none longer than 64 characters', async () => {
    const many = Array.from({ length: 40 }, (_, i) => `factor_${i}`);
    const { app, details } = await setup({ status: 'success', risk_factors: ['x'.repeat(65), ...many] });
    const agent = request.agent(app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    await agent.post('/login/code').send({ code: '123456' }).expect(200);
    expect(details[0]?.riskFactors).toEqual(many.slice(0, 16));
  });

  it('are absent from the details when Prelude names none', async () => {
    const { app, details } = await setup({ status: 'success' });
    const agent = request.agent(app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    await agent.post('/login/code').send({ code: '123456' }).expect(200);
    expect(details[0]).not.toHaveProperty('riskFactors');
  });

  it('a risk_factors that is not a list of strings is a malformed reply (a 5xx), not a send', async () => {
    const { app } = await setup({ status: 'success', risk_factors: 'temporary_phone_number' });
    const res = await request(app).post('/login/phone').send({ phoneNumber: PHONE });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'OtpUnavailableError', code: 'DING_UNAVAILABLE' });
  });
});
