// The example app over real HTTP (supertest) with the sandbox in-process: pages, the whole phone
// login, failures on the page, resend, CSRF, caching headers, return-to safety, the
// second-factor demo, the JSON API, upstream faults, and what the log may contain.
import { phoneSequence } from '../helpers/phones.js';
import request from 'supertest';
import type { DingSandbox } from 'passport-ding/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_USER } from '../../example/app.js';
import { createLogger } from '../../example/logger.js';
import { safeReturnTo } from '../../example/security.js';
import { csrfFrom, hiddenFrom, sessionCookie, startExample, startSandbox, TestClock, type RunningExample } from '../helpers/example-app.js';
import { FailingStore } from '../helpers/failing-store.js';
import { wrongCode } from '../helpers/codes.js';

const clock = new TestClock();
let sandbox: DingSandbox;
let example: RunningExample;
/** A fresh valid US number per test, so no test sees another's pending state or code. */
const nextPhone = phoneSequence(10000);

beforeAll(async () => {
  sandbox = await startSandbox(clock);
  // Every test client here is 127.0.0.1: room for all of them under one IP. The default limits
  // get an app of their own below.
  example = await startExample(sandbox, clock, { limits: { sendsPerIp: { points: 1000, durationSeconds: 3600 } } });
});

afterAll(async () => {
  await example?.stop();
  await sandbox?.close();
});

afterEach(() => {
  // The sandbox keeps per-number state; each test uses its own numbers, so only the clock moves back.
  clock.offset = 0;
});

type Agent = ReturnType<typeof request.agent>;

async function getToken(agent: Agent, path = '/login'): Promise<string> {
  const page = await agent.get(path).expect(200);
  return csrfFrom(page.text);
}

/** Phone -> code page. Returns the agent's current CSRF token. */
async function sendCode(agent: Agent, phone: string): Promise<string> {
  const token = await getToken(agent);
  await agent.post('/login/phone').type('form').send({ _csrf: token, phoneNumber: phone }).expect(303).expect('location', '/login/code');
  const codePage = await agent.get('/login/code').expect(200);
  return csrfFrom(codePage.text);
}

async function signInByPhone(agent: Agent, phone: string): Promise<void> {
  const token = await sendCode(agent, phone);
  await agent.post('/login/code').type('form').send({ _csrf: token, code: sandbox.latestCode(phone) }).expect(303);
}

describe('pages', () => {
  it('renders the phone form with labels, a CSRF field and hardened headers', async () => {
    const res = await request(example.url).get('/login').expect(200).expect('content-type', /text\/html/);
    expect(res.text).toContain('<label for="phoneNumber">Phone number</label>');
    expect(res.text).toContain('id="phoneNumber" name="phoneNumber" type="tel"');
    expect(res.text).toMatch(/name="_csrf" value="[A-Za-z0-9_-]{43}"/);
    expect(res.text).toContain('Sandbox mode');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-powered-by']).toBeUndefined();
    // A page view stores no session: the only cookie is the CSRF one (see test/example/sessions.test.ts).
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).join('\n');
    expect(cookie).toMatch(/^pd\.csrf=/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).not.toContain('pd.sid');
    expect(cookie).not.toContain('connect.sid');
  });

  it('sends / to the login page when signed out, and unknown pages get a 404 page', async () => {
    await request(example.url).get('/').expect(303).expect('location', '/login');
    const res = await request(example.url).get('/nope').expect(404);
    expect(res.text).toContain('Page not found');
  });

  it('renders the password form of the second-factor demo', async () => {
    const res = await request(example.url).get('/login/password').expect(200);
    expect(res.text).toContain('<label for="username">Username</label>');
    expect(res.text).toContain('autocomplete="current-password"');
    expect(res.text).toContain(`Demo user: ${DEFAULT_DEMO_USER.username}`);
  });
});

