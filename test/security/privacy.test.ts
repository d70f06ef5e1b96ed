// Privacy and enumeration. Everything the library and the example print during full flows is
// captured (console, stdout, stderr, the example's logger, and what a typical app logs about each
// error it is handed: util.inspect of the error, its stack and its cause), then searched for the
// secrets of the run: every code sent, the API key, every session id, every full phone number
// used, the demo password. Then: the send step answers a known and an unknown number alike.
import { inspect } from 'node:util';
import express from 'express';
import type { ErrorRequestHandler, Express } from 'express';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CodeEvent, DingSandbox } from 'passport-ding/sandbox';
import { FAULT_MODES } from 'passport-ding/sandbox';
import { DEFAULT_DEMO_USER } from '../../example/app.js';
import { harness } from '../helpers/harness.js';
import { securityApp } from '../helpers/security-app.js';
import { csrfFrom, startExample, startSandbox, TestClock } from '../helpers/example-app.js';
import type { RunningExample } from '../helpers/example-app.js';
import { wrongCode } from '../helpers/codes.js';

const PHONE = '+14155552671';
const OTHER = '+14155552672';
const KNOWN = '+14155552673';
const UNKNOWN = '+14155552674';
const PREMIUM = '+14155552681';

/** Everything printed while it is on: console methods, and raw writes to stdout and stderr. */
class Capture {
  readonly lines: string[] = [];
  start(): void {
    for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        this.lines.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 10 }))).join(' '));
      });
    }
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
        this.lines.push(String(chunk));
        return (original as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write);
    }
  }
  stop(): void {
    vi.restoreAllMocks();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

/** What must never be printed, collected as the run goes. */
class Secrets {
  readonly values = new Set<string>();
  add(...values: Array<string | undefined>): void {
    for (const v of values) if (v) this.values.add(v);
  }
  phone(e164: string): void {
    const national = e164.slice(2);
    this.add(e164, e164.slice(1), national, `(${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6)}`, `${national.slice(0, 3)}-${national.slice(3, 6)}-${national.slice(6)}`, `${national.slice(0, 3)} ${national.slice(3, 6)} ${national.slice(6)}`);
  }
  /** Session ids from Set-Cookie headers (`name=s%3A<sid>.<signature>`): the id and the cookie value. */
  cookies(res: request.Response): void {
    const list = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
    for (const cookie of list) {
      const value = cookie.split(';')[0]?.split('=')[1];
      if (!value) continue;
      this.add(value, decodeURIComponent(value));
      const sid = /^s:([^.]+)\./.exec(decodeURIComponent(value))?.[1];
      this.add(sid);
    }
  }
  expectAbsentFrom(text: string): void {
    expect(this.values.size).toBeGreaterThan(5);
    for (const secret of this.values) {
      if (text.includes(secret)) throw new Error(`a secret appeared in the captured output: ${secret.slice(0, 3)}… (${secret.length} chars)`);
    }
  }
}

describe('privacy: nothing secret is printed', () => {
  describe('the library, with an app that logs everything it is handed', () => {
    const secrets = new Secrets();
    const capture = new Capture();
    const h = harness(express, {
      onCode: (event: CodeEvent) => secrets.add(event.code),
      numbers: { [PREMIUM]: { lookup: { line_type: 'PremiumRate' } } },
    });

    beforeEach(() => capture.start());
    afterEach(() => capture.stop());
    afterAll(() => {
      secrets.add(h.sandbox.apiKey);
      for (const p of [PHONE, OTHER, PREMIUM]) secrets.phone(p);
      secrets.expectAbsentFrom(capture.text);
    });

    function app(options: Parameters<typeof h.strategy>[0] = {}): Express {
      // What apps commonly do: log each error in full, and each refusal's info.
      const logAll: ErrorRequestHandler = (err: Error, req, res, _next) => {
        console.error('request failed', req.method, req.path, err);
        console.error(err.stack, inspect(err.cause, { depth: 5 }), JSON.stringify(err));
        res.status(500).json({ error: err.name });
      };
      const target = securityApp({ strategy: h.strategy({ timeoutMs: 250, ...options }), users: h.users, errors: 'production' });
      const outer = express();
      outer.use((req, res, next) => {
        res.on('finish', () => console.info('http', req.method, req.originalUrl, res.statusCode, res.get('retry-after') ?? ''));
        next();
      });
      outer.use(target);
      outer.use(logAll);
      // Express's own handler in production prints err.stack: keep it, it is part of what is printed.
      return outer;
    }

    async function step(agent: TestAgent, path: string, body?: object): Promise<request.Response> {
      const res = await agent.post(path).send(body ?? {});
      secrets.cookies(res);
      // The refusal info and the public pending view, as apps log them (the user record is the app's own).
      console.log('answer', res.status, inspect(res.status >= 400 ? res.body : res.body?.pending));
      return res;
    }

    it('during a login with wrong codes, a resend, and a success', async () => {
      const target = app();
      const agent = request.agent(target);
      await step(agent, '/api/send', { phoneNumber: '(415) 555-2671', note: 'typed' });
      await step(agent, '/api/send', { phoneNumber: PHONE });
      const first = h.code(PHONE);
      await step(agent, '/api/verify', { code: wrongCode(first) });
      h.clock.advance(31_000);
      await step(agent, '/api/retry');
      const res = await step(agent, '/api/verify', { code: h.code(PHONE) });
      expect(res.status).toBe(200);
    });

    it('during every upstream fault at send, check and resend', async () => {
      const target = app({ limits: false });
      for (const mode of FAULT_MODES) {
        const agent = request.agent(target);
        h.clock.advance(31_000); // past the cooldown the previous mode's resend fault may have kept
        h.sandbox.fail({ mode, operation: 'createAuthentication' });
        expect((await step(agent, '/login/phone', { phoneNumber: OTHER })).status).toBeGreaterThanOrEqual(500);
        // A fault after which the code may have gone out keeps the number's resend cooldown.
        h.clock.advance(31_000);
        await step(agent, '/login/phone', { phoneNumber: OTHER });
        h.sandbox.fail({ mode, operation: 'check' });
        expect((await step(agent, '/login/code', { code: h.code(OTHER) })).status).toBeGreaterThanOrEqual(500);
        h.clock.advance(31_000);
        h.sandbox.fail({ mode, operation: 'retry' });
        expect((await step(agent, '/login/resend')).status).toBeGreaterThanOrEqual(500);
      }
    });

    it('during refusals: limits, gates, a wrong customer UUID', async () => {
      const limited = app({ lineTypes: true, limits: { sendsPerPhone: { points: 1, durationSeconds: 60 } } });
      const agent = request.agent(limited);
      await step(agent, '/api/send', { phoneNumber: PREMIUM });
      await step(agent, '/api/send', { phoneNumber: PHONE });
      await step(agent, '/api/send', { phoneNumber: PHONE });
      await step(request.agent(app({ customerUuid: '00000000-0000-4000-8000-000000000000' })), '/api/send', { phoneNumber: PHONE });
    });
  });

  describe('the example app', () => {
    const clock = new TestClock();
    const secrets = new Secrets();
    const capture = new Capture();
    let sandbox: DingSandbox;
    let example: RunningExample;

    beforeAll(async () => {
      sandbox = await startSandbox(clock, { onCode: (event) => secrets.add(event.code) });
      example = await startExample(sandbox, clock);
      capture.start();
    });
    afterAll(async () => {
      capture.stop();
      await example?.stop();
      await sandbox?.close();
    });

    async function session(agent: TestAgent): Promise<string> {
      const res = await agent.get('/api/session').expect(200);
      secrets.cookies(res);
      return res.body.csrfToken as string;
    }

    async function post(agent: TestAgent, path: string, token: string, body: object = {}): Promise<request.Response> {
      const res = await agent.post(path).set('x-csrf-token', token).send(body);
      secrets.cookies(res);
      return res;
    }

    it('logs nothing secret during phone logins, a second factor, refusals and a fault', async () => {
      // Phone login over the JSON API: a wrong code, then the right one.
      const api = request.agent(example.url);
      let token = await session(api);
      expect((await post(api, '/api/login/send', token, { phoneNumber: PHONE })).status).toBe(200);
      const code = sandbox.latestCode(PHONE) as string;
      expect((await post(api, '/api/login/verify', token, { code: wrongCode(code) })).status).toBe(401);
      const ok = await post(api, '/api/login/verify', token, { code });
      expect(ok.status).toBe(200);
      token = ok.body.csrfToken as string;
      expect((await post(api, '/api/logout', token)).status).toBe(204);

      // Phone login with the HTML forms, and a number typed in national format.
      const browser = request.agent(example.url);
      const login = await browser.get('/login').expect(200);
      secrets.cookies(login);
      const sent = await browser.post('/login/phone').type('form').send({ _csrf: csrfFrom(login.text), phoneNumber: '+1 (415) 555-2672' });
      secrets.cookies(sent);
      const codePage = await browser.get('/login/code').expect(200);
      const signedIn = await browser.post('/login/code').type('form').send({ _csrf: csrfFrom(codePage.text), code: sandbox.latestCode(OTHER) });
      secrets.cookies(signedIn);
      expect(signedIn.status).toBe(303);

      // Second factor for the demo user, over the API.
      const twoFactor = request.agent(example.url);
      token = await session(twoFactor);
      const password = await post(twoFactor, '/api/login/password', token, { username: DEFAULT_DEMO_USER.username, password: DEFAULT_DEMO_USER.password });
      expect(password.status).toBe(200);
      token = password.body.csrfToken as string;
      expect((await post(twoFactor, '/api/2fa/send', token)).status).toBe(200);
      const passed = await post(twoFactor, '/api/2fa/verify', token, { code: sandbox.latestCode(DEFAULT_DEMO_USER.phone) });
      expect(passed.status).toBe(200);

      // Refusals and an upstream fault.
      const refused = request.agent(example.url);
      token = await session(refused);
      expect((await post(refused, '/api/login/send', token, { phoneNumber: '415 555 2671' })).status).toBe(400);
      expect((await post(refused, '/api/login/send', token, { phoneNumber: KNOWN })).status).toBe(200);
      sandbox.fail({ mode: 'http500', operation: 'check' });
      expect((await post(refused, '/api/login/verify', token, { code: sandbox.latestCode(KNOWN) })).status).toBe(503);

      secrets.add(sandbox.apiKey, DEFAULT_DEMO_USER.password);
      for (const p of [PHONE, OTHER, KNOWN, DEFAULT_DEMO_USER.phone]) secrets.phone(p);
      const printed = [...example.logs, capture.text].join('\n');
      // The example did log these flows (so the search below searched something).
      expect(example.logs.join('\n')).toMatch(/login\.signed_in/);
      expect(example.logs.join('\n')).toMatch(/request\.error/);
      secrets.expectAbsentFrom(printed);
    });
  });
});

describe('enumeration: the send step answers a known and an unknown number alike', () => {
  /** Types and keys, recursively: what a client could tell apart without reading values. */
  function shape(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(shape);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.keys(value).sort().map((k) => [k, shape((value as Record<string, unknown>)[k])]));
    }
    return typeof value === 'string' ? `string(${value.length})` : typeof value;
  }
  const headerNames = (res: request.Response): string[] => Object.keys(res.headers).sort();
  // Headers whose values legitimately differ per response.
  const VOLATILE = new Set(['set-cookie', 'date', 'etag', 'content-security-policy']);
  const stableHeaders = (res: request.Response): Record<string, unknown> =>
    Object.fromEntries(Object.entries(res.headers).filter(([k]) => !VOLATILE.has(k)));

  function expectAlike(known: request.Response, unknown: request.Response): void {
    expect(unknown.status).toBe(known.status);
    expect(headerNames(unknown)).toEqual(headerNames(known));
    expect(stableHeaders(unknown)).toEqual(stableHeaders(known));
    expect(shape(unknown.body)).toEqual(shape(known.body));
    expect(unknown.text.length).toBe(known.text.length);
  }

  describe('the library', () => {
    const h = harness(express);
    it('for a JSON client and for the pass() route, and when both are refused by a limit', async () => {
      h.users.findOrCreate(KNOWN); // an account exists for KNOWN only
      const target = securityApp({ strategy: h.strategy({ resendCooldownSeconds: 0, limits: { sendsPerPhone: { points: 1, durationSeconds: 600 } } }), users: h.users });
      for (const path of ['/api/send', '/login/phone']) {
        const known = await request(target).post(path).send({ phoneNumber: KNOWN });
        const unknown = await request(target).post(path).send({ phoneNumber: UNKNOWN });
        expectAlike(known, unknown);
      }
      // Second send for each: both refused by the per-phone limit, alike.
      const known = await request(target).post('/api/send').send({ phoneNumber: KNOWN });
      const unknown = await request(target).post('/api/send').send({ phoneNumber: UNKNOWN });
      expect(known.body.code).toBe('rate_limited');
      expectAlike(known, unknown);
    });
  });

  describe('the example app', () => {
    const clock = new TestClock();
    let sandbox: DingSandbox;
    let example: RunningExample;
    beforeAll(async () => {
      sandbox = await startSandbox(clock);
      example = await startExample(sandbox, clock);
    });
    afterAll(async () => {
      await example?.stop();
      await sandbox?.close();
    });

    it('for the demo user\'s number and a number no account has, in pages and in JSON', async () => {
      const known = DEFAULT_DEMO_USER.phone;
      const unknown = '+12015550199';
      const answers: request.Response[] = [];
      for (const phone of [known, unknown]) {
        const agent = request.agent(example.url);
        const page = await agent.get('/login').expect(200);
        answers.push(await agent.post('/login/phone').type('form').send({ _csrf: csrfFrom(page.text), phoneNumber: phone }));
      }
      expect(answers[0]?.status).toBe(303);
      expectAlike(answers[0] as request.Response, answers[1] as request.Response);

      // Past the resend cooldown, which refuses a second code to a number within 30 s.
      clock.advance(31_000);
      const json: request.Response[] = [];
      for (const phone of [known, unknown]) {
        const agent = request.agent(example.url);
        const token = (await agent.get('/api/session').expect(200)).body.csrfToken as string;
        json.push(await agent.post('/api/login/send').set('x-csrf-token', token).send({ phoneNumber: phone }));
      }
      expect(json[0]?.status).toBe(200);
      expectAlike(json[0] as request.Response, json[1] as request.Response);
    });
  });
});
