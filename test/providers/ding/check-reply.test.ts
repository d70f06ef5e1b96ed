// Issue 13.2 through the strategy: a check reply that does not name this login's verification is
// a malformed reply (an error, the pending state kept), never a login. Ding V1 and Prelude V2,
// against a loopback upstream that answers the check with a bare "valid".
import express from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { DingOtpStrategy } from 'passport-ding';
import { createApp } from '../../helpers/app.js';
import { startUpstream, type Upstream } from '../../helpers/upstream.js';

const PHONE = '+14155552671';
const CUSTOMER = '00000000-0000-4000-8000-000000000000';
const AUTH = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';

const upstreams: Upstream[] = [];
const strategies: DingOtpStrategy[] = [];
afterEach(async () => {
  await Promise.all(strategies.splice(0).map((s) => s.close()));
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

const CASES: Array<[string, (url: string) => DingOtpStrategy, Record<string, unknown>, Array<Record<string, unknown>>]> = [
  [
    'ding',
    (url) => new DingOtpStrategy({ apiKey: 'k', customerUuid: CUSTOMER, baseUrl: `${url}/v1` }, async (phoneNumber: string) => ({ id: 'u1', phoneNumber })),
    { authentication_uuid: AUTH, status: 'pending', created_at: '2026-01-01T00:00:00Z' },
    [{ status: 'valid' }, { authentication_uuid: OTHER, status: 'valid' }],
  ],
  [
    'prelude',
    (url) => new DingOtpStrategy({ apiKey: 'k', baseUrl: url }, async (phoneNumber: string) => ({ id: 'u1', phoneNumber })),
    { id: 'vrf_mine', status: 'success', method: 'message' },
    [{ status: 'success' }, { status: 'success', id: 'vrf_other' }],
  ],
];

describe.each(CASES)('%s', (_name, make, created, forged) => {
  it.each(forged)('a check answering %j is an error, the login stays, nobody is logged in', async (checkReply) => {
    const u = await startUpstream();
    upstreams.push(u);
    let reply: Record<string, unknown> = created;
    u.answer(() => ({ status: 200, body: reply }));
    const s = make(u.url);
    strategies.push(s);
    const t = createApp({ express, strategies: { ding: s } });
    const agent = request.agent(t.app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    reply = checkReply;
    const res = await agent.post('/login/code').send({ code: '123456' });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'OtpUnavailableError', code: 'DING_UNAVAILABLE' });
    expect(await t.loggedInSessions()).toEqual([]);
    const me = await agent.get('/me');
    expect(me.body.user).toBeNull();
    expect(me.body.pending).not.toBeNull();
  });
});
