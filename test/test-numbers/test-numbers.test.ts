// Test numbers for app review, over real HTTP on both providers: a listed number gets no SMS and
// no provider call, its fixed code logs in, and everything else (attempts, expiry, cooldown,
// limits, outcome codes) is the strategy's as for any number. After `expiresAt` the number is an
// ordinary number again.
import request from 'supertest';
import express from 'express';
import { describe, expect, it } from 'vitest';
import type { ActionEvent } from 'passport-ding';
import { harness, PROVIDERS } from '../helpers/harness.js';

const REVIEW = '+12015550100';
const REVIEW_CODE = '424242';
const OTHER = '+14155552671';
const DAY = 24 * 3600_000;

describe.each(PROVIDERS)('testNumbers (%s)', (provider) => {
  const h = harness(express, {}, provider);
  const testNumbers = () => ({ numbers: { [REVIEW]: REVIEW_CODE }, expiresAt: new Date(h.clock.now() + DAY) });

  function app(options: Parameters<typeof h.strategy>[0] = {}) {
    return h.app({ strategies: { ding: h.strategy({ testNumbers: testNumbers(), ...options }) } }).app;
  }

  it('logs in with the fixed code and calls no provider; events say test: true', async () => {
    const events: ActionEvent[] = [];
    const agent = request.agent(app({ onEvent: (e) => void events.push(e as ActionEvent) }));
    const sends = h.counter('send');
    const checks = h.counter('check');
    const sent = await agent.post('/login/phone').send({ phoneNumber: REVIEW }).expect(200);
    expect(sent.body.pending).toMatchObject({ phoneNumber: '+1•••••0100', attemptsLeft: 5 });
    expect(h.sandbox.latestCode(REVIEW)).toBeUndefined();
    const res = await agent.post('/login/code').send({ code: REVIEW_CODE }).expect(200);
    expect(res.body.user).toMatchObject({ phoneNumber: REVIEW });
    expect(sends()).toBe(0);
    expect(checks()).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(events.map((e) => [e.type, e.outcome, e.test])).toEqual([
      ['send', 'sent', true],
      ['verify', 'verified', true],
    ]);
  });

  it('counts wrong codes like any number: invalid_code, then too_many_attempts', async () => {
    const agent = request.agent(app({ maxAttempts: 2 }));
    await agent.post('/login/phone').send({ phoneNumber: REVIEW }).expect(200);
    const first = await agent.post('/api/verify').send({ code: '000000' }).expect(401);
    expect(first.body).toMatchObject({ code: 'invalid_code', attemptsLeft: 1 });
    const wrong = await agent.post('/api/verify').send({ code: '4242420' }).expect(429);
    expect(wrong.body.code).toBe('too_many_attempts');
    // The state is gone: even the right code finds nothing to check now.
    const after = await agent.post('/api/verify').send({ code: REVIEW_CODE }).expect(403);
    expect(after.body.code).toBe('no_pending_verification');
  });

  it('expires like any code, and obeys the resend cooldown and the limits', async () => {
    const agent = request.agent(app({ limits: { sendsPerPhone: { points: 2, durationSeconds: 3600 } } }));
    await agent.post('/login/phone').send({ phoneNumber: REVIEW }).expect(200);
    const soon = await agent.post('/api/retry').send({}).expect(429);
    expect(soon.body.code).toBe('retry_too_soon');
    h.clock.advance(31_000);
    await agent.post('/api/retry').send({}).expect(200);
    const limited = await request.agent(app({ limits: { sendsPerPhone: { points: 1, durationSeconds: 3600 } } }));
    await limited.post('/login/phone').send({ phoneNumber: REVIEW }).expect(200);
    h.clock.advance(31_000);
    const refused = await limited.post('/api/send').send({ phoneNumber: REVIEW }).expect(429);
    expect(refused.body.code).toBe('rate_limited');
    h.clock.advance(601_000);
    const expired = await agent.post('/api/verify').send({ code: REVIEW_CODE }).expect(401);
    expect(expired.body.code).toBe('expired');
  });

  it('leaves other numbers to the provider', async () => {
    const agent = request.agent(app());
    const sends = h.counter('send');
    await agent.post('/login/phone').send({ phoneNumber: OTHER }).expect(200);
    expect(sends()).toBe(1);
    await agent.post('/api/verify').send({ code: REVIEW_CODE }).expect(401);
    await agent.post('/login/code').send({ code: h.code(OTHER) }).expect(200);
  });

  it('after expiresAt the number is an ordinary number again', async () => {
    const agent = request.agent(app());
    await agent.post('/login/phone').send({ phoneNumber: REVIEW }).expect(200);
    h.clock.advance(DAY);
    // The test verification pending at that moment is over.
    const over = await agent.post('/api/verify').send({ code: REVIEW_CODE }).expect(401);
    expect(over.body.code).toBe('expired');
    const sends = h.counter('send');
    await agent.post('/login/phone').send({ phoneNumber: REVIEW }).expect(200);
    expect(sends()).toBe(1);
    const code = h.code(REVIEW);
    if (code !== REVIEW_CODE) await agent.post('/api/verify').send({ code: REVIEW_CODE }).expect(401);
    await agent.post('/login/code').send({ code }).expect(200);
  });

  it('refuses a bad option at construction', () => {
    const now = h.clock.now();
    const bad = (testNumbers: unknown) => () => h.strategy({ testNumbers: testNumbers as never });
    expect(bad({ numbers: { [REVIEW]: REVIEW_CODE } })).toThrow(/needs `expiresAt`/);
    // An invalid Date (new Date(''), e.g. from an unset env value) is not a missing one.
    for (const invalid of [new Date(''), Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(bad({ numbers: { [REVIEW]: REVIEW_CODE }, expiresAt: invalid })).toThrow(/`expiresAt` that is not a valid date/);
    }
    expect(bad({ numbers: { [REVIEW]: REVIEW_CODE }, expiresAt: new Date(now - 1) })).toThrow(TypeError);
    expect(bad({ numbers: { [REVIEW]: REVIEW_CODE }, expiresAt: now })).toThrow(TypeError);
    expect(bad({ numbers: { [REVIEW]: REVIEW_CODE }, expiresAt: 'tomorrow' })).toThrow(TypeError);
    expect(bad({ numbers: {}, expiresAt: now + DAY })).toThrow(TypeError);
    expect(bad({ numbers: { '201 555 0100': REVIEW_CODE }, expiresAt: now + DAY })).toThrow(/E\.164/);
    expect(bad({ numbers: { [REVIEW]: 'abc' }, expiresAt: now + DAY })).toThrow(/codePattern/);
    expect(bad({ numbers: { [REVIEW]: 424242 }, expiresAt: now + DAY })).toThrow(TypeError);
  });

  // The list phone-change mode refuses (listedTestNumbers) is read before the option is checked:
  // a shape it cannot list must still get the option's own refusal, not a crash of that read.
  it('a missing or null option or `numbers` gets the option\'s own refusal', () => {
    const now = h.clock.now();
    const bad = (testNumbers: unknown) => () => h.strategy({ testNumbers: testNumbers as never });
    expect(bad(null)).toThrow(/option `testNumbers` must be \{ numbers/);
    for (const numbers of [null, undefined, 'x']) {
      expect(bad({ numbers, expiresAt: now + DAY })).toThrow(/option `testNumbers` needs `numbers`/);
      expect(bad({ numbers, expiresAt: now + DAY })).toThrow(TypeError);
    }
    expect(bad({ expiresAt: now + DAY })).toThrow(/option `testNumbers` needs `numbers`/);
  });
});