describe('phone login', () => {
  it('sends a code, shows the masked number, verifies, and lands on the profile with a new session id', async () => {
    const agent = request.agent(example.url);
    const phone = nextPhone();
    const first = await agent.get('/login').expect(200);
    expect(sessionCookie(first.headers['set-cookie'])).toBeUndefined();
    const sent = await agent.post('/login/phone').type('form').send({ _csrf: csrfFrom(first.text), phoneNumber: phone }).expect(303).expect('location', '/login/code');
    const sidBefore = sessionCookie(sent.headers['set-cookie']);
    expect(sidBefore).toBeDefined();

    const codePage = await agent.get('/login/code').expect(200);
    expect(codePage.headers['cache-control']).toBe('no-store');
    expect(codePage.text).toContain('inputmode="numeric"');
    expect(codePage.text).toContain('autocomplete="one-time-code"');
    expect(codePage.text).toContain(`+1•••••${phone.slice(-4)}`);
    expect(codePage.text).not.toContain(phone);
    expect(codePage.text).toContain('Send a new code');
    expect(codePage.text).toMatch(/You can ask for a new code in 30 seconds/);
    expect(codePage.text).toContain('5 attempts left');

    const code = sandbox.latestCode(phone);
    expect(code).toMatch(/^\d{6}$/);
    const done = await agent.post('/login/code').type('form').send({ _csrf: csrfFrom(codePage.text), code }).expect(303).expect('location', '/account');
    const sidAfter = sessionCookie(done.headers['set-cookie']);
    expect(sidAfter).toBeDefined();
    expect(sidAfter).not.toBe(sidBefore);

    const profile = await agent.get('/account').expect(200);
    expect(profile.text).toContain('Hello, Phone user');
    expect(profile.text).toContain(`+1 201 ${phone.slice(5, 8)}`);
    expect(profile.text).toContain('Sign out');
    expect(profile.headers['cache-control']).toBe('no-store');

    // Signed in: the login page sends you on; the spent code finds nothing pending any more.
    await agent.get('/login').expect(303).expect('location', '/account');
    await agent.post('/api/login/verify').set('x-csrf-token', csrfFrom(profile.text)).send({ code }).expect(403);
  });

  it('shows the failure on the code page for a wrong code, with attempts left', async () => {
    const agent = request.agent(example.url);
    const phone = nextPhone();
    const token = await sendCode(agent, phone);
    const wrong = wrongCode(sandbox.latestCode(phone));
    const res = await agent.post('/login/code').type('form').send({ _csrf: token, code: wrong }).expect(401);
    expect(res.text).toContain('role="alert"');
    expect(res.text).toContain('That code is not correct.');
    expect(res.text).toContain('4 attempts left');
    expect(res.text).toContain('autocomplete="one-time-code"');
    // Still possible to sign in with the right code afterwards.
    await agent.post('/login/code').type('form').send({ _csrf: token, code: sandbox.latestCode(phone) }).expect(303).expect('location', '/account');
  });

  it('refuses a malformed number on the form page, escaping what was typed', async () => {
    const agent = request.agent(example.url);
    const token = await getToken(agent);
    const res = await agent.post('/login/phone').type('form').send({ _csrf: token, phoneNumber: '"><script>alert(1)</script>' }).expect(400);
    expect(res.text).toContain('That phone number is not valid.');
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(res.text).toContain('&quot;&gt;&lt;script&gt;');
  });

  it('asks for the number again when the code expired', async () => {
    const agent = request.agent(example.url);
    const phone = nextPhone();
    const token = await sendCode(agent, phone);
    clock.advance(11 * 60 * 1000);
    const res = await agent.post('/login/code').type('form').send({ _csrf: token, code: sandbox.latestCode(phone) }).expect(401);
    expect(res.text).toContain('That code has expired.');
    expect(res.text).toContain('name="phoneNumber"');
    await agent.get('/login/code').expect(303).expect('location', '/login');
  });

  it('resends: too soon shows the wait, then a new code arrives and works', async () => {
    const agent = request.agent(example.url);
    const phone = nextPhone();
    const token = await sendCode(agent, phone);
    const early = await agent.post('/login/resend').type('form').send({ _csrf: token }).expect(429);
    expect(early.headers['retry-after']).toBe('30');
    expect(early.text).toContain('Please wait before requesting another code.');
    expect(early.text).toContain('You can try again in 30 seconds.');
    const calls = sandbox.stats().byOperation.retry ?? 0;

    clock.advance(31_000);
    await agent.post('/login/resend').type('form').send({ _csrf: token }).expect(303).expect('location', '/login/code');
    expect(sandbox.stats().byOperation.retry).toBe(calls + 1);
    const page = await agent.get('/login/code').expect(200);
    expect(page.text).toContain('A new code is on its way.');
    expect(page.text).toMatch(/resends? left/);
    await agent.post('/login/code').type('form').send({ _csrf: csrfFrom(page.text), code: sandbox.latestCode(phone) }).expect(303).expect('location', '/account');
  });

  it('signs out with a POST and ends the session', async () => {
    const agent = request.agent(example.url);
    await signInByPhone(agent, nextPhone());
    const profile = await agent.get('/account').expect(200);
    await agent.post('/logout').type('form').send({ _csrf: csrfFrom(profile.text) }).expect(303).expect('location', '/login?signedOut=1');
    const login = await agent.get('/login?signedOut=1').expect(200);
    expect(login.text).toContain('You are signed out.');
    await agent.get('/account').expect(303).expect('location', '/login?returnTo=%2Faccount');
  });
});

