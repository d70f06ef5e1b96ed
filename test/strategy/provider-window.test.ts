// A send the provider refuses for volume, on the sandbox over real HTTP: what a client gets, and
// what it can still do. Prelude V2 keeps one verification window per number; past its resends
// (`maxRetries`) a create is `blocked` + `repeated_attempts`, HTTP 200 and no time, so the answer
// is `rate_limited` with no `retryAfter` (the library invents none), and the code already sent in
// that window still logs the user in. Ding V1's `rate_limited` create is the same: no time.
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { harness } from '../helpers/harness.js';

const PHONE = '+14155552671';
const LIMITED = '+12015550101';

describe('Prelude V2: the window refuses more codes', () => {
  const h = harness(express, { maxRetries: 3 }, 'prelude');

  it('the fifth send is rate_limited with no retryAfter, before sendsPerPhone; the last code sent still logs in', async () => {
    const t = h.app();
    const agent = request.agent(t.app);
    for (let i = 0; i < 4; i += 1) {
      await agent.post('/api/send').send({ phoneNumber: PHONE }).expect(200);
      h.clock.advance(31_000);
    }
    const last = h.code(PHONE);
    const before = h.calls('send');
    const res = await agent.post('/api/send').send({ phoneNumber: PHONE });
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ code: 'rate_limited', message: 'Too many requests. Try again later.' });
    expect(h.calls('send')).toBe(before + 1); // the provider refused, not the library's limits
    expect(h.code(PHONE)).toBe(last);

    const ok = await agent.post('/api/verify').send({ code: last });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ phoneNumber: PHONE });
  });
});

describe('Ding V1: a rate_limited create', () => {
  const h = harness(express, { numbers: { [LIMITED]: 'rate_limited' } }, 'ding');

  it('is rate_limited with no retryAfter: V1 gives no time either', async () => {
    const t = h.app();
    const res = await request(t.app).post('/api/send').send({ phoneNumber: LIMITED });
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ code: 'rate_limited', message: 'Too many requests. Try again later.' });
    expect(h.calls('send')).toBe(1);
  });
});
