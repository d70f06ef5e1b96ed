// A session cookie planted from a sibling subdomain. The example's CSRF cookie is `__Host-pd.csrf`
// over HTTPS because a sibling host (`evil.example.com`, or any page with a script on one) can set
// a cookie for the parent domain that the browser then sends here. The session cookie is the more
// valuable one to plant: with the attacker's own signed-in session id under the session cookie's
// name, the victim's browser is signed in to the attacker's account (login CSRF), and the CSRF
// check does not help, since the app renders the victim's pages with tokens for that session.
// Over HTTPS the session cookie must be `__Host-`-prefixed too, and an unprefixed one (the only
// name a sibling can set) must not be read.
//
// Plain HTTP over 127.0.0.1 with `trust proxy` and `X-Forwarded-Proto: https`, as behind a TLS
// proxy: the app sees HTTPS requests and sets its Secure cookies.
import type { DingSandbox } from 'passport-ding/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookiesFrom, csrfFrom, sandboxApi, startExample, startSandbox, TestClock, type RunningExample } from '../helpers/example-app.js';

const HTTPS = { 'x-forwarded-proto': 'https' };

describe('the example over HTTPS: a session cookie planted by a sibling subdomain', () => {
  const clock = new TestClock();
  let sandbox: DingSandbox;
  let example: RunningExample;

  beforeAll(async () => {
    sandbox = await startSandbox(clock);
    example = await startExample(sandbox, clock, {
      ding: sandboxApi(sandbox, 'prelude'),
      sessionSecret: 'session cookie planting test secret',
      secureCookies: true,
      trustProxy: 1,
      limits: false,
    });
  });

  afterAll(async () => {
    await example?.stop();
    await sandbox?.close();
  });

  /** GET or form POST over "HTTPS" with a Cookie header; the cookies after it. */
  async function go(path: string, jar: string, form?: Record<string, string>): Promise<{ res: Response; jar: string; text: string }> {
    const res = await fetch(`${example.url}${path}`, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { ...HTTPS, cookie: jar, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    return { res, jar: cookiesFrom(res, jar), text: await res.text() };
  }

  /** A phone login over "HTTPS"; the signed-in jar and the session cookie's Set-Cookie line. */
  async function signIn(phone: string): Promise<{ jar: string; sessionLine: string }> {
    const login = await go('/login', '');
    const sent = await go('/login/phone', login.jar, { _csrf: csrfFrom(login.text), phoneNumber: phone });
    expect(sent.res.status).toBe(303);
    const page = await go('/login/code', sent.jar);
    const done = await go('/login/code', page.jar, { _csrf: csrfFrom(page.text), code: sandbox.latestCode(phone) ?? '' });
    expect(done.res.status).toBe(303);
    const sessionLine = done.res.headers.getSetCookie().find((line) => /^(__Host-)?pd\.sid=/.test(line));
    if (!sessionLine) throw new Error('no session cookie');
    return { jar: done.jar, sessionLine };
  }

  it('the session cookie is __Host-pd.sid: Secure, Path=/, no Domain', async () => {
    const { sessionLine } = await signIn('+12015550931');
    expect(sessionLine.startsWith('__Host-pd.sid=')).toBe(true);
    expect(sessionLine).toMatch(/; Path=\/(;|$)/);
    expect(sessionLine).toMatch(/; Secure(;|$)/);
    expect(sessionLine).not.toMatch(/Domain=/i);
  });

  it("the attacker's signed-in session id under the unprefixed name signs nobody in", async () => {
    const attacker = await signIn('+12015550932');
    const sid = attacker.sessionLine.split(';')[0]?.split('=').slice(1).join('=') ?? '';
    // Under its own (prefixed) name the session is the attacker's...
    const own = await fetch(`${example.url}/api/me`, { headers: { ...HTTPS, cookie: attacker.jar } });
    expect(own.status).toBe(200);
    // ...and under the name a sibling subdomain can set, in the victim's browser, it is nothing.
    const planted = await fetch(`${example.url}/api/me`, { headers: { ...HTTPS, cookie: `pd.sid=${sid}` } });
    expect(planted.status).toBe(401);
    const account = await go('/account', `pd.sid=${sid}`);
    expect(account.res.status).toBe(303);
    expect(account.res.headers.get('location')).toBe('/login?returnTo=%2Faccount');
  });

  it('sign-out clears the prefixed cookie (Secure, so the browser accepts the clearing)', async () => {
    const { jar } = await signIn('+12015550933');
    const account = await go('/account', jar);
    const out = await go('/logout', account.jar, { _csrf: csrfFrom(account.text) });
    expect(out.res.status).toBe(303);
    const cleared = out.res.headers.getSetCookie().find((line) => line.startsWith('__Host-pd.sid='));
    expect(cleared).toBeDefined();
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect(cleared).toMatch(/; Secure(;|$)/);
    const after = await fetch(`${example.url}/api/me`, { headers: { ...HTTPS, cookie: jar } });
    expect(after.status).toBe(401);
  });
});
