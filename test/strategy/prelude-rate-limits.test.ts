// Prelude's limits as the user meets them: the strategy in a real Express app with real sessions,
// PreludeProvider over real HTTP to the scripted upstream that plays each reply the test scripts.
//
// - an attempt or check limit (`too_many_attempts` / `too_many_checks`) on check is the refusal
//   `too_many_attempts`, never an error;
// - a bare 429 on check decided nothing: a transient fault (503), the login stays, the same code
//   may be tried again;
// - a bare 429 on resend is `retry_too_soon`, and the login can resend after Prelude's wait when
//   the 429 gave one, else after the strategy's cooldown; only the attempt limit exhausts the
//   resends;
// - a 429 on send is `rate_limited`, with Prelude's wait (`retry-after-ms`, `Retry-After`) as
//   `retryAfter` when it gives one, and none when it does not (never a wait of our own making).
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PreludeProvider } from 'passport-ding';
import { harness } from '../helpers/harness.js';
import { securityApp } from '../helpers/security-app.js';
import { startUpstream, type Answer, type Upstream } from '../helpers/upstream.js';

const PHONE = '+14155552671';
const ID = 'vrf_01jc0t6fwwfgfsq1md24mhyztj';

type Reply = Answer;

const h = harness(express, {}, 'prelude');
let upstream: Upstream;
/** Replies for the next calls, in order; when empty, a create is sent and a check is valid. */
const script: Reply[] = [];
/** The paths the upstream was called on, in order. */
const paths = (): string[] => upstream.seen.map((r) => r.url);

beforeAll(async () => {
  upstream = await startUpstream(
    (req) =>
      script.shift() ??
      (req.url.endsWith('/check') ? { status: 200, body: { id: ID, status: 'success' } } : { status: 200, body: { id: ID, status: 'retry', method: 'message' } }),
  );
});
afterAll(async () => {
  await upstream.close();
});
beforeEach(() => {
  script.length = 0;
  upstream.seen.length = 0;
});

function agent() {
  const provider = new PreludeProvider({ apiKey: 'k_test', baseUrl: upstream.url });
  const strategy = h.strategy({ provider, apiKey: undefined, baseUrl: undefined, resendCooldownSeconds: 30, maxResends: 3 });
  return request.agent(securityApp({ strategy, users: h.users, errors: 'message' }));
}

async function me(a: ReturnType<typeof agent>) {
  return (await a.get('/me')).body as { pending: Record<string, unknown> | null; user: unknown };
}

const TOO_MANY_REQUESTS: Reply = { status: 429, body: { code: 'too_many_requests', message: 'slow down' } };
const GATEWAY_429: Reply = { status: 429, body: '<html>Too Many Requests</html>', headers: { 'content-type': 'text/html' } };