describe('CSRF', () => {
  it('refuses forms without the token or with another session\'s token, before any SMS is sent', async () => {
    const agent = request.agent(example.url);
    await getToken(agent);
    const otherToken = await getToken(request.agent(example.url));
    const sends = sandbox.stats().byOperation.createAuthentication ?? 0;

    const none = await agent.post('/login/phone').type('form').send({ phoneNumber: nextPhone() }).expect(403);
    expect(none.text).toContain('This form has expired');
    await agent.post('/login/phone').type('form').send({ _csrf: otherToken, phoneNumber: nextPhone() }).expect(403);
    await agent.post('/login/phone').type('form').send({ _csrf: 'x'.repeat(256), phoneNumber: nextPhone() }).expect(403);
    expect(sandbox.stats().byOperation.createAuthentication ?? 0).toBe(sends);
  });

  it('protects sign-out and the JSON API too', async () => {
    const agent = request.agent(example.url);
    await signInByPhone(agent, nextPhone());
    await agent.post('/logout').type('form').send({}).expect(403);
    await agent.get('/account').expect(200);
    const api = await agent.post('/api/login/send').send({ phoneNumber: nextPhone() }).expect(403);
    expect(api.body).toEqual({ code: 'invalid_csrf_token', message: expect.any(String) });
  });
});

describe('return-to', () => {
  it('accepts same-site relative paths only', () => {
    expect(safeReturnTo('/account')).toBe('/account');
    expect(safeReturnTo('/account?tab=2#x')).toBe('/account?tab=2#x');
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example/', 'http:/evil', 'javascript:alert(1)',
      'evil.example', '', '/\t/evil.example', '/%0d%0aSet-Cookie:x', undefined, ['/a'], 42]) {
      const out = safeReturnTo(bad);
      if (out !== undefined) expect(out.startsWith('/') && !out.startsWith('//')).toBe(true);
      if (typeof bad === 'string' && !bad.startsWith('/')) expect(out).toBeUndefined();
    }
    expect(safeReturnTo('//evil.example')).toBeUndefined();
    expect(safeReturnTo('/\\evil.example')).toBeUndefined();
    expect(safeReturnTo('/\t/evil.example')).toBeUndefined();
  });

  it('returns to a safe page after login and ignores an unsafe one', async () => {
    const safe = request.agent(example.url);
    const phone = nextPhone();
    const page = await safe.get('/login?returnTo=%2Faccount%3Ffrom%3Dmail').expect(200);
    expect(hiddenFrom(page.text, 'returnTo')).toBe('/account?from=mail');
    await safe.post('/login/phone').type('form').send({ _csrf: csrfFrom(page.text), phoneNumber: phone, returnTo: hiddenFrom(page.text, 'returnTo') }).expect(303);
    const code = await safe.get('/login/code');
    await safe.post('/login/code').type('form').send({ _csrf: csrfFrom(code.text), code: sandbox.latestCode(phone) })
      .expect(303).expect('location', '/account?from=mail');

    for (const target of ['//evil.example/x', 'https://evil.example/x', '/\\evil.example']) {
      const agent = request.agent(example.url);
      const p = nextPhone();
      const login = await agent.get('/login').query({ returnTo: target }).expect(200);
      expect(hiddenFrom(login.text, 'returnTo')).toBeUndefined();
      // Posted straight, past the page: the form value is checked again.
      await agent.post('/login/phone').type('form').send({ _csrf: csrfFrom(login.text), phoneNumber: p, returnTo: target }).expect(303);
      const c = await agent.get('/login/code');
      await agent.post('/login/code').type('form').send({ _csrf: csrfFrom(c.text), code: sandbox.latestCode(p) })
        .expect(303).expect('location', '/account');
    }
  });

  it('brings a signed-out visitor back to the page they asked for', async () => {
    const agent = request.agent(example.url);
    const away = await agent.get('/account/security').expect(303).expect('location', '/login?returnTo=%2Faccount%2Fsecurity');
    expect(sessionCookie(away.headers['set-cookie'])).toBeUndefined();
    const login = await agent.get('/login?returnTo=%2Faccount%2Fsecurity').expect(200);
    const phone = nextPhone();
    await agent.post('/login/phone').type('form')
      .send({ _csrf: csrfFrom(login.text), phoneNumber: phone, returnTo: hiddenFrom(login.text, 'returnTo') }).expect(303);
    const code = await agent.get('/login/code').expect(200);
    // Signed in with the phone: the page asks for its fresh second factor next, as it should.
    await agent.post('/login/code').type('form').send({ _csrf: csrfFrom(code.text), code: sandbox.latestCode(phone) })
      .expect(303).expect('location', '/account/security');
  });
});

