// send and retry with Passport's `successRedirect`, as Passport users write it by habit: the code
// is sent and the answer is a 303 to that URL (before, pass() ran with no handler after it and
// Express answered 404). Without successRedirect the next handler runs, as before.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { fakeLogin } from '../helpers/fake-provider.js';

const PHONE = '+14155552671';

function redirectingApp() {
  return fakeLogin({}, {
    routes: (app, auth) => {
      const never = (_req: unknown, res: { status(n: number): { json(b: unknown): void } }) => res.status(500).json({ ranNextHandler: true });
      app.post('/r/phone', auth.authenticate('ding', { action: 'send', successRedirect: '/login/code', failureRedirect: '/login' }), never);
      app.post('/r/resend', auth.authenticate('ding', { action: 'retry', successRedirect: '/login/code?resent=1', failureRedirect: '/login/code' }), never);
    },
  });
}

describe('send and retry with successRedirect', () => {
  it('send with successRedirect: the code is sent, 303 to successRedirect, the next handler does not run', async () => {
    const { t, fake } = redirectingApp();
    const agent = request.agent(t.app);
    const res = await agent.post('/r/phone').type('form').send({ phoneNumber: PHONE });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login/code');
    expect(fake.calls('send')).toBe(1);
    // The pending verification was saved with the redirect: the code sent logs in.
    expect((await agent.get('/me').expect(200)).body.pending).not.toBeNull();
    const verified = await agent.post('/login/code').send({ code: fake.code(PHONE) }).expect(200);
    expect(verified.body.user.phoneNumber).toBe(PHONE);
  });

  it('retry with successRedirect: a new code is sent, 303 to successRedirect', async () => {
    const { t, fake, clock } = redirectingApp();
    const agent = request.agent(t.app);
    await agent.post('/r/phone').type('form').send({ phoneNumber: PHONE }).expect(303);
    clock.advance(31_000);
    const res = await agent.post('/r/resend').type('form').send({});
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login/code?resent=1');
    expect(fake.calls('resend')).toBe(1);
  });

  it('send without successRedirect passes: the next handler runs', async () => {
    const { t, fake } = redirectingApp();
    const res = await request.agent(t.app).post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    expect(res.body.pending.phoneNumber).toMatch(/2671$/);
    expect(fake.calls('send')).toBe(1);
  });

  it('a refused send still goes to failureRedirect (302, as Passport answers), nothing sent', async () => {
    const { t, fake } = redirectingApp();
    const res = await request.agent(t.app).post('/r/phone').type('form').send({ phoneNumber: 'not a number' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/login');
    expect(fake.calls('send')).toBe(0);
  });

  it('a refused retry (too soon) goes to failureRedirect, not successRedirect', async () => {
    const { t, fake } = redirectingApp();
    const agent = request.agent(t.app);
    await agent.post('/r/phone').type('form').send({ phoneNumber: PHONE }).expect(303);
    const res = await agent.post('/r/resend').type('form').send({});
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/login/code');
    expect(fake.calls('resend')).toBe(0);
  });
});
