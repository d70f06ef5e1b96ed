// The retry (resend) step's branches on an in-process provider: every resend status, the
// provider's cooldown and count against the strategy's, a new id against the same one, faults.
import express from 'express';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { describe, expect, it } from 'vitest';
import { DingUnavailableError } from 'passport-ding';
import type { FakeLogin } from '../helpers/fake-provider.js';
import { fakeLogin } from '../helpers/fake-provider.js';
import { wrongCode } from '../helpers/codes.js';
import { barrier } from '../helpers/barrier.js';

const PHONE = '+14155552671';
const COOLDOWN = 30_000;

async function started(options: Parameters<typeof fakeLogin>[0] = {}): Promise<FakeLogin & { agent: TestAgent }> {
  const login = fakeLogin(options);
  const agent = request.agent(login.t.app);
  await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
  return { ...login, agent };
}

const pendingOf = async (agent: TestAgent): Promise<Record<string, unknown> | null> => (await agent.get('/me')).body.pending;

describe('retry on an in-process provider', () => {
  // Issue 20: a resend that keeps the verification's id must not give back the wrong codes
  // already spent on it, or every resend would renew the guessing budget for free.
  it('a resend keeping the same id keeps attemptsLeft; the next wrong code counts on from there', async () => {
    const { agent, fake, clock } = await started();
    for (let i = 0; i < 2; i++) await agent.post('/api/verify').send({ code: wrongCode(fake.code(PHONE)) }).expect(401);
    expect(await pendingOf(agent)).toMatchObject({ attemptsLeft: 3 });
    clock.advance(COOLDOWN);
    const res = await agent.post('/login/resend').send({}).expect(200);
    expect(res.body.pending).toMatchObject({ attemptsLeft: 3, remainingRetries: 2 });
    expect(fake.requests.resend[0]?.id).toBe('fake_1');
    const bad = await agent.post('/api/verify').send({ code: wrongCode(fake.code(PHONE)) }).expect(401);
    expect(bad.body.attemptsLeft).toBe(2);
  });

  it('a resend answered with a new id starts that verification afresh: full attempts, a new expiry, the count carried over', async () => {
    const { agent, fake, clock } = await started({ maxResends: 2 });
    fake.next('check', { status: 'invalid' });
    await agent.post('/api/verify').send({ code: '123456' }).expect(401);
    clock.advance(COOLDOWN);
    fake.next('resend', { status: 'sent', id: 'fake_new' });
    const res = await agent.post('/login/resend').send({}).expect(200);
    expect(res.body.pending).toMatchObject({ attemptsLeft: 5, remainingRetries: 1 });
    expect(Date.parse(res.body.pending.expiresAt as string)).toBe(clock.now() + 600_000);
    fake.next('check', { status: 'valid' });
    await agent.post('/login/code').send({ code: '123456' }).expect(200);
    expect(fake.requests.check.at(-1)?.id).toBe('fake_new');
  });

  // Mutation testing (issue 20): a resend answered with the id it was for is the same
  // verification, even when the provider names the id; only another id starts afresh.
  it('a resend answered with the same id named: the same verification, attempts and expiry kept', async () => {
    const { agent, fake, clock } = await started();
    await agent.post('/api/verify').send({ code: wrongCode(fake.code(PHONE)) }).expect(401);
    const before = await pendingOf(agent);
    clock.advance(COOLDOWN);
    fake.next('resend', { status: 'sent', id: 'fake_1' });
    const res = await agent.post('/login/resend').send({}).expect(200);
    expect(res.body.pending).toMatchObject({ attemptsLeft: 4, expiresAt: before?.expiresAt });
  });

  it('a resend answered with a new id: the verify callback gets the time of the resend as createdAt', async () => {
    const created: number[] = [];
    const login = fakeLogin({}, { verify: async (phone, details) => (created.push(details.createdAt.getTime()), login.users.findOrCreate(phone)) });
    const agent = request.agent(login.t.app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    login.clock.advance(COOLDOWN);
    const resentAt = login.clock.now();
    login.fake.next('resend', { status: 'sent', id: 'fake_new' }).next('check', { status: 'valid' });
    await agent.post('/login/resend').send({}).expect(200);
    login.clock.advance(1_000);
    await agent.post('/login/code').send({ code: '123456' }).expect(200);
    expect(created).toEqual([resentAt]);
  });

  // Mutation testing (issue 20): how the resent code went: the provider's word, else the last one.
  it("a resend's channel is the provider's word, else the one the last code went by", async () => {
    const { agent, fake, clock } = await started();
    fake.next('resend', { status: 'sent', channel: 'sms' });
    clock.advance(COOLDOWN);
    expect((await agent.post('/login/resend').send({}).expect(200)).body.pending).toMatchObject({ channel: 'sms' });
    clock.advance(COOLDOWN);
    expect((await agent.post('/login/resend').send({}).expect(200)).body.pending).toMatchObject({ channel: 'sms' });
  });

  it("the provider's cooldown and count win over the strategy's", async () => {
    const { agent, fake, clock } = await started();
    clock.advance(COOLDOWN);
    fake.next('resend', { status: 'sent', nextRetryAt: new Date(clock.now() + 90_000), remainingRetries: 7 });
    const res = await agent.post('/login/resend').send({}).expect(200);
    expect(res.body.pending).toMatchObject({ remainingRetries: 7 });
    expect(Date.parse(res.body.pending.nextRetryAt as string)).toBe(clock.now() + 90_000);
    clock.advance(60_000);
    expect((await agent.post('/api/retry').send({}).expect(429)).body).toMatchObject({ code: 'retry_too_soon', retryAfter: 30 });
    expect(fake.calls('resend')).toBe(1);
  });

  it('too_soon from the provider: retry_too_soon with its wait, the state kept', async () => {
    const { agent, fake, clock } = await started();
    clock.advance(COOLDOWN);
    fake.next('resend', { status: 'too_soon', nextRetryAt: new Date(clock.now() + 45_000) });
    expect((await agent.post('/api/retry').send({}).expect(429)).body).toMatchObject({ code: 'retry_too_soon', retryAfter: 45 });
    expect(await pendingOf(agent)).not.toBeNull();
  });

  // Mutation testing (issue 20): a too_soon whose time has come (or has none) must not let the
  // next resend go at once; the strategy's cooldown starts from now.
  it.each([
    ['no time', undefined],
    ['now', 0],
    ['a time already past', -5_000],
  ] as const)('too_soon from the provider with %s: the strategy cooldown from now', async (_what, offset) => {
    const { agent, fake, clock } = await started();
    clock.advance(COOLDOWN);
    fake.next('resend', offset === undefined ? { status: 'too_soon' } : { status: 'too_soon', nextRetryAt: new Date(clock.now() + offset) });
    expect((await agent.post('/api/retry').send({}).expect(429)).body).toMatchObject({ code: 'retry_too_soon', retryAfter: 30 });
    expect(Date.parse((await pendingOf(agent))?.nextRetryAt as string)).toBe(clock.now() + COOLDOWN);
  });

  // Mutation testing (issue 20): a resend the provider refused sent nothing, so the send points and
  // the number's cooldown come back (the default limits are on): a new code may go at once.
  it.each(['too_soon', 'exhausted', 'expired', 'already_validated', 'no_attempt', 'not_found'] as const)(
    '%s from the provider gives the send points and the cooldown back: a send right after goes out',
    async (status) => {
      const { agent, fake, clock } = await started();
      clock.advance(COOLDOWN);
      fake.next('resend', { status });
      expect((await agent.post('/api/retry').send({})).status).not.toBe(200);
      await agent.post('/api/send').send({ phoneNumber: PHONE }).expect(200);
      expect(fake.calls('send')).toBe(2);
    },
  );

  it('exhausted from the provider: retries_exhausted, and no further resend reaches it', async () => {
    const { agent, fake, clock } = await started();
    clock.advance(COOLDOWN);
    fake.next('resend', { status: 'exhausted' });
    expect((await agent.post('/api/retry').send({}).expect(429)).body.code).toBe('retries_exhausted');
    clock.advance(COOLDOWN);
    expect((await agent.post('/api/retry').send({}).expect(429)).body.code).toBe('retries_exhausted');
    expect(fake.calls('resend')).toBe(1);
    // The code already sent may still be used.
    await agent.post('/login/code').send({ code: fake.code(PHONE) }).expect(200);
  });

  it.each([
    ['expired', 401, 'expired'],
    ['no_attempt', 403, 'no_pending_verification'],
    ['not_found', 403, 'no_pending_verification'],
  ] as const)('%s from the provider: %i %s, the state dropped', async (status, httpStatus, outcome) => {
    const { agent, fake, clock } = await started();
    clock.advance(COOLDOWN);
    fake.next('resend', { status });
    expect((await agent.post('/api/retry').send({}).expect(httpStatus)).body.code).toBe(outcome);
    expect(await pendingOf(agent)).toBeNull();
  });

  // Only a right code of this session validates it: a double tap's verify on another instance,
  // whose login the session must not be saved over (as in verify.test.ts).
  it('already_validated from the provider: 403 no_pending_verification, the session untouched', async () => {
    const { agent, fake, clock } = await started();
    clock.advance(COOLDOWN);
    const before = await pendingOf(agent);
    fake.next('resend', { status: 'already_validated' });
    const res = await agent.post('/api/retry').send({}).expect(403);
    expect(res.body.code).toBe('no_pending_verification');
    expect(await pendingOf(agent)).toEqual(before);
  });

  it('retries_exhausted with maxResends: 0, and retry_too_soon inside the cooldown, with no provider call', async () => {
    const none = await started({ maxResends: 0 });
    none.clock.advance(COOLDOWN);
    expect((await none.agent.post('/api/retry').send({}).expect(429)).body.code).toBe('retries_exhausted');
    const soon = await started();
    expect((await soon.agent.post('/api/retry').send({}).expect(429)).body).toMatchObject({ code: 'retry_too_soon', retryAfter: 30 });
    expect(none.fake.calls('resend') + soon.fake.calls('resend')).toBe(0);
  });

  it('a provider fault goes to the error handler and keeps the state; a later resend works', async () => {
    const { agent, fake, clock, t } = await started();
    const before = await pendingOf(agent);
    clock.advance(COOLDOWN);
    fake.next('resend', new DingUnavailableError('connection', 'The fake provider is down', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) }));
    await agent.post('/login/resend').send({}).expect(500);
    expect(t.errors).toEqual([expect.objectContaining({ reason: 'connection' })]);
    expect(await pendingOf(agent)).toEqual(before);
    await agent.post('/login/resend').send({}).expect(200);
  });

  it('a status outside the interface is a fault (malformed reply) naming it; the state kept', async () => {
    const { agent, fake, clock, t } = await started();
    const before = await pendingOf(agent);
    clock.advance(COOLDOWN);
    fake.next('resend', { status: 'queued' } as never);
    await agent.post('/login/resend').send({}).expect(500);
    expect(t.errors).toEqual([expect.objectContaining({ reason: 'malformed_response', message: 'The fake provider returned an unknown resend status: queued' })]);
    expect(await pendingOf(agent)).toEqual(before);
  });

  // Mutation testing (issue 20): a wait is rounded up to whole seconds, never down.
  it('retry_too_soon rounds the wait up: 29.5 s left is 30', async () => {
    const { agent, clock } = await started();
    clock.advance(500);
    expect((await agent.post('/api/retry').send({}).expect(429)).body).toMatchObject({ code: 'retry_too_soon', retryAfter: 30 });
    clock.advance(29_000);
    expect((await agent.post('/api/retry').send({}).expect(429)).body).toMatchObject({ code: 'retry_too_soon', retryAfter: 1 });
  });

  // Mutation testing (issue 20): without the limits (whose own cooldown would refuse the second),
  // what one resend leaves (here: no resends left) is what a resend queued behind it decides from.
  describe('two concurrent resends from one session, limits off', () => {
    async function race(options: Parameters<typeof fakeLogin>[0]): Promise<{ answers: string[]; fake: FakeLogin['fake'] }> {
      const login = fakeLogin({ limits: false, ...options });
      const outer = express();
      outer.post('/api/retry', barrier(2));
      outer.use(login.t.app);
      const agent = request.agent(outer);
      await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
      login.clock.advance(COOLDOWN);
      const results = await Promise.all([agent.post('/api/retry').send({}), agent.post('/api/retry').send({})]);
      return { answers: results.map((r) => (r.status === 200 ? '200' : `${r.status} ${r.body.code}`)).sort(), fake: login.fake };
    }

    it('with no cooldown and one resend allowed, the other finds none left', async () => {
      const { answers, fake } = await race({ resendCooldownSeconds: 0, maxResends: 1 });
      expect(answers).toEqual(['200', '429 retries_exhausted']);
      expect(fake.calls('resend')).toBe(1);
    });
  });

  // Mutation testing (issue 20): a resend that read the session after the right code was checked,
  // before the login saved it (a double submit), must not pay for an SMS of a spent verification.
  // The verify callback holds the login there, after the check queue has marked the id finished.
  it('a resend behind the right code of the same verification, before the login is saved: no_pending_verification, no provider call', async () => {
    let reached!: () => void;
    const atCallback = new Promise<void>((resolve) => (reached = resolve));
    let proceed!: () => void;
    const held = new Promise<void>((resolve) => (proceed = resolve));
    const login = fakeLogin({}, {
      verify: async (phone) => {
        reached();
        await held;
        return login.users.findOrCreate(phone);
      },
    });
    const agent = request.agent(login.t.app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    login.clock.advance(COOLDOWN);
    const verifying = Promise.resolve(agent.post('/login/code').send({ code: login.fake.code(PHONE) }));
    await atCallback;
    // The session store still holds the pending state: the login has not saved anything yet.
    expect((await agent.get('/me')).body.pending).not.toBeNull();
    expect((await agent.post('/api/retry').send({}).expect(403)).body.code).toBe('no_pending_verification');
    expect(login.fake.calls('resend')).toBe(0);
    proceed();
    expect((await verifying).status).toBe(200);
  });

  it('no_pending_verification (403) with nothing pending; no provider call', async () => {
    const { t, fake } = fakeLogin();
    expect((await request(t.app).post('/api/retry').send({}).expect(403)).body.code).toBe('no_pending_verification');
    expect(fake.calls('resend')).toBe(0);
  });
});
