// Every error page explains and links back (issue 16, item 4): 400, 403, 404, 413, 415, 500 and
// 503, each a full page in the app's layout (also when the error came before the session was
// read, as a body over the size limit does), with a heading, what to do, and a link to the
// page the visitor came from. The JSON API answers the same errors as `{ code, message }`.
import request from 'supertest';
import type { DingSandbox } from 'passport-ding/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfFrom, startExample, startSandbox, TestClock, type RunningExample } from '../helpers/example-app.js';
import { FailingStore } from '../helpers/failing-store.js';

const clock = new TestClock();
let sandbox: DingSandbox;
let example: RunningExample;

beforeAll(async () => {
  sandbox = await startSandbox(clock);
  example = await startExample(sandbox, clock, { limits: { sendsPerIp: { points: 1000, durationSeconds: 3600 } } });
});
afterAll(async () => {
  await example?.stop();
  await sandbox?.close();
});

/** The page's heading, explanation and link back; fails when any is missing. */
function explained(res: request.Response): { title: string; text: string; href: string; label: string } {
  expect(res.headers['content-type']).toMatch(/text\/html/);
  expect(res.text).toMatch(/^<!doctype html>/);
  expect(res.text).toContain('<main class="card">');
  expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  // Nothing of the machinery: no stack, no error class or upstream text.
  expect(res.text).not.toMatch(/Error:|at .*\.(ts|js)|node_modules|PayloadTooLarge|entity\.too\.large|CsrfError|sandbox_/);
  const title = /<h1>([^<]+)<\/h1>/.exec(res.text)?.[1] ?? '';
  const text = /<p class="explain">([^<]+)<\/p>/.exec(res.text)?.[1] ?? '';
  const link = /<a class="back" href="([^"]+)">([^<]+)<\/a>/.exec(res.text);
  expect(title.length).toBeGreaterThan(5);
  expect(text.length).toBeGreaterThan(30);
  expect(link).not.toBeNull();
  return { title, text, href: link?.[1] ?? '', label: link?.[2] ?? '' };
}

describe('error pages', () => {
  it('413: a 10 KB phone number gets a page that says what is too long and links back to the form', async () => {
    const agent = request.agent(example.url);
    const login = await agent.get('/login').expect(200);
    const res = await agent.post('/login/phone').type('form').send({ _csrf: csrfFrom(login.text), phoneNumber: '1'.repeat(10_000) }).expect(413);
    const page = explained(res);
    expect(page.title).toBe('That was too long');
    expect(page.text).toContain('8KB');
    expect(page).toMatchObject({ href: '/login', label: 'Back to the sign-in page' });
    // The link leads somewhere that works.
    await agent.get(page.href).expect(200);
  });

  it('400: a damaged body gets a page that says to send the form again', async () => {
    const res = await request(example.url).post('/login/password').set('content-type', 'application/x-www-form-urlencoded')
      .set('content-encoding', 'gzip').send(Buffer.from('this is not gzip')).expect(400);
    const page = explained(res);
    expect(page.title).toBe('We could not read that');
    expect(page).toMatchObject({ href: '/login/password', label: 'Back to the password form' });
  });

  it('415: a character set the parser does not read gets the same kind of page', async () => {
    const res = await request(example.url).post('/2fa/code').set('content-type', 'application/x-www-form-urlencoded; charset=klingon')
      .send('code=1').expect(415);
    expect(explained(res)).toMatchObject({ title: 'We could not read that', href: '/2fa' });
  });

  it('403: a form without its CSRF token says it expired and links back to the form', async () => {
    const res = await request(example.url).post('/login/code').type('form').send({ code: '123456' }).expect(403);
    const page = explained(res);
    expect(page.title).toBe('This form has expired');
    expect(page.text).toContain('reload the page');
    expect(page).toMatchObject({ href: '/login/code', label: 'Back to the code page' });
  });

  it('404: an unknown page links back to the start', async () => {
    const res = await request(example.url).get('/no/such/page').expect(404);
    expect(explained(res)).toMatchObject({ title: 'Page not found', href: '/', label: 'Back to the start' });
  });

  it('500: a failing session store gets a page that says it is not the visitor\'s doing', async () => {
    const store = new FailingStore();
    const failing = await startExample(sandbox, clock, { sessionStore: store });
    try {
      const agent = request.agent(failing.url);
      const login = await agent.get('/login').expect(200);
      store.failWhen = (op) => op === 'set';
      const res = await agent.post('/login/phone').type('form').send({ _csrf: csrfFrom(login.text), phoneNumber: '+12015550911' }).expect(500);
      const page = explained(res);
      expect(page.title).toBe('Something went wrong');
      expect(page.text).toContain('not something you did');
      expect(page).toMatchObject({ href: '/login', label: 'Back to the sign-in page' });
    } finally {
      await failing.stop();
    }
  });

  it('503: the OTP API down gets a page that says to try again in a minute', async () => {
    const agent = request.agent(example.url);
    const login = await agent.get('/login').expect(200);
    sandbox.fail({ mode: 'http500', operation: 'createAuthentication' });
    const res = await agent.post('/login/phone').type('form').send({ _csrf: csrfFrom(login.text), phoneNumber: '+12015550912' }).expect(503);
    expect(explained(res)).toMatchObject({ title: 'Codes are unavailable right now', href: '/login' });
  });

  it('the JSON API answers the same errors as { code, message }', async () => {
    const big = await request(example.url).post('/api/login/send').send({ phoneNumber: '1'.repeat(10_000) }).expect(413);
    expect(big.body).toEqual({ code: 'too_large', message: expect.any(String) });
    const bad = await request(example.url).post('/api/login/send').set('content-type', 'application/json').send('{"phoneNumber":').expect(400);
    expect(bad.body).toEqual({ code: 'bad_request', message: expect.any(String) });
    const csrf = await request(example.url).post('/api/login/send').send({ phoneNumber: '+12015550913' }).expect(403);
    expect(csrf.body).toEqual({ code: 'invalid_csrf_token', message: expect.any(String) });
  });
});
