// A resend and Prelude V2's verification window (lib/limits/window.ts): one verification per
// number, owned by the session that sent last. Only that session may resend, and a resend renews
// its ownership for the life of the code it sent. The in-process provider plays Prelude by name
// (window ownership is keyed on the name `prelude`); the limits are the strategy's own (memory).
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { describe, expect, it } from 'vitest';
import type { Limits } from '../../lib/limits/limits.js';
import type { FakeLogin } from '../helpers/fake-provider.js';
import { fakeLogin } from '../helpers/fake-provider.js';

const PHONE = '+14155552671';
const COOLDOWN = 30_000;
const TTL = 600_000;

function preludeLogin(): FakeLogin {
  return fakeLogin({}, { fake: { name: 'prelude' } });
}

const pendingOf = async (agent: TestAgent): Promise<Record<string, unknown> | null> => (await agent.get('/me')).body.pending;

describe('retry and the Prelude window', () => {
  // Mutation testing (issue 20): without the owner check, a session whose window another session
  // has taken since could resend, renewing a verification whose code now logs the other session in.
  it('a resend from a session whose window another session has taken since: no_pending_verification, no provider call', async () => {
    const { t, fake, clock } = preludeLogin();
    const first = request.agent(t.app);
    const second = request.agent(t.app);
    await first.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    clock.advance(COOLDOWN);
    await second.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    clock.advance(COOLDOWN);

    expect((await first.post('/api/retry').send({}).expect(403)).body.code).toBe('no_pending_verification');
    expect(fake.calls('resend')).toBe(0);
    expect(await pendingOf(first)).toBeNull();
    // Not the cooldown or a budget: the owner of the window may resend at this very moment.
    await second.post('/api/retry').send({}).expect(200);
    expect(fake.requests.resend.map((r) => r.id)).toEqual(['fake_2']);
  });

  // Mutation testing (issue 20): a resend answered with a new id (Prelude's window had ended) gives
  // a code that lives a full TTL from the resend; the session's ownership must live as long, or
  // the code would be refused once the first code's time is up.
  it('a resend answered with a new id: its code may be used past the first code\'s expiry', async () => {
    const { t, fake, clock } = preludeLogin();
    const agent = request.agent(t.app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    clock.advance(COOLDOWN);
    fake.next('resend', { status: 'sent', id: 'fake_new' });
    await agent.post('/api/retry').send({}).expect(200);
    // Past the first code's expiry (and its window mark's), well before the new code's.
    clock.advance(TTL - COOLDOWN + 1_000);
    fake.next('check', { status: 'valid' });
    const res = await agent.post('/login/code').send({ code: '123456' }).expect(200);
    expect(res.body.user).toMatchObject({ phoneNumber: PHONE });
    expect(fake.requests.check.map((r) => r.id)).toEqual(['fake_new']);
  });

  // Mutation testing (issue 20): the renewed mark lives exactly as long as the code it was renewed
  // for. That is seen only in the limits' store (a mark kept longer is a key that outlives every
  // code: with Redis, one that never expires), so the test asks the strategy's limits directly.
  it('a resend renews the window mark for the new code\'s life, and no longer', async () => {
    const { t, fake, clock, strategy } = preludeLogin();
    const limits = (strategy as unknown as { _limits: Limits })._limits;
    const agent = request.agent(t.app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    clock.advance(COOLDOWN);
    fake.next('resend', { status: 'sent', id: 'fake_new' });
    const resent = await agent.post('/api/retry').send({}).expect(200);
    const expiresAt = Date.parse(resent.body.pending.expiresAt as string);
    expect(expiresAt).toBe(clock.now() + TTL);
    const me = await agent.get('/me');
    const owner = ((await t.storedPending(me.body.sessionID as string)) as { o?: string } | undefined)?.o;
    expect(owner).toEqual(expect.any(String));

    clock.advance(expiresAt - 1 - clock.now());
    expect(await limits.windowHolder(PHONE, owner)).toBe('owner');
    clock.advance(1);
    expect(await limits.windowHolder(PHONE, owner)).toBe('none');
  });
});
