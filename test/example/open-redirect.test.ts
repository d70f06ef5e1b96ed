// Open redirect after login (issue 13, item 10). The URL parser normalises `/.//evil.example/x`,
// `/%2e//evil.example/x` and `/a/..//evil.example/x` into `//evil.example/x`, which a browser
// follows to another host. Each form goes through the whole login (real HTTP, real
// express-session) and the answer's Location must stay on this site.
import { phoneSequence } from '../helpers/phones.js';
import request from 'supertest';
import type { DingSandbox } from 'passport-ding/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_USER } from '../../example/app.js';
import { safeReturnTo } from '../../example/security.js';
import { csrfFrom, hiddenFrom, startExample, startSandbox, TestClock, type RunningExample } from '../helpers/example-app.js';

/** Forms that must never leave the site, as a query value (decoded once by Express). */
export const HOSTILE_RETURN_TO = [
  '/.//evil.example/x',
  '/%2e//evil.example/x',
  '/%2E//evil.example/x',
  '/a/..//evil.example/x',
  '/a/%2e%2e//evil.example/x',
  '/././/evil.example/x',
  '/..//evil.example/x',
  '/%2e%2e//evil.example/x',
  '/.%2e//evil.example/x',
  '/a/b/../..//evil.example/x',
  '/a/.././/evil.example',
  '/.///evil.example',
  '/./\\evil.example',
  '/%5cevil.example',
  '/%5C%5Cevil.example',
  '/.\\/evil.example',
  '//evil.example/x',
  '///evil.example/x',
  '/\\evil.example',
  '/\t/evil.example',
  '/.%09/evil.example',
  '/\n/evil.example',
  'https://evil.example/x',
  'http:evil.example',
  'javascript:alert(1)',
  ' /evil',
];

/** Where a browser on http://site.invalid/login/code would go for this Location. */
function destination(location: string): string {
  return new URL(location, 'http://site.invalid/login/code').host;
}

describe('safeReturnTo', () => {
  it('refuses every form that normalises to another host', () => {
    for (const value of HOSTILE_RETURN_TO) {
      const out = safeReturnTo(value);
      if (out !== undefined) expect(destination(out), `${JSON.stringify(value)} -> ${out}`).toBe('site.invalid');
    }
    expect(safeReturnTo('/.//evil.example/x')).toBeUndefined();
    expect(safeReturnTo('/%2e//evil.example/x')).toBeUndefined();
    expect(safeReturnTo('/a/..//evil.example/x')).toBeUndefined();
  });

  it('keeps ordinary paths, normalised', () => {
    expect(safeReturnTo('/account')).toBe('/account');
    expect(safeReturnTo('/account/security?tab=2#top')).toBe('/account/security?tab=2#top');
    expect(safeReturnTo('/a/../account')).toBe('/account');
    expect(safeReturnTo('/./account')).toBe('/account');
    expect(safeReturnTo('/search?q=//evil.example')).toBe('/search?q=//evil.example');
  });
});

describe('return-to through the whole login', () => {
  const clock = new TestClock();
  let sandbox: DingSandbox;
  let example: RunningExample;
  const seq = 600;
  const nextPhone = phoneSequence(seq * 100);

  beforeAll(async () => {
    sandbox = await startSandbox(clock);
    example = await startExample(sandbox, clock, { limits: { sendsPerIp: { points: 1000, durationSeconds: 3600 } } });
  });
  afterAll(async () => {
    await example?.stop();
    await sandbox?.close();
  });

  it.each(HOSTILE_RETURN_TO)('phone login with returnTo=%j lands on this site', async (target) => {
    const agent = request.agent(example.url);
    const phone = nextPhone();
    const login = await agent.get('/login').query({ returnTo: target }).expect(200);
    // Whether the page carried it or not, a hostile value posted straight is checked too.
    const carried = hiddenFrom(login.text, 'returnTo');
    await agent.post('/login/phone').type('form').send({ _csrf: csrfFrom(login.text), phoneNumber: phone, returnTo: carried ?? target }).expect(303);
    const code = await agent.get('/login/code').expect(200);
    const done = await agent.post('/login/code').type('form').send({ _csrf: csrfFrom(code.text), code: sandbox.latestCode(phone) }).expect(303);
    expect(destination(done.headers.location ?? '')).toBe('site.invalid');
    // Signed in, the login page follows a returnTo at once: the same check applies.
    const again = await agent.get('/login').query({ returnTo: target }).expect(303);
    expect(destination(again.headers.location ?? '')).toBe('site.invalid');
  });

  it.each(['/.//evil.example/x', '/%2e//evil.example/x', '/a/..//evil.example/x'])(
    'password + second factor with returnTo=%j lands on this site', async (target) => {
      const agent = request.agent(example.url);
      const form = await agent.get('/login/password').query({ returnTo: target }).expect(200);
      const { username, password, phone } = DEFAULT_DEMO_USER;
      await agent.post('/login/password').type('form')
        .send({ _csrf: csrfFrom(form.text), username, password, returnTo: target }).expect(303).expect('location', '/2fa/code');
      const code = await agent.get('/2fa/code').expect(200);
      const done = await agent.post('/2fa/code').type('form').send({ _csrf: csrfFrom(code.text), code: sandbox.latestCode(phone) }).expect(303);
      expect(done.headers.location).toBe('/account');
    });

  it('a page asked for while signed out (guard redirect) is still followed', async () => {
    const agent = request.agent(example.url);
    // `/.//evil.example/x` asked for directly is a 404 here, never a remembered target.
    await agent.get('/.//evil.example/x').expect(404);
    await agent.get('/account').expect(303).expect('location', '/login?returnTo=%2Faccount');
  });
});