describe('second factor', () => {
  const { username, password, phone } = DEFAULT_DEMO_USER;

  it('password, then an SMS code to the stored phone (never a number from the form), then both-factor pages', async () => {
    const agent = request.agent(example.url);
    const form = await agent.get('/login/password').expect(200);
    const wrong = await agent.post('/login/password').type('form').send({ _csrf: csrfFrom(form.text), username, password: 'nope' }).expect(401);
    expect(wrong.text).toContain('Wrong username or password.');

    const sends = sandbox.stats().byOperation.createAuthentication ?? 0;
    const attacker = nextPhone();
    await agent.post('/login/password').type('form')
      .send({ _csrf: csrfFrom(wrong.text), username, password, phoneNumber: attacker })
      .expect(303).expect('location', '/2fa/code');
    expect(sandbox.stats().byOperation.createAuthentication).toBe(sends + 1);
    expect(sandbox.latestCode(attacker)).toBeUndefined();

    // Half signed in: the profile waits for the second factor.
    await agent.get('/account').expect(303).expect('location', '/2fa');
    const codePage = await agent.get('/2fa/code').expect(200);
    expect(codePage.text).toContain('Confirm it is you');
    expect(codePage.text).toContain('+1•••••0123');
    expect(codePage.text).toContain('autocomplete="one-time-code"');
    expect(codePage.headers['cache-control']).toBe('no-store');

    const bad = await agent.post('/2fa/code').type('form').send({ _csrf: csrfFrom(codePage.text), code: wrongCode(sandbox.latestCode(phone)) }).expect(401);
    expect(bad.text).toContain('That code is not correct.');
    await agent.post('/2fa/code').type('form').send({ _csrf: csrfFrom(bad.text), code: sandbox.latestCode(phone) })
      .expect(303).expect('location', '/account');

    const profile = await agent.get('/account').expect(200);
    expect(profile.text).toContain(`Hello, ${username}`);
    expect(profile.text).toContain('password + SMS code');
    await agent.get('/account/security').expect(200);

    // The passed factor goes stale; the guard asks again.
    clock.advance(31 * 60 * 1000);
    await agent.get('/account/security').expect(303).expect('location', '/2fa');
  });

  it('steps a phone-login user up before a both-factor page, then returns there', async () => {
    const agent = request.agent(example.url);
    const own = nextPhone();
    await signInByPhone(agent, own);
    await agent.get('/account/security').expect(303).expect('location', '/2fa');
    const start = await agent.get('/2fa').expect(200);
    expect(start.text).toContain(`+1•••••${own.slice(-4)}`);
    await agent.post('/2fa/send').type('form').send({ _csrf: csrfFrom(start.text) }).expect(303).expect('location', '/2fa/code');
    const page = await agent.get('/2fa/code').expect(200);
    await agent.post('/2fa/code').type('form').send({ _csrf: csrfFrom(page.text), code: sandbox.latestCode(own) })
      .expect(303).expect('location', '/account/security');
    await agent.get('/account/security').expect(200);
  });

  it('offers a new code once every attempt is spent', async () => {
    const agent = request.agent(example.url);
    const own = nextPhone();
    await signInByPhone(agent, own);
    const start = await agent.get('/2fa').expect(200);
    await agent.post('/2fa/send').type('form').send({ _csrf: csrfFrom(start.text) }).expect(303);
    let token = csrfFrom((await agent.get('/2fa/code').expect(200)).text);
    const wrong = wrongCode(sandbox.latestCode(own));
    for (let i = 0; i < 4; i += 1) {
      await agent.post('/2fa/code').type('form').send({ _csrf: token, code: wrong }).expect(401);
    }
    // The wrong code that spends the budget drops the pending code: 429 too_many_attempts.
    const last = (await agent.post('/2fa/code').type('form').send({ _csrf: token, code: wrong }).expect(429)).text;
    expect(last).toContain('Too many wrong codes. Request a new one.');
    expect(last).toContain('action="/2fa/send"');
    expect(last).not.toContain('name="code"');
    token = csrfFrom(last);
    clock.advance(31_000);
    await agent.post('/2fa/send').type('form').send({ _csrf: token }).expect(303).expect('location', '/2fa/code');
    const page = await agent.get('/2fa/code').expect(200);
    expect(page.text).toContain('5 attempts left');
    await agent.post('/2fa/code').type('form').send({ _csrf: csrfFrom(page.text), code: sandbox.latestCode(own) })
      .expect(303).expect('location', '/account');
  });

  it('keeps the second-factor steps for signed-in users', async () => {
    await request(example.url).get('/2fa').expect(303).expect('location', '/login');
  });
});

