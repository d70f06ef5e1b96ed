// Issue 19, item 2, the example's side: "Remember this device for 30 days" on the /2fa code page
// skips the SMS at the next password login on that device, never at a step-up; "Forget this
// device" and "Forget all my devices" on /account bring the SMS back. Real express-session;
// on Redis, two instances share the devices as they share the sessions.
import request from 'supertest';
import type { DingSandbox } from 'passport-ding/sandbox';
import { afterAll, beforeAll, describe, expect, it, beforeEach } from 'vitest';
import { DEFAULT_DEMO_USER } from '../../example/app.js';
import { redisGate } from '../helpers/env.js';
import { csrfFrom, sandboxApi, startExample, startSandbox, TestClock, type ApiName, twoInstancesOnRedis, type RunningExample } from '../helpers/example-app.js';

type Agent = ReturnType<typeof request.agent>;
const demo = DEFAULT_DEMO_USER;
const DEVICE_COOKIE = 'passport-ding.device';

function sends(sandbox: DingSandbox): number {
  const ops = sandbox.stats().byOperation;
  return (ops.createVerification ?? 0) + (ops.createAuthentication ?? 0);
}

/** The password form; answers the redirect: '/2fa/code' (an SMS went out) or the page after. */
async function passwordLogin(agent: Agent): Promise<string> {
  const form = await agent.get('/login/password').expect(200);
  const res = await agent.post('/login/password').type('form')
    .send({ _csrf: csrfFrom(form.text), username: demo.username, password: demo.password }).expect(303);
  return res.headers.location as string;
}

async function enterCode(agent: Agent, sandbox: DingSandbox, remember: boolean): Promise<string[]> {
  const page = await agent.get('/2fa/code').expect(200);
  expect(page.text).toContain('Remember this device for 30 days');
  expect(page.text).toContain('name="rememberDevice"');
  const res = await agent.post('/2fa/code').type('form')
    .send({ _csrf: csrfFrom(page.text), code: sandbox.latestCode(demo.phone), ...(remember ? { rememberDevice: 'on' } : {}) })
    .expect(303).expect('location', '/account');
  const set = res.headers['set-cookie'] as unknown as string[] | undefined;
  return set ?? [];
}

async function logout(agent: Agent): Promise<void> {
  const account = await agent.get('/account').expect(200);
  await agent.post('/logout').type('form').send({ _csrf: csrfFrom(account.text) }).expect(303);
}

async function accountForm(agent: Agent, action: string): Promise<void> {
  const account = await agent.get('/account').expect(200);
  await agent.post(action).type('form').send({ _csrf: csrfFrom(account.text) }).expect(303).expect('location', '/account');
}

