// A provider 429 (or 503) carries its retry hint onto the error, and the strategy's error path
// lets the app answer 503 with Retry-After: the error has `retryAfter` (seconds) and `headers`,
// which Express's own error handler copies onto the reply.
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { DingOtpStrategy, DingProvider, OtpUnavailableError, PreludeProvider, type OtpProvider } from 'passport-ding';
import { retryAfterSeconds, MAX_RETRY_AFTER_SECONDS } from '../../../lib/http.js';
import { failure } from '../../helpers/errors.js';
import { startUpstream, type Upstream } from '../../helpers/upstream.js';

const PHONE = '+14155552671';
const CUSTOMER = '00000000-0000-4000-8000-000000000000';
const AUTH = '11111111-1111-4111-8111-111111111111';

const upstreams: Upstream[] = [];
const closers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((p) => p.close()));
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

async function upstream(): Promise<Upstream> {
  const u = await startUpstream();
  upstreams.push(u);
  return u;
}

function prelude(u: Upstream): OtpProvider {
  const p = new PreludeProvider({ apiKey: 'k', baseUrl: u.url });
  closers.push(p);
  return p;
}

function ding(u: Upstream): OtpProvider {
  const p = new DingProvider({ apiKey: 'k', customerUuid: CUSTOMER, baseUrl: `${u.url}/v1` });
  closers.push(p);
  return p;
}

describe('the retry hint on the error', () => {
  it('Prelude check, 429 with retry-after-ms: retryAfter in whole seconds, rounded up', async () => {
    const u = await upstream();
    u.answer({ status: 429, body: { code: 'too_many_requests', message: 'slow down' }, headers: { 'retry-after-ms': '2500', 'retry-after': '60' } });
    const err = await failure(prelude(u).check({ id: 'vrf_1', phoneNumber: PHONE, code: '123456' }));
    expect(err).toBeInstanceOf(OtpUnavailableError);
    expect(err).toMatchObject({ status: 503, upstreamStatus: 429, retryAfter: 3, headers: { 'retry-after': '3' } });
  });

  it('Prelude check, a gateway 429 page with Retry-After in seconds', async () => {
    const u = await upstream();
    u.answer({ status: 429, headers: { 'content-type': 'text/html', 'retry-after': '7' } });
    expect(await failure(prelude(u).check({ id: 'vrf_1', phoneNumber: PHONE, code: '123456' }))).toMatchObject({ retryAfter: 7 });
  });

  it('Ding, 429 with an HTTP-date Retry-After', async () => {
    const u = await upstream();
    u.answer({ status: 429, headers: { 'retry-after': new Date(Date.now() + 30_000).toUTCString() } });
    const err = await failure(ding(u).check({ id: AUTH, phoneNumber: PHONE, code: '123456' }));
    expect(err).toBeInstanceOf(OtpUnavailableError);
    expect((err as OtpUnavailableError).retryAfter).toBeGreaterThanOrEqual(28);
    expect((err as OtpUnavailableError).retryAfter).toBeLessThanOrEqual(31);
  });

  it('no hint, no retryAfter and no headers', async () => {
    const u = await upstream();
    u.answer({ status: 429, body: {} });
    expect(await failure(ding(u).send({ phoneNumber: PHONE }))).toMatchObject({ upstreamStatus: 429, retryAfter: undefined, headers: undefined });
  });

  it.each([
    [{ retryAfter: '5' }, 5],
    [{ retryAfter: '0' }, 1],
    [{ retryAfterMs: '1' }, 1],
    [{ retryAfterMs: '1500.5', retryAfter: '99' }, 2],
    [{ retryAfter: '99999999' }, MAX_RETRY_AFTER_SECONDS],
    [{ retryAfter: '-3' }, undefined],
    [{ retryAfter: 'soon' }, undefined],
    [{ retryAfter: '1e3' }, undefined],
    [{ retryAfterMs: 'NaN' }, undefined],
    [{ retryAfter: ['5', '6'] }, undefined],
    [{}, undefined],
  ])('retryAfterSeconds(%j) is %s', (headers: { retryAfter?: unknown; retryAfterMs?: unknown }, seconds) => {
    expect(retryAfterSeconds({ retryAfter: headers.retryAfter, retryAfterMs: headers.retryAfterMs }, Date.now())).toBe(seconds);
  });
});

describe('through the strategy', () => {
  it("an upstream 429 at verify is a 503 with Retry-After from Express's default error handler; the login stays", async () => {
    const u = await upstream();
    const strategy = new DingOtpStrategy({ apiKey: 'k', baseUrl: u.url }, async (phoneNumber: string) => ({ id: 'u1', phoneNumber }));
    closers.push(strategy);
    const auth = new passport.Passport();
    auth.use('ding', strategy);
    auth.serializeUser((user, done) => done(null, user));
    auth.deserializeUser((user: Express.User, done) => done(null, user));
    const app = express();
    app.use(express.json());
    app.use(session({ secret: 's', resave: false, saveUninitialized: false }));
    app.use(auth.session());
    app.post('/login/phone', auth.authenticate('ding', { action: 'send' }), (_req, res) => res.json({ ok: true }));
    app.post('/login/code', auth.authenticate('ding', { action: 'verify' }), (_req, res) => res.json({ ok: true }));
    // No error handler of the app's own: Express's finalhandler answers.

    const agent = request.agent(app);
    u.answer({ status: 200, body: { id: 'vrf_1', status: 'success', method: 'message' } });
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    u.answer({ status: 429, body: { code: 'too_many_requests', message: 'slow down' }, headers: { 'retry-after': '4' } });
    const limited = await agent.post('/login/code').send({ code: '123456' });
    expect(limited.status).toBe(503);
    expect(limited.headers['retry-after']).toBe('4');
    expect(limited.text).not.toMatch(/slow down|too_many_requests|vrf_1/);
    u.answer({ status: 200, body: { id: 'vrf_1', status: 'success' } });
    await agent.post('/login/code').send({ code: '123456' }).expect(200);
  });
});
