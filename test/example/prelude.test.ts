// The example app on Prelude Verify V2: the same pages and JSON API, with the strategy built as
// `{ provider: 'prelude', apiKey }` against the sandbox's V2 endpoints (supertest, real HTTP), and
// `npm start` with EXAMPLE_PROVIDER=prelude, which runs the in-process sandbox over V2 so the
// Prelude path works offline. The sandbox's counters show which API each step reached.
import { phoneSequence } from '../helpers/phones.js';
import request from 'supertest';
import type { DingSandbox } from 'passport-ding/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_USER } from '../../example/app.js';
import { cookiesFrom, csrfFrom, startExample, startSandbox, TestClock, type RunningExample } from '../helpers/example-app.js';
import { startScript, type StartScript } from '../helpers/start-script.js';
import { wrongCode } from '../helpers/codes.js';

const clock = new TestClock();
let sandbox: DingSandbox;
let example: RunningExample;
/** A fresh valid US number per test, so no test sees another's pending state or code. */
const nextPhone = phoneSequence(30000);

const calls = (op: string): number => sandbox.stats().byOperation[op] ?? 0;

beforeAll(async () => {
  sandbox = await startSandbox(clock);
  example = await startExample(sandbox, clock, {
    ding: { provider: 'prelude', apiKey: sandbox.apiKey, baseUrl: sandbox.preludeUrl },
    limits: { sendsPerIp: { points: 1000, durationSeconds: 3600 } },
  });
});

afterAll(async () => {
  await example?.stop();
  await sandbox?.close();
});

afterEach(() => {
  clock.offset = 0;
});

type Agent = ReturnType<typeof request.agent>;

/** Phone -> code page. Returns the code page's CSRF token. */
async function sendCode(agent: Agent, phone: string): Promise<string> {
  const login = await agent.get('/login').expect(200);
  await agent.post('/login/phone').type('form').send({ _csrf: csrfFrom(login.text), phoneNumber: phone }).expect(303).expect('location', '/login/code');
  return csrfFrom((await agent.get('/login/code').expect(200)).text);
}


describe('phone login on Prelude V2', () => {
  it('sends through POST /v2/verification, verifies through /v2/verification/check, signs in', async () => {
    const agent = request.agent(example.url);
    const phone = nextPhone();
    const token = await sendCode(agent, phone);
    expect(calls('createVerification')).toBe(1);
    expect(calls('createAuthentication')).toBe(0);

    const page = await agent.get('/login/code').expect(200);
    expect(page.text).toContain(`+1•••••${phone.slice(-4)}`);
    expect(page.text).not.toContain(phone);
    // V2 says no expiry, cooldown or counters: the strategy's own apply, and the page shows them.
    expect(page.text).toContain('5 attempts left');
    expect(page.text).toMatch(/You can ask for a new code in 30 seconds/);

    const code = sandbox.latestCode(phone);
    expect(code).toMatch(/^\d{6}$/);
    await agent.post('/login/code').type('form').send({ _csrf: token, code }).expect(303).expect('location', '/account');
    expect(calls('checkVerification')).toBe(1);
    const profile = await agent.get('/account').expect(200);
    expect(profile.text).toContain('Hello, Phone user');
    expect(calls('check')).toBe(0);
  });

  it('a wrong code shows attempts left; the right one still works', async () => {
    const agent = request.agent(example.url);
    const phone = nextPhone();
    const token = await sendCode(agent, phone);
    const res = await agent.post('/login/code').type('form').send({ _csrf: token, code: wrongCode(sandbox.latestCode(phone)) }).expect(401);
    expect(res.text).toContain('That code is not correct.');
    expect(res.text).toContain('4 attempts left');
    await agent.post('/login/code').type('form').send({ _csrf: token, code: sandbox.latestCode(phone) }).expect(303).expect('location', '/account');
  });

  it('resend is a create inside the window: too soon first, then a new code that works', async () => {
    const agent = request.agent(example.url);
    const phone = nextPhone();
    const token = await sendCode(agent, phone);
    const first = sandbox.latestCode(phone);
    const creates = calls('createVerification');
    const early = await agent.post('/login/resend').type('form').send({ _csrf: token }).expect(429);
    expect(early.headers['retry-after']).toBe('30');
    expect(calls('createVerification')).toBe(creates);

    clock.advance(31_000);
    await agent.post('/login/resend').type('form').send({ _csrf: token }).expect(303).expect('location', '/login/code');
    expect(calls('createVerification')).toBe(creates + 1);
    expect(calls('retry')).toBe(0);
    const page = await agent.get('/login/code').expect(200);
    expect(page.text).toContain('A new code is on its way.');
    expect(page.text).toMatch(/resends? left/);
    const second = sandbox.latestCode(phone);
    expect(second).not.toBe(first);
    await agent.post('/login/code').type('form').send({ _csrf: csrfFrom(page.text), code: second }).expect(303).expect('location', '/account');
  });

  it('asks for the number again once the strategy\'s lifetime has passed', async () => {
    const agent = request.agent(example.url);
    const phone = nextPhone();
    const token = await sendCode(agent, phone);
    clock.advance(11 * 60 * 1000);
    const res = await agent.post('/login/code').type('form').send({ _csrf: token, code: sandbox.latestCode(phone) }).expect(401);
    expect(res.text).toContain('That code has expired.');
  });

  it('an upstream fault on V2 shows the short "try again" page, without internals', async () => {
    const agent = request.agent(example.url);
    const login = await agent.get('/login').expect(200);
    sandbox.fail({ mode: 'http500', operation: 'createVerification' });
    const page = await agent.post('/login/phone').type('form').send({ _csrf: csrfFrom(login.text), phoneNumber: nextPhone() }).expect(503);
    expect(page.text).toContain('Codes are unavailable right now');
    expect(page.text).not.toMatch(/Error:|at .*\.ts|internal|sandbox_|Bearer/);
  });

  it('logs no code, full number or API key', async () => {
    example.logs.length = 0;
    const agent = request.agent(example.url);
    const phone = nextPhone();
    const token = await sendCode(agent, phone);
    const code = sandbox.latestCode(phone) ?? '';
    await agent.post('/login/code').type('form').send({ _csrf: token, code }).expect(303);
    const log = example.logs.join('\n');
    expect(log).toContain('login.signed_in');
    for (const secret of [code, phone, phone.slice(1), sandbox.apiKey]) expect(log).not.toContain(secret);
  });
});

