// The example's /account/phone over the sandbox, on both APIs: a signed-in user (password and a
// fresh second factor) changes their number; it changes only after a right code, another
// account's number is declined, the session is not logged in anew, CSRF is checked as on every
// form, and devices remembered with the old number are forgotten.
import request from 'supertest';
import type { DingSandbox } from 'passport-ding/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfFrom, sandboxApi, sessionCookie, startExample, startSandbox, TestClock, type ApiName, type RunningExample } from '../helpers/example-app.js';
import { wrongCode } from '../helpers/codes.js';

type Agent = ReturnType<typeof request.agent>;

describe.each<ApiName>(['prelude', 'ding'])('/account/phone on %s', (api) => {
  const clock = new TestClock();
  const taken = '+12015550188';
  let sandbox: DingSandbox;
  let example: RunningExample;
  let next = 0;

  beforeAll(async () => {
    sandbox = await startSandbox(clock);
    example = await startExample(sandbox, clock, { ding: sandboxApi(sandbox, api), limits: { sendsPerIp: { points: 1000, durationSeconds: 3600 } } });
    await example.users.addPasswordUser({ id: 'bob', username: 'bob', password: 'bob has a password of his own', phone: taken });
  });

  afterAll(async () => {
    await example?.stop();
    await sandbox?.close();
  });

  const checkCalls = (): number => (sandbox.stats().byOperation.check ?? 0) + (sandbox.stats().byOperation.checkVerification ?? 0);

  /** A password user of its own (so tests do not share a number), through both factors. */
  async function signedIn(options: { rememberDevice?: boolean } = {}): Promise<{ agent: Agent; id: string; phone: string; sid: string | undefined }> {
    next += 1;
    const id = `user${next}`;
    const phone = `+1201555${String(100 + next).padStart(4, '0')}`;
    const password = `password of ${id}, long enough`;
    await example.users.addPasswordUser({ id, username: id, password, phone });
    const agent = request.agent(example.url);
    const form = await agent.get('/login/password').expect(200);
    await agent.post('/login/password').type('form').send({ _csrf: csrfFrom(form.text), username: id, password }).expect(303).expect('location', '/2fa/code');
    const code = await agent.get('/2fa/code').expect(200);
    const passed = await agent.post('/2fa/code').type('form')
      .send({ _csrf: csrfFrom(code.text), code: sandbox.latestCode(phone), ...(options.rememberDevice ? { rememberDevice: 'on' } : {}) })
      .expect(303).expect('location', '/account');
    return { agent, id, phone, sid: sessionCookie(passed.headers['set-cookie']) };
  }

  async function askCode(agent: Agent, phoneNumber: string) {
    const form = await agent.get('/account/phone').expect(200);
    return agent.post('/account/phone').type('form').send({ _csrf: csrfFrom(form.text), phoneNumber });
  }

  async function typeCode(agent: Agent, code: string) {
    const page = await agent.get('/account/phone/code').expect(200);
    return agent.post('/account/phone/code').type('form').send({ _csrf: csrfFrom(page.text), code });
  }

  it('the number changes only after a right code; the user stays signed in, in the same session', async () => {
    const { agent, id, phone, sid } = await signedIn();
    expect(sid).toBeDefined();
    const account = await agent.get('/account').expect(200);
    expect(account.text).toContain('href="/account/phone"');
    const newPhone = '+12015550177';
    await askCode(agent, newPhone).then((res) => expect([res.status, res.headers.location]).toEqual([303, '/account/phone/code']));
    const codePage = await agent.get('/account/phone/code').expect(200);
    expect(codePage.text).toContain('+1•••••0177');
    expect(codePage.text).toContain('action="/account/phone/code"');
    expect(codePage.text).toContain('action="/account/phone/resend"');
    expect(example.users.findById(id)?.phone).toBe(phone);

    const right = sandbox.latestCode(newPhone) ?? '';
    const wrong = wrongCode(right);
    const refused = await typeCode(agent, wrong);
    expect(refused.status).toBe(401);
    expect(refused.text).toContain('role="alert"');
    expect(example.users.findById(id)?.phone).toBe(phone);

    const done = await typeCode(agent, right);
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/account');
    // No login anew: Passport's logIn would have regenerated the session (a new id).
    expect(sessionCookie(done.headers['set-cookie']) ?? sid).toBe(sid);
    expect(example.users.findById(id)?.phone).toBe(newPhone);
    const after = await agent.get('/account').expect(200);
    expect(after.text).toContain('Your phone number is changed.');
    expect(after.text).toContain('+1 201 555 0177');
    // The code is spent.
    await agent.get('/account/phone/code').expect(303).expect('location', '/account/phone');
    expect(example.logs.join('\n')).not.toContain(right);
    expect(example.logs.join('\n')).not.toContain(newPhone);
    // The phone-change strategy's steps are logged as events too, with the masked number only.
    const events = example.logs.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; otp: { phone?: string; outcome?: string } });
    expect(events.filter((e) => e.otp.phone === '+1•••••0177').map((e) => `${e.msg}:${e.otp.outcome}`)).toEqual([
      'otp.send:sent',
      'otp.verify:invalid_code',
      'otp.verify:verified',
    ]);
  });

  it("another account's number is declined after its right code (409), and nothing changes", async () => {
    const { agent, id, phone } = await signedIn();
    await askCode(agent, taken).then((res) => expect(res.status).toBe(303));
    const refused = await typeCode(agent, sandbox.latestCode(taken) ?? '');
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('This number belongs to another account.');
    expect(example.users.findById(id)?.phone).toBe(phone);
    expect(example.users.findById('bob')?.phone).toBe(taken);
    await agent.get('/account').expect(200);
  });

  it('a form without its CSRF token is refused before any SMS', async () => {
    const { agent } = await signedIn();
    const sends = sandbox.stats().byOperation;
    const before = JSON.stringify(sends);
    await agent.post('/account/phone').type('form').send({ phoneNumber: '+12015550166' }).expect(403);
    expect(JSON.stringify(sandbox.stats().byOperation)).toBe(before);
  });

  it('signed out between send and verify: the code is never checked', async () => {
    const { agent } = await signedIn();
    const newPhone = '+12015550155';
    await askCode(agent, newPhone).then((res) => expect(res.status).toBe(303));
    const page = await agent.get('/account/phone/code').expect(200);
    await agent.post('/logout').type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
    const checks = checkCalls();
    const login = await agent.get('/login').expect(200);
    const res = await agent.post('/account/phone/code').type('form').send({ _csrf: csrfFrom(login.text), code: sandbox.latestCode(newPhone) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/login/);
    expect(checkCalls()).toBe(checks);
  });

  it('not signed in, or without a fresh second factor: no phone page', async () => {
    await request(example.url).get('/account/phone').expect(303).expect('location', /^\/login/);
    const { agent } = await signedIn();
    clock.advance(31 * 60_000);
    await agent.get('/account/phone').expect(303).expect('location', '/2fa');
  });

  async function phoneLogin(agent: Agent, phone: string): Promise<void> {
    const login = await agent.get('/login').expect(200);
    await agent.post('/login/phone').type('form').send({ _csrf: csrfFrom(login.text), phoneNumber: phone }).expect(303);
    const code = await agent.get('/login/code').expect(200);
    await agent.post('/login/code').type('form').send({ _csrf: csrfFrom(code.text), code: sandbox.latestCode(phone) }).expect(303);
  }

  it('a phone-only account that moved to a new number keeps its id; a new login with the old number is another account', async () => {
    const agent = request.agent(example.url);
    const old = '+12015550133';
    const moved = '+12015550134';
    await phoneLogin(agent, old);
    const id = (await agent.get('/api/me').expect(200)).body.user.id as string;
    // The step-up the page asks for: a code to the current number.
    await agent.get('/account/phone').expect(303).expect('location', '/2fa');
    const start = await agent.get('/2fa').expect(200);
    clock.advance(31_000); // the number just got a code
    await agent.post('/2fa/send').type('form').send({ _csrf: csrfFrom(start.text) }).expect(303);
    const stepUp = await agent.get('/2fa/code').expect(200);
    await agent.post('/2fa/code').type('form').send({ _csrf: csrfFrom(stepUp.text), code: sandbox.latestCode(old) }).expect(303);
    await askCode(agent, moved).then((res) => expect(res.status).toBe(303));
    await typeCode(agent, sandbox.latestCode(moved) ?? '').then((res) => expect(res.status).toBe(303));
    expect(example.users.findById(id)?.phone).toBe(moved);

    // Someone who now has the old number signs in with it: a new account, not the moved one.
    clock.advance(31_000);
    const other = request.agent(example.url);
    await phoneLogin(other, old);
    const otherId = (await other.get('/api/me').expect(200)).body.user.id as string;
    expect(otherId).not.toBe(id);
    expect(example.users.findById(id)?.phone).toBe(moved);
    expect((await agent.get('/api/me').expect(200)).body.user.id).toBe(id);
  });

  it('devices remembered with the old number are forgotten after the change', async () => {
    const { agent, id } = await signedIn({ rememberDevice: true });
    const newPhone = '+12015550144';
    await askCode(agent, newPhone).then((res) => expect(res.status).toBe(303));
    await typeCode(agent, sandbox.latestCode(newPhone) ?? '').then((res) => expect(res.status).toBe(303));
    expect(example.logs.find((line) => line.includes('phone_change.done') && line.includes(`user=${id}`))).toContain('devicesForgotten=1');
  });
});