describe('Prelude limits through the strategy', () => {
  it.each([
    ['too_many_checks', 400],
    ['too_many_attempts', 429],
  ])('%s (%i) on check: refused too_many_attempts, the login dropped', async (code, status) => {
    const a = agent();
    await a.post('/api/send').send({ phoneNumber: PHONE }).expect(200);
    script.push({ status, body: { code, message: 'Too many' } });
    const res = await a.post('/api/verify').send({ code: '123456' });
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ code: 'too_many_attempts' });
    expect((await me(a)).pending).toBeNull();
  });

  it.each([
    ['a V2 body', TOO_MANY_REQUESTS],
    ['a gateway page', GATEWAY_429],
  ])('a bare 429 on check (%s) is a 503 fault; the same code then works', async (_what, reply) => {
    const a = agent();
    await a.post('/api/send').send({ phoneNumber: PHONE }).expect(200);
    script.push(reply);
    const res = await a.post('/api/verify').send({ code: '123456' });
    expect(res.status).toBe(503);
    expect(res.text).not.toContain('slow down');
    expect((await me(a)).pending).toMatchObject({ attemptsLeft: expect.any(Number) });
    const ok = await a.post('/api/verify').send({ code: '123456' }).expect(200);
    expect(ok.body.user).toMatchObject({ phoneNumber: PHONE });
  });

  it.each([
    ['a V2 body', TOO_MANY_REQUESTS],
    ['a gateway page', GATEWAY_429],
  ])('a bare 429 on resend (%s) is retry_too_soon until the cooldown ends', async (_what, reply) => {
    const a = agent();
    await a.post('/api/send').send({ phoneNumber: PHONE }).expect(200);
    h.clock.advance(31_000);
    script.push(reply);
    const res = await a.post('/api/retry').send({});
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ code: 'retry_too_soon', retryAfter: 30 });
    expect((await me(a)).pending).not.toMatchObject({ remainingRetries: 0 });
    h.clock.advance(31_000);
    await a.post('/api/retry').send({}).expect(200);
    expect(paths().filter((p) => p.endsWith('/verification'))).toHaveLength(3);
  });

  it.each([
    ['Retry-After longer than the cooldown', { 'retry-after': '90' }, 90],
    ['retry-after-ms shorter than the cooldown', { 'retry-after-ms': '4500' }, 5],
  ])("a 429 with %s on resend is retry_too_soon with Prelude's wait, not the strategy's cooldown", async (_what, headers, seconds) => {
    const a = agent();
    await a.post('/api/send').send({ phoneNumber: PHONE }).expect(200);
    h.clock.advance(31_000);
    script.push({ ...TOO_MANY_REQUESTS, headers });
    const res = await a.post('/api/retry').send({});
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ code: 'retry_too_soon', retryAfter: seconds });
    h.clock.advance(seconds * 1000 - 1000);
    expect((await a.post('/api/retry').send({})).body).toMatchObject({ code: 'retry_too_soon', retryAfter: 1 });
    h.clock.advance(1000);
    await a.post('/api/retry').send({}).expect(200);
  });

  it('too_many_attempts on resend exhausts the resends', async () => {
    const a = agent();
    await a.post('/api/send').send({ phoneNumber: PHONE }).expect(200);
    h.clock.advance(31_000);
    script.push({ status: 429, body: { code: 'too_many_attempts', message: 'Too many' } });
    const res = await a.post('/api/retry').send({});
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ code: 'retries_exhausted' });
    expect((await me(a)).pending).toMatchObject({ remainingRetries: 0 });
  });

  it.each([
    ['a V2 body with Retry-After', { status: 429, body: { code: 'too_many_requests', message: 'slow down' }, headers: { 'retry-after': '7' } }, 7],
    ['too_many_attempts with retry-after-ms', { status: 429, body: { code: 'too_many_attempts', message: 'Too many' }, headers: { 'retry-after-ms': '12500' } }, 13],
    ['a gateway page with Retry-After', { ...GATEWAY_429, headers: { 'content-type': 'text/html', 'retry-after': '40' } }, 40],
  ] as Array<[string, Reply, number]>)('a 429 on send (%s) is rate_limited with the provider\'s retryAfter', async (_what, reply, seconds) => {
    const a = agent();
    script.push(reply);
    const res = await a.post('/api/send').send({ phoneNumber: PHONE });
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ code: 'rate_limited', message: expect.any(String), retryAfter: seconds });
    expect(res.text).not.toContain('slow down');
  });

  it.each([
    ['a 429 with no hint', TOO_MANY_REQUESTS],
    ['blocked + repeated_attempts (HTTP 200: Prelude gives no time)', { status: 200, body: { id: ID, status: 'blocked', method: 'message', reason: 'repeated_attempts' } }],
  ] as Array<[string, Reply]>)('%s on send is rate_limited with no retryAfter', async (_what, reply) => {
    const a = agent();
    script.push(reply);
    const res = await a.post('/api/send').send({ phoneNumber: PHONE });
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ code: 'rate_limited', message: expect.any(String) });
  });
});