describe('second factor and JSON API on Prelude V2', () => {
  it('password, then a code to the stored phone over V2', async () => {
    const { username, password, phone } = DEFAULT_DEMO_USER;
    const agent = request.agent(example.url);
    const form = await agent.get('/login/password').expect(200);
    const creates = calls('createVerification');
    await agent.post('/login/password').type('form').send({ _csrf: csrfFrom(form.text), username, password }).expect(303).expect('location', '/2fa/code');
    expect(calls('createVerification')).toBe(creates + 1);
    const codePage = await agent.get('/2fa/code').expect(200);
    await agent.post('/2fa/code').type('form').send({ _csrf: csrfFrom(codePage.text), code: sandbox.latestCode(phone) }).expect(303).expect('location', '/account');
    expect((await agent.get('/account').expect(200)).text).toContain('password + SMS code');
  });

  it('send, wrong code, right code over JSON', async () => {
    const agent = request.agent(example.url);
    const token = (await agent.get('/api/session').expect(200)).body.csrfToken as string;
    const phone = nextPhone();
    const sent = await agent.post('/api/login/send').set('x-csrf-token', token).send({ phoneNumber: phone }).expect(200);
    expect(sent.body.pending).toMatchObject({ phoneNumber: `+1•••••${phone.slice(-4)}`, attemptsLeft: 5 });
    expect(Date.parse(sent.body.pending.expiresAt)).toBeGreaterThan(clock.now());
    const wrong = await agent.post('/api/login/verify').set('x-csrf-token', token).send({ code: wrongCode(sandbox.latestCode(phone)) }).expect(401);
    expect(wrong.body.code).toBe('invalid_code');
    const ok = await agent.post('/api/login/verify').set('x-csrf-token', token).send({ code: sandbox.latestCode(phone) }).expect(200);
    expect(ok.body.user).toMatchObject({ name: 'Phone user', signedIn: true });
  });
});

describe('npm start with EXAMPLE_PROVIDER=prelude (offline)', () => {
  let script: StartScript | undefined;

  afterAll(() => script?.kill());

  it('runs the sandbox over V2 and signs in with the printed code', async () => {
    script = startScript({ EXAMPLE_PROVIDER: 'prelude' });
    const { waitFor } = script;

    const [, port] = await waitFor(/Open http:\/\/localhost:(\d+)/);
    expect(script.output()).toContain('SANDBOX MODE, Prelude Verify V2 endpoints');
    const base = `http://127.0.0.1:${port}`;

    const login = await fetch(`${base}/login`);
    let cookie = cookiesFrom(login);
    const form = (body: Record<string, string>): RequestInit => ({
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body).toString(),
    });
    const sent = await fetch(`${base}/login/phone`, form({ _csrf: csrfFrom(await login.text()), phoneNumber: '+12015550888' }));
    expect(sent.status).toBe(303);
    cookie = cookiesFrom(sent, cookie);
    const [, code] = await waitFor(/\[sandbox\] code (\d{6}) for \+1•••••0888/);
    const codePage = await fetch(`${base}/login/code`, { headers: { cookie } });
    const done = await fetch(`${base}/login/code`, form({ _csrf: csrfFrom(await codePage.text()), code: code ?? '' }));
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/account');

    expect(await script.stop()).toBe(0);
  }, 45_000);
});