describe('JSON API', () => {
  async function session(agent: Agent): Promise<string> {
    const res = await agent.get('/api/session').expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    return res.body.csrfToken as string;
  }

  it('send, wrong code, resend too soon, right code, me, logout', async () => {
    const agent = request.agent(example.url);
    const token = await session(agent);
    const phone = nextPhone();

    const sent = await agent.post('/api/login/send').set('x-csrf-token', token).send({ phoneNumber: phone }).expect(200);
    expect(sent.body.pending).toMatchObject({ phoneNumber: `+1•••••${phone.slice(-4)}`, attemptsLeft: 5 });
    expect(Date.parse(sent.body.pending.expiresAt)).toBeGreaterThan(clock.now());
    expect(JSON.stringify(sent.body)).not.toContain(phone);

    const wrong = await agent.post('/api/login/verify').set('x-csrf-token', token).send({ code: '12' }).expect(400);
    expect(wrong.body).toMatchObject({ code: 'malformed_code', message: 'Enter the code we sent you, digits only.' });

    const soon = await agent.post('/api/login/resend').set('x-csrf-token', token).send({}).expect(429);
    expect(soon.body).toEqual({ code: 'retry_too_soon', message: expect.any(String), retryAfter: 30 });
    expect(soon.headers['retry-after']).toBe('30');

    await agent.get('/api/me').expect(401, { code: 'not_signed_in', message: 'Sign in first.' });
    const ok = await agent.post('/api/login/verify').set('x-csrf-token', token).send({ code: sandbox.latestCode(phone) }).expect(200);
    expect(ok.body.user).toMatchObject({ name: 'Phone user', signedIn: true, secondFactor: false });
    expect(ok.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ok.body.csrfToken).not.toBe(token);

    await agent.get('/api/me').expect(200);
    await agent.post('/api/logout').set('x-csrf-token', ok.body.csrfToken as string).expect(204);
    await agent.get('/api/me').expect(401);
  });

  it('refuses with { code, message } for a bad number, a missing code and nothing pending', async () => {
    const agent = request.agent(example.url);
    const token = await session(agent);
    const bad = await agent.post('/api/login/send').set('x-csrf-token', token).send({ phoneNumber: '12' }).expect(400);
    expect(bad.body).toEqual({ code: 'invalid_phone_number', message: 'That phone number is not valid.' });
    const none = await agent.post('/api/login/verify').set('x-csrf-token', token).send({ code: '123456' }).expect(403);
    expect(none.body.code).toBe('no_pending_verification');
    await agent.post('/api/nope').set('x-csrf-token', token).expect(404, { code: 'not_found', message: 'No such endpoint.' });
  });

  it('runs the second factor over JSON', async () => {
    const agent = request.agent(example.url);
    const token = await session(agent);
    const { username, password, phone } = DEFAULT_DEMO_USER;
    const pw = await agent.post('/api/login/password').set('x-csrf-token', token).send({ username, password }).expect(200);
    expect(pw.body.user).toMatchObject({ signedIn: false, secondFactor: false });
    const t2 = pw.body.csrfToken as string;
    await agent.get('/api/me').expect(401, { code: 'second_factor_required', message: 'Confirm the code we text you first.' });
    const sent = await agent.post('/api/2fa/send').set('x-csrf-token', t2).send({ phoneNumber: nextPhone() }).expect(200);
    expect(sent.body.pending.phoneNumber).toBe('+1•••••0123');
    const ok = await agent.post('/api/2fa/verify').set('x-csrf-token', t2).send({ code: sandbox.latestCode(phone) }).expect(200);
    expect(ok.body.user).toMatchObject({ signedIn: true, secondFactor: true });
    await agent.get('/api/me').expect(200);
  });
});

