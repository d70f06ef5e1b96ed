// attack4: a code is `expired` locally once the pending verification's expiry (ttlSeconds at most)
// has passed, with no API call (SECURITY.md, "Codes that live too long"). openPending() checks the
// expiry when a verify arrives, but the check itself runs later, in the verification's queue
// (lib/serialize.ts), behind any check still in flight. A right code that arrived a moment before
// the expiry, queued behind a slow check, reached the provider after it, and with a provider
// window longer than ttlSeconds (Ding's is its own, 10 minutes in the sandbox) logged in: the
// code's life was stretched by however long the queue ahead of it took. Should: the expiry is
// decided again when the queued check runs.
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { harness } from '../helpers/harness.js';
import { inQueue, STALL_MS } from '../helpers/queue-timing.js';
import { until } from '../helpers/wait.js';
import { securityApp } from '../helpers/security-app.js';
import { wrongCode } from '../helpers/codes.js';

const PHONE = '+14155552671';
const h = harness(express);

/**
 * A wrong code's check stalls upstream, holding the verification's queue; the right code arrives
 * `arriveAt` ms into a 60 s code (alive: openPending lets it in) and queues behind it; the clock
 * then moves `waited` ms before its turn comes. Returns its answer and the provider checks made.
 */
async function queuedCheck(arriveAt: number, waited: number): Promise<{ res: request.Response; checks: number }> {
  // The provider's window (600 s) outlives the app's (60 s); the deadline ends the stalled check.
  const app = securityApp({ strategy: h.strategy({ ttlSeconds: 60, timeoutMs: STALL_MS, limits: false }), users: h.users });
  const agent = request.agent(app);
  expect((await agent.post('/api/send').send({ phoneNumber: PHONE })).status).toBe(200);
  const code = h.code(PHONE);
  const checks = h.counter('check');
  h.sandbox.fail({ mode: 'timeout', operation: h.op('check') });
  const stalled = agent.post('/api/verify').send({ code: wrongCode(code) }).then((res) => res);
  await until(() => checks() === 1);
  h.clock.advance(arriveAt);
  const late = agent.post('/api/verify').send({ code }).then((res) => res);
  await inQueue();
  h.clock.advance(waited);
  expect((await stalled).status).toBeGreaterThanOrEqual(500);
  return { res: await late, checks: checks() };
}

/** The same for a resend queued behind a stalled resend. Returns its answer and the resends made. */
async function queuedResend(arriveAt: number, waited: number): Promise<{ res: request.Response; resends: number }> {
  const app = securityApp({ strategy: h.strategy({ ttlSeconds: 60, timeoutMs: STALL_MS, limits: false, resendCooldownSeconds: 0 }), users: h.users });
  const agent = request.agent(app);
  expect((await agent.post('/api/send').send({ phoneNumber: PHONE })).status).toBe(200);
  const resends = h.counter('resend');
  h.sandbox.fail({ mode: 'timeout', operation: h.op('resend') });
  h.clock.advance(arriveAt);
  const stalled = agent.post('/api/retry').send({}).then((res) => res);
  await until(() => resends() === 1);
  const late = agent.post('/api/retry').send({}).then((res) => res);
  await inQueue();
  h.clock.advance(waited);
  expect((await stalled).status).toBeGreaterThanOrEqual(500);
  return { res: await late, resends: resends() };
}

describe('a check queued past the expiry', () => {
  it('is expired when it runs, with no provider call, though the provider would still take the code', async () => {
    const { res, checks } = await queuedCheck(59_000, 2_000);
    expect(res.body).toMatchObject({ code: 'expired' });
    expect(res.status).toBe(401);
    expect(res.body.user).toBeUndefined();
    expect(checks).toBe(1);
  });

  // The expiry is the code's first dead millisecond (openPending's `now >= expiresAt`): a check
  // whose turn comes exactly then is expired too, not checked.
  it('is expired when its turn comes at the very millisecond of the expiry', async () => {
    const { res, checks } = await queuedCheck(59_999, 1);
    expect(res.body).toMatchObject({ code: 'expired' });
    expect(res.body.user).toBeUndefined();
    expect(checks).toBe(1);
  });

  // The same for a resend: one queued behind a stalled resend ran past the expiry and paid for an
  // SMS of a verification the next verify answers `expired` without a look.
  it('a resend is expired when it runs, with no SMS paid for', async () => {
    const { res, resends } = await queuedResend(59_000, 2_000);
    expect(res.body).toMatchObject({ code: 'expired' });
    expect(resends).toBe(1);
  });

  it('a resend whose turn comes at the very millisecond of the expiry sends nothing', async () => {
    const { res, resends } = await queuedResend(59_999, 1);
    expect(res.body).toMatchObject({ code: 'expired' });
    expect(resends).toBe(1);
  });
});
