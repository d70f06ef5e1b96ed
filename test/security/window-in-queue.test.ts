// attack4: with Prelude, the session whose send opened or last renewed the number's window owns
// it, and "a check or resend from any other session is no_pending_verification with no provider
// call" (SECURITY.md). verify and retry asked the owner when a request arrived, before it queued
// behind the checks of its verification (lib/serialize.ts). A check queued behind a stalled one
// then reached Prelude after another session's send had taken the window: it was checked against
// the other session's code and spent that session's attempts. Should: the owner is asked when the
// queued check (or resend) runs.
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { harness } from '../helpers/harness.js';
import { inQueue, STALL_MS } from '../helpers/queue-timing.js';
import { until } from '../helpers/wait.js';
import { securityApp } from '../helpers/security-app.js';
import { wrongCode } from '../helpers/codes.js';

const PHONE = '+14155552671';
const h = harness(express, {}, 'prelude');

describe('Prelude: a check or resend queued while another session takes the window', () => {
  const app = () => securityApp({ strategy: h.strategy({ timeoutMs: STALL_MS, resendCooldownSeconds: 0, limits: false }), users: h.users });

  it('finds no pending verification when it runs, with no provider call', async () => {
    const target = app();
    const first = request.agent(target);
    const second = request.agent(target);
    expect((await first.post('/api/send').send({ phoneNumber: PHONE })).status).toBe(200);
    const code = h.code(PHONE);
    const checks = h.counter('check');

    // The first session's wrong code stalls upstream; its next check queues behind it...
    h.sandbox.fail({ mode: 'timeout', operation: h.op('check') });
    const stalled = first.post('/api/verify').send({ code: wrongCode(code) }).then((res) => res);
    await until(() => checks() === 1);
    const queued = first.post('/api/verify').send({ code: wrongCode(code) }).then((res) => res);
    await inQueue();
    // ...while another session's send renews the window: it is that session's now.
    expect((await second.post('/api/send').send({ phoneNumber: PHONE })).status).toBe(200);
    const secondCode = h.code(PHONE);
    expect((await stalled).status).toBeGreaterThanOrEqual(500);
    const res = await queued;

    expect(res.body).toMatchObject({ code: 'no_pending_verification' });
    expect(checks()).toBe(1);
    // The window's owner has every attempt and its code works.
    expect((await second.post('/api/verify').send({ code: secondCode })).status).toBe(200);
  });

  it('a resend queued the same way sends nothing', async () => {
    const target = app();
    const first = request.agent(target);
    const second = request.agent(target);
    expect((await first.post('/api/send').send({ phoneNumber: PHONE })).status).toBe(200);
    const sends = h.counter('send');

    h.sandbox.fail({ mode: 'timeout', operation: h.op('resend') });
    const stalled = first.post('/api/retry').send({}).then((res) => res);
    await until(() => sends() === 1);
    const queued = first.post('/api/retry').send({}).then((res) => res);
    await inQueue();
    expect((await second.post('/api/send').send({ phoneNumber: PHONE })).status).toBe(200);
    expect(sends()).toBe(2);
    expect((await stalled).status).toBeGreaterThanOrEqual(500);
    const res = await queued;

    expect(res.body).toMatchObject({ code: 'no_pending_verification' });
    expect(sends()).toBe(2);
  });
});