describe('abuse limits (library defaults)', () => {
  let fresh: RunningExample;
  beforeAll(async () => {
    fresh = await startExample(sandbox, clock);
  });
  afterAll(async () => {
    await fresh?.stop();
  });

  async function send(phone: string): Promise<request.Response> {
    const agent = request.agent(fresh.url);
    const token = await getToken(agent);
    return agent.post('/login/phone').type('form').send({ _csrf: token, phoneNumber: phone });
  }

  it('refuses a sixth code to one number within the hour, with the wait on the page', async () => {
    const phone = nextPhone();
    expect((await send(phone)).status).toBe(303);
    // A second code within the resend cooldown (30 s), from any session, is refused too.
    expect((await send(phone)).status).toBe(429);
    for (let i = 1; i < 5; i += 1) {
      clock.advance(31_000);
      expect((await send(phone)).status).toBe(303);
    }
    clock.advance(31_000);
    const sends = sandbox.stats().byOperation.createAuthentication ?? 0;
    const sixth = await send(phone);
    expect(sixth.status).toBe(429);
    expect(sixth.text).toContain('Too many requests. Try again later.');
    expect(sixth.text).toMatch(/You can try again in \d+ minutes\./);
    expect(Number(sixth.headers['retry-after'] ?? 0)).toBeGreaterThan(0);
    expect(sandbox.stats().byOperation.createAuthentication).toBe(sends);
  });

  it('refuses more than 30 codes an hour for one IP', async () => {
    let sent = 0;
    let refused: request.Response | undefined;
    for (let i = 0; i < 40 && !refused; i += 1) {
      // Numbers from ten blocks: the number-block budget (20 an hour) is not what this counts.
      const res = await send(`+1201555${i % 10}${String(500 + i).slice(-3)}`);
      if (res.status === 303) sent += 1;
      else refused = res;
    }
    // The previous test spent 5 of this app's 30 for 127.0.0.1.
    expect(sent).toBe(25);
    expect(refused?.status).toBe(429);
  });
});

describe('upstream faults', () => {
  it('shows a short "try again" page and JSON, without internals', async () => {
    const agent = request.agent(example.url);
    const token = await getToken(agent);
    sandbox.fail({ mode: 'http500', operation: 'createAuthentication' });
    const page = await agent.post('/login/phone').type('form').send({ _csrf: token, phoneNumber: nextPhone() }).expect(503);
    expect(page.text).toContain('Codes are unavailable right now');
    expect(page.text).not.toMatch(/Error:|at .*\.ts|internal_server_error|sandbox_/);

    sandbox.fail({ mode: 'forbidden', operation: 'createAuthentication' });
    const api = await agent.post('/api/login/send').set('x-csrf-token', token).send({ phoneNumber: nextPhone() }).expect(503);
    expect(api.body).toEqual({ code: 'otp_unavailable', message: expect.any(String) });
    expect(JSON.stringify(api.body)).not.toContain(sandbox.apiKey);
  });
});