describe.each<ApiName>(['prelude', 'ding'])('on %s', (api) => {
  const clock = new TestClock();
  let sandbox: DingSandbox;
  let example: RunningExample;

  beforeAll(async () => {
    sandbox = await startSandbox(clock);
    example = await startExample(sandbox, clock, { ding: sandboxApi(sandbox, api), limits: false });
  });

  afterAll(async () => {
    await example?.stop();
    await sandbox?.close();
  });

  // Each test starts with a password login that texts the demo user's number: step past the
  // number's resend cooldown left by the test before.
  beforeEach(() => clock.advance(31_000));

  it('without the box ticked, every password login texts a code', async () => {
    const agent = request.agent(example.url);
    expect(await passwordLogin(agent)).toBe('/2fa/code');
    const set = await enterCode(agent, sandbox, false);
    expect(set.some((c) => c.startsWith(`${DEVICE_COOKIE}=`))).toBe(false);
    await logout(agent);
    const before = sends(sandbox);
    expect(await passwordLogin(agent)).toBe('/2fa/code');
    expect(sends(sandbox)).toBe(before + 1);
  });

  it('ticked: the next password login on this device skips the SMS; a step-up still asks for it', async () => {
    const agent = request.agent(example.url);
    expect(await passwordLogin(agent)).toBe('/2fa/code');
    const set = await enterCode(agent, sandbox, true);
    const cookie = set.find((c) => c.startsWith(`${DEVICE_COOKIE}=`));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect((await agent.get('/account').expect(200)).text).toContain('This device is remembered');
    await logout(agent);

    const before = sends(sandbox);
    expect(await passwordLogin(agent)).toBe('/account');
    expect(sends(sandbox)).toBe(before);
    const account = await agent.get('/account').expect(200);
    expect(account.text).toContain('password + remembered device');
    // A remembered device completes the login, not a step-up: the security page wants a fresh code.
    await agent.get('/account/security').expect(303).expect('location', '/2fa');
    // Another browser (no cookie) with the same password still gets the SMS.
    const other = request.agent(example.url);
    expect(await passwordLogin(other)).toBe('/2fa/code');
    expect(sends(sandbox)).toBe(before + 1);
  });

  it('"Forget this device" brings the SMS back', async () => {
    const agent = request.agent(example.url);
    await passwordLogin(agent);
    await enterCode(agent, sandbox, true);
    await accountForm(agent, '/account/devices/forget');
    const account = await agent.get('/account').expect(200);
    expect(account.text).toContain('This device is forgotten');
    expect(account.text).toContain('This device is not remembered');
    await logout(agent);
    const before = sends(sandbox);
    expect(await passwordLogin(agent)).toBe('/2fa/code');
    expect(sends(sandbox)).toBe(before + 1);
  });

  it('"Forget all my devices" forgets the other browsers too', async () => {
    const laptop = request.agent(example.url);
    const phone = request.agent(example.url);
    await passwordLogin(laptop);
    await enterCode(laptop, sandbox, true);
    await passwordLogin(phone);
    await enterCode(phone, sandbox, true);
    await logout(phone);

    await accountForm(laptop, '/account/devices/forget-all');
    expect((await laptop.get('/account').expect(200)).text).toMatch(/\d+ devices? (are|is) forgotten/);
    await logout(laptop);
    expect(await passwordLogin(phone)).toBe('/2fa/code');
    await enterCode(phone, sandbox, false);
    await logout(phone);
    expect(await passwordLogin(laptop)).toBe('/2fa/code');
  });

  it('JSON API: rememberDevice on /api/2fa/verify, then /api/login/password is a complete sign-in with no SMS', async () => {
    const agent = request.agent(example.url);
    const token = (await agent.get('/api/session').expect(200)).body.csrfToken as string;
    const pw = await agent.post('/api/login/password').set('x-csrf-token', token).send({ username: demo.username, password: demo.password }).expect(200);
    expect(pw.body.trustedDevice).toBe(false);
    const t2 = pw.body.csrfToken as string;
    await agent.post('/api/2fa/send').set('x-csrf-token', t2).send({}).expect(200);
    const ok = await agent.post('/api/2fa/verify').set('x-csrf-token', t2).send({ code: sandbox.latestCode(demo.phone), rememberDevice: true }).expect(200);
    await agent.post('/api/logout').set('x-csrf-token', ok.body.csrfToken as string).expect(204);

    const before = sends(sandbox);
    const t3 = (await agent.get('/api/session').expect(200)).body.csrfToken as string;
    const again = await agent.post('/api/login/password').set('x-csrf-token', t3).send({ username: demo.username, password: demo.password }).expect(200);
    expect(again.body).toMatchObject({ trustedDevice: true, user: { signedIn: true, secondFactor: false } });
    await agent.get('/api/me').expect(200);
    expect(sends(sandbox)).toBe(before);
    // The wrong password is still the wrong password on a remembered device.
    const t4 = again.body.csrfToken as string;
    await agent.post('/api/logout').set('x-csrf-token', t4).expect(204);
    const t5 = (await agent.get('/api/session').expect(200)).body.csrfToken as string;
    await agent.post('/api/login/password').set('x-csrf-token', t5).send({ username: demo.username, password: 'not the password' }).expect(401);
    await agent.get('/api/me').expect(401);
  });

  it('the forget forms need the CSRF token and a signed-in user', async () => {
    const agent = request.agent(example.url);
    await passwordLogin(agent);
    await enterCode(agent, sandbox, true);
    await agent.post('/account/devices/forget').type('form').send({}).expect(403);
    await agent.post('/account/devices/forget-all').type('form').send({}).expect(403);
    const anonymous = request.agent(example.url);
    const login = await anonymous.get('/login').expect(200);
    await anonymous.post('/account/devices/forget-all').type('form').send({ _csrf: csrfFrom(login.text) }).expect(303).expect('location', '/login');
    // Still remembered.
    await logout(agent);
    expect(await passwordLogin(agent)).toBe('/account');
  });
});

if (redisGate('example trusted devices on Redis (test/example/trusted-devices.test.ts)')) {
  describe('two instances sharing Redis', () => {
    const two = twoInstancesOnRedis('devices');

    it('a device remembered on one instance skips the SMS on the other, and forgetting it there counts here', async () => {
      const onA = request.agent(two.a.url);
      await passwordLogin(onA);
      await enterCode(onA, two.sandbox, true);
      await logout(onA);
      // The same browser (its cookies) talking to instance B.
      const cookies = onA.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false });
      const onB = request.agent(two.b.url);
      for (const c of cookies) onB.jar.setCookie(`${c.name}=${c.value}`, '127.0.0.1', '/');
      const before = sends(two.sandbox);
      expect(await passwordLogin(onB)).toBe('/account');
      expect(sends(two.sandbox)).toBe(before);
      await accountForm(onB, '/account/devices/forget-all');
      await logout(onB);
      for (const c of onB.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })) onA.jar.setCookie(`${c.name}=${c.value}`, '127.0.0.1', '/');
      expect(await passwordLogin(onA)).toBe('/2fa/code');
    });
  });
}
