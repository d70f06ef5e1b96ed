// A rolling deploy from 0.1.0: sessions written by 0.1.0 instances reach this version, and the
// reverse. The pending verification that 0.1.0 keeps in the session is the record below,
// written literally (0.1.0's lib/pending.ts: v, i, p, c, e, r, a, and n once the provider said);
// it has none of the fields added since (f risk factors, u user, o window owner, h channel), and
// an 0.1.0 instance that rewrites a record (a wrong code, a resend) drops them. What this version
// does with such a record is a typed outcome, never an error: with Ding V1 it is used as it is;
// with Prelude (no window owner) and in second-factor mode (no user) it is
// `no_pending_verification` with no provider call, and the user asks for a new code.
// docs/deploying.md#upgrading-from-010 says what an operator sees.
import express5 from 'express';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { harness } from '../helpers/harness.js';
import { wrongCode } from '../helpers/codes.js';

const PHONE = '+14155552671';
const MINUTE = 60_000;

/** 0.1.0's stored pending verification: exactly these keys. */
const FIELDS_0_1_0 = ['v', 'i', 'p', 'c', 'e', 'r', 'n', 'a'];

async function sid(agent: TestAgent): Promise<string> {
  return (await agent.get('/me').expect(200)).body.sessionID as string;
}

/** Rewrites the session's pending verification as an 0.1.0 instance would have stored it. */
async function asWrittenBy010(t: TestApp, agent: TestAgent): Promise<Record<string, unknown>> {
  const id = await sid(agent);
  const pending = (await t.storedPending(id)) as Record<string, unknown>;
  const old = Object.fromEntries(Object.entries(pending).filter(([k]) => FIELDS_0_1_0.includes(k)));
  await t.writeStoredPending(id, old);
  return old;
}

describe('a pending verification written by 0.1.0 (Ding V1)', () => {
  const h = harness(express5, {}, 'ding');

  it('logs in with its code', async () => {
    const t = h.app();
    const agent = request.agent(t.app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    const old = await asWrittenBy010(t, agent);
    expect(Object.keys(old).sort()).toEqual(['a', 'c', 'e', 'i', 'p', 'r', 'v']);
    expect((await agent.get('/me')).body.pending).toMatchObject({ attemptsLeft: 5 });
    const res = await agent.post('/api/verify').send({ code: h.code(PHONE) }).expect(200);
    expect(res.body.user).toMatchObject({ phoneNumber: PHONE });
  });

  it('counts a wrong code on from its attempts, then resends and logs in', async () => {
    const t = h.app();
    const agent = request.agent(t.app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    await asWrittenBy010(t, agent);
    const wrong = await agent.post('/api/verify').send({ code: wrongCode(h.code(PHONE)) }).expect(401);
    expect(wrong.body).toMatchObject({ code: 'invalid_code', attemptsLeft: 4 });
    await asWrittenBy010(t, agent);
    h.clock.advance(MINUTE);
    const before = h.code(PHONE);
    await agent.post('/api/retry').send({}).expect(200);
    expect(h.code(PHONE)).not.toBe(before);
    await agent.post('/api/verify').send({ code: h.code(PHONE) }).expect(200);
  });
});

describe('a pending verification written by 0.1.0 (Prelude V2): no window owner', () => {
  const h = harness(express5, {}, 'prelude');

  it('is no_pending_verification (403) with no provider call, then a new code logs in', async () => {
    const t = h.app();
    const agent = request.agent(t.app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    await asWrittenBy010(t, agent);
    const checks = h.counter('check');
    const res = await agent.post('/api/verify').send({ code: h.code(PHONE) }).expect(403);
    expect(res.body.code).toBe('no_pending_verification');
    expect(checks()).toBe(0);
    expect((await agent.get('/me')).body.pending).toBeNull();
    expect(t.errors).toEqual([]);

    h.clock.advance(MINUTE);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    await agent.post('/api/verify').send({ code: h.code(PHONE) }).expect(200);
  });

  it('a resend is no_pending_verification (403) too, and sends nothing', async () => {
    const t = h.app();
    const agent = request.agent(t.app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    await asWrittenBy010(t, agent);
    h.clock.advance(MINUTE);
    const resends = h.counter('resend');
    expect((await agent.post('/api/retry').send({}).expect(403)).body.code).toBe('no_pending_verification');
    expect(resends()).toBe(0);
    expect(t.errors).toEqual([]);
  });
});
