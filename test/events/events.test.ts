// onEvent over real HTTP, on both providers: exactly one event per step, with the fields an
// operator needs (outcome, status, masked phone, country, verification id, provider latency, the
// rule that refused) and nothing secret; a handler that throws, rejects or hangs changes nothing.
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import express from 'express';
import { DingUnavailableError } from 'passport-ding';
import type { ActionEvent, PassportDingEvent } from 'passport-ding';
import { harness, PROVIDERS } from '../helpers/harness.js';
import { wrongCode } from '../helpers/codes.js';

const PHONE = '+14155552671';
const MASKED = '+1•••••2671';
const SPAM = '+14155552682';

/** Resolves on the next tick queue drain: events are emitted just before Passport's action. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function warnings(): { list: Error[]; stop(): void } {
  const list: Error[] = [];
  const listener = (w: Error): void => {
    if ((w as { code?: string }).code === 'PASSPORT_DING_EVENT_HANDLER') list.push(w);
  };
  process.on('warning', listener);
  return { list, stop: () => process.off('warning', listener) };
}

describe.each(PROVIDERS)('onEvent (%s)', (provider) => {
  const h = harness(express, { numbers: { [SPAM]: 'spam_detected' } }, provider);
  let stopWarnings: (() => void) | undefined;
  afterEach(() => stopWarnings?.());

  function appWith(options: Parameters<typeof h.strategy>[0]) {
    return h.app({ strategies: { ding: h.strategy(options) } });
  }

  it('emits one event per step: sent, invalid_code, resend, verified', async () => {
    const events: PassportDingEvent[] = [];
    const { app } = appWith({ onEvent: (e) => void events.push(e) });
    const agent = request.agent(app);

    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    await settle();
    expect(events).toHaveLength(1);
    const sent = events[0] as ActionEvent;
    expect(sent).toMatchObject({ type: 'send', outcome: 'sent', provider, phone: MASKED, country: 'US' });
    expect(sent.status).toBeUndefined();
    expect(typeof sent.verificationId).toBe('string');
    expect(sent.latencyMs).toBeGreaterThanOrEqual(0);
    expect(sent.at).toBeInstanceOf(Date);

    const code = h.code(PHONE);
    await agent.post('/login/code').send({ code: wrongCode(code) }).expect(401);
    await settle();
    expect(events[1]).toMatchObject({ type: 'verify', outcome: 'invalid_code', status: 401, phone: MASKED, verificationId: sent.verificationId });
    expect((events[1] as ActionEvent).latencyMs).toBeGreaterThanOrEqual(0);

    h.clock.advance(61_000);
    await agent.post('/login/resend').send({}).expect(200);
    await settle();
    expect(events[2]).toMatchObject({ type: 'resend', outcome: 'sent', phone: MASKED, provider });

    await agent.post('/login/code').send({ code: h.code(PHONE) }).expect(200);
    await settle();
    expect(events[3]).toMatchObject({ type: 'verify', outcome: 'verified', phone: MASKED });
    expect(events).toHaveLength(4);
  });

  it('names the rule that refused in the event, never in the answer', async () => {
    const events: ActionEvent[] = [];
    const { app } = appWith({
      onEvent: (e) => void events.push(e as ActionEvent),
      limits: { sendsPerPhone: { points: 1, durationSeconds: 60 } },
      allowedCountries: ['US', 'CA'],
      // Without the resend cooldown, which would refuse the second send first (as `resendCooldown`).
      resendCooldownSeconds: 0,
    });
    await request(app).post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    const refused = await request(app).post('/login/phone').send({ phoneNumber: PHONE }).expect(429);
    expect(JSON.stringify(refused.body)).not.toContain('sendsPerPhone');
    const french = await request(app).post('/login/phone').send({ phoneNumber: '+33612345678' }).expect(403);
    expect(JSON.stringify(french.body)).not.toContain('allowedCountries');
    await settle();
    expect(events[1]).toMatchObject({ type: 'send', outcome: 'rate_limited', status: 429, rule: 'sendsPerPhone', phone: MASKED, country: 'US' });
    expect(events[1]?.latencyMs).toBeUndefined();
    expect(events[2]).toMatchObject({ type: 'send', outcome: 'blocked', status: 403, rule: 'allowedCountries', phone: '+33•••••5678', country: 'FR' });
  });

  it('names beforeSend, sendsPerIp and failedChecksPerPhone when they refuse', async () => {
    const events: ActionEvent[] = [];
    const onEvent = (e: PassportDingEvent): void => void events.push(e as ActionEvent);
    const challenged = appWith({ onEvent, beforeSend: () => false });
    await request(challenged.app).post('/login/phone').send({ phoneNumber: PHONE }).expect(403);
    const perIp = appWith({ onEvent, limits: { sendsPerIp: { points: 1, durationSeconds: 60 } } });
    await request(perIp.app).post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    await request(perIp.app).post('/login/phone').send({ phoneNumber: '+14155552672' }).expect(429);
    const checks = appWith({ onEvent, limits: { failedChecksPerPhone: { points: 1, durationSeconds: 60 } } });
    const agent = request.agent(checks.app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    const wrong = wrongCode(h.code(PHONE));
    await agent.post('/login/code').send({ code: wrong }).expect(401);
    await agent.post('/login/code').send({ code: wrong }).expect(429);
    await settle();
    expect(events.filter((e) => e.rule !== undefined).map((e) => [e.type, e.outcome, e.rule])).toEqual([
      ['send', 'challenge_failed', 'beforeSend'],
      ['send', 'rate_limited', 'sendsPerIp'],
      ['verify', 'rate_limited', 'failedChecksPerPhone'],
    ]);
  });

  it('reports the provider refusal and a fault with its error code', async () => {
    const events: ActionEvent[] = [];
    const { app } = appWith({ onEvent: (e) => void events.push(e as ActionEvent) });
    await request(app).post('/login/phone').send({ phoneNumber: SPAM }).expect(403);
    h.sandbox.fail({ mode: 'http500', operation: h.op('send') });
    await request(app).post('/login/phone').send({ phoneNumber: PHONE }).expect(500);
    await settle();
    expect(events[0]).toMatchObject({ type: 'send', outcome: 'blocked', status: 403 });
    expect(events[0]?.rule).toBeUndefined();
    expect(events[1]).toMatchObject({ type: 'send', outcome: 'error', error: new DingUnavailableError('server_error', 'x').code, phone: MASKED });
    expect(events[1]?.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('an open circuit calls no provider: the fault event has no latencyMs', async () => {
    const events: ActionEvent[] = [];
    const { app } = appWith({ onEvent: (e) => void events.push(e as ActionEvent), circuitBreaker: { failures: 1, cooldownMs: 60_000 } });
    h.sandbox.fail({ mode: 'http500', operation: h.op('send') });
    await request(app).post('/login/phone').send({ phoneNumber: PHONE }).expect(500);
    await request(app).post('/login/phone').send({ phoneNumber: '+14155552672' }).expect(500); // the harness's error handler answers 500 to every error
    await settle();
    expect(events[0]?.latencyMs).toBeGreaterThanOrEqual(0);
    expect(events[1]).toMatchObject({ type: 'send', outcome: 'error', error: 'DING_UNAVAILABLE', phone: '+1•••••2672' });
    expect(events[1]?.latencyMs).toBeUndefined();
  });

  it("names only this library's error codes: an app error's own code may hold anything (a number)", async () => {
    const events: ActionEvent[] = [];
    const appError = Object.assign(new Error('lookup failed'), { code: `NO_USER_${PHONE}` });
    const strategy = h.strategy({ onEvent: (e) => void events.push(e as ActionEvent) }, async () => {
      throw appError;
    });
    const { app } = h.app({ strategies: { ding: strategy } });
    const agent = request.agent(app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    await agent.post('/login/code').send({ code: h.code(PHONE) }).expect(500);
    await settle();
    expect(events[1]).toMatchObject({ type: 'verify', outcome: 'error' });
    expect(events[1]?.error).toBeUndefined();
    expect(JSON.stringify(events)).not.toContain(PHONE);
  });

  it('a handler that throws or rejects changes no login and is reported once', async () => {
    const w = warnings();
    stopWarnings = w.stop;
    let calls = 0;
    const { app } = appWith({
      onEvent: (e) => {
        calls++;
        if (e.type === 'send') throw new Error(`boom ${JSON.stringify(e)}`);
        return Promise.reject(new Error('rejected'));
      },
    });
    const agent = request.agent(app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    await agent.post('/login/code').send({ code: h.code(PHONE) }).expect(200);
    await request(app).post('/login/phone').send({ phoneNumber: '+14155552672' }).expect(200);
    await settle();
    await settle();
    expect(calls).toBe(3);
    expect(w.list).toHaveLength(1);
    // The warning names the failure, never the event (which the handler's message quoted).
    expect(w.list[0]?.message).not.toContain('2671');
  });

  it('a handler that never settles is not awaited', async () => {
    const { app } = appWith({ onEvent: () => new Promise<void>(() => undefined) });
    const agent = request.agent(app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    await agent.post('/login/code').send({ code: h.code(PHONE) }).expect(200);
  });

  it('a non-function onEvent is a TypeError at construction', () => {
    expect(() => h.strategy({ onEvent: 'log' as never })).toThrow(TypeError);
  });
});