describe('logging', () => {
  it('drops secret-looking fields and masks stray numbers', () => {
    const lines: string[] = [];
    const log = createLogger((line) => lines.push(line));
    log.info('test', { phone: '+12015550142', code: '123456', apiKey: 'k_live', sid: 'abc', note: 'sent to +1 201 555 0142 (code 654321)', user: 'phone-3f9a0123bc', status: 200 });
    const [line] = lines;
    expect(line).toContain('code=[redacted]');
    expect(line).toContain('apiKey=[redacted]');
    expect(line).toContain('sid=[redacted]');
    expect(line).toContain('user=phone-3f9a0123bc');
    expect(line).toContain('status=200');
    for (const secret of ['2015550142', '201 555 0142', '123456', '654321', 'k_live']) expect(line).not.toContain(secret);
  });

  it('never logs a code, a full phone number, a session id or the API key', async () => {
    example.logs.length = 0;
    const agent = request.agent(example.url);
    const phone = nextPhone();
    const first = await agent.get('/login');
    const sent = await agent.post('/login/phone').type('form').send({ _csrf: csrfFrom(first.text), phoneNumber: phone }).expect(303);
    const sid = decodeURIComponent(sessionCookie(sent.headers['set-cookie']) ?? '').slice(2).split('.')[0] ?? '';
    const code = sandbox.latestCode(phone) ?? '';
    const page = await agent.get('/login/code');
    await agent.post('/login/code').type('form').send({ _csrf: csrfFrom(page.text), code: '999999' === code ? '888888' : '999999' });
    await agent.post('/login/code').type('form').send({ _csrf: csrfFrom(page.text), code }).expect(303);

    const log = example.logs.join('\n');
    expect(example.logs.length).toBeGreaterThan(4);
    expect(log).toContain('login.signed_in');
    expect(sid.length).toBeGreaterThan(10);
    for (const secret of [code, phone, phone.slice(1), phone.slice(2), sid, sandbox.apiKey]) expect(log).not.toContain(secret);
  });
  it('logs the whole path of a request answered inside a mounted router (/api/...)', async () => {
    example.logs.length = 0;
    const agent = request.agent(example.url);
    const token = ((await agent.get('/api/session').expect(200)).body as { csrfToken: string }).csrfToken;
    await agent.post('/api/login/send').set('x-csrf-token', token).send({ phoneNumber: nextPhone() }).expect(200);
    const http = example.logs.filter((line) => / http method=POST /.test(line));
    expect(http).toHaveLength(1);
    expect(http[0]).toContain('path=/api/login/send ');
  });
});

describe('a session store that fails at login', () => {
  it('answers 500 and leaves nobody signed in, not even on the next request', async () => {
    const store = new FailingStore();
    const failing = await startExample(sandbox, clock, { sessionStore: store });
    try {
      const agent = request.agent(failing.url);
      const token = (await agent.get('/api/session').expect(200)).body.csrfToken as string;
      const phone = nextPhone();
      await agent.post('/api/login/send').set('x-csrf-token', token).send({ phoneNumber: phone }).expect(200);
      // The first save that would hold a signed-in user fails, as a Redis blip mid-login would; the
      // store works again by the time express-session saves once more at the end of the response.
      let blips = 1;
      store.failWhen = (op, _sid, data) =>
        op === 'set' && (data as { passport?: { user?: unknown } } | undefined)?.passport?.user !== undefined && blips-- > 0;
      const res = await agent.post('/api/login/verify').set('x-csrf-token', token).send({ code: sandbox.latestCode(phone) });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ code: 'internal_error', message: expect.stringContaining('try again') });
      expect(res.text).not.toContain('redis://');
      expect(store.failed.set).toBe(1);
      // No session in the store holds the user: not the one the client has, nor an orphan.
      expect(store.loggedIn()).toEqual([]);
      await agent.get('/api/me').expect(401);
    } finally {
      await failing.stop();
    }
  });
});
