// examples/minimal/server.mjs as a user gets it: the file copied into a folder of its own with
// only its four dependencies installed beside it (passport-ding is the built package, dist/;
// `npm test` builds first), run with `node` and no credentials, so on the embedded sandbox over
// Prelude V2. Chromium signs in with the printed code after three wrong ones, and each refusal
// shows its message once: the pattern does not pile messages up.
import { spawn, type ChildProcess } from 'node:child_process';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { DingOtpStrategy, pendingVerification } from 'passport-ding';
import { startDingSandbox } from 'passport-ding/sandbox';
import request from 'supertest';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { copyFile, mkdir, rm, symlink } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumGate } from '../helpers/env.js';
import { launchChromium } from '../helpers/chromium.js';
import { wrongCode } from '../helpers/codes.js';

const SUITE = 'examples/minimal (test/e2e/minimal.test.ts)';
const root = fileURLToPath(new URL('../../', import.meta.url));
const source = `${root}examples/minimal/server.mjs`;
const copy = `${root}test-output/minimal-copy/`;

describe('examples/minimal/server.mjs, the file', () => {
  it('is well under 100 lines and imports nothing but its four packages and node:', () => {
    const text = readFileSync(source, 'utf8');
    expect(text.split('\n').length).toBeLessThan(100);
    const imports = [...text.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
    expect(new Set(imports)).toEqual(new Set(['node:crypto', 'express', 'express-session', 'passport', 'passport-ding', 'passport-ding/sandbox']));
  });
});

// Why the minimal example renders messages itself: the pattern it replaces (Passport's
// failureMessage, shown from req.session.messages) keeps every earlier message. This proves the
// count above can see a pile when there is one.
describe('the failureMessage + req.session.messages pattern', () => {
  it('piles up: three wrong codes, three copies of the message', async () => {
    const sandbox = await startDingSandbox();
    const auth = new passport.Passport();
    const strategy = new DingOtpStrategy({ provider: 'prelude', apiKey: sandbox.apiKey, baseUrl: sandbox.preludeUrl }, async (phone) => ({ id: phone }));
    auth.use('ding', strategy);
    auth.serializeUser((user, done) => done(null, (user as { id: string }).id));
    auth.deserializeUser((id: string, done) => done(null, { id }));
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.use(session({ secret: 'pile', resave: false, saveUninitialized: false }));
    app.use(auth.session());
    app.post('/login/phone', auth.authenticate('ding', { action: 'send', failureRedirect: '/login', failureMessage: true }), (_req, res) => res.redirect('/login/code'));
    app.post('/login/code', auth.authenticate('ding', { action: 'verify', successRedirect: '/', failureRedirect: '/login/code', failureMessage: true }));
    app.get('/login/code', (req, res) => {
      const messages = (req.session as { messages?: string[] }).messages ?? [];
      res.send(`${pendingVerification(req) ? 'pending' : ''}${messages.map((m) => `<p role="alert">${m}</p>`).join('')}`);
    });
    try {
      const agent = request.agent(app);
      await agent.post('/login/phone').type('form').send({ phoneNumber: '+12015550196' }).expect(302);
      const wrong = wrongCode(sandbox.latestCode('+12015550196'));
      for (let i = 0; i < 3; i += 1) await agent.post('/login/code').type('form').send({ code: wrong }).expect(302);
      const page = await agent.get('/login/code').expect(200);
      expect(page.text.split('That code is not correct.').length - 1).toBe(3);
    } finally {
      await strategy.close();
      await sandbox.close();
    }
  });
});

/** The file in a folder of its own, as after `npm install passport-ding passport express express-session`. */
async function copyMinimal(folder: string): Promise<void> {
  if (!existsSync(`${root}dist/index.js`)) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  await rm(folder, { recursive: true, force: true });
  await mkdir(`${folder}node_modules`, { recursive: true });
  await copyFile(source, `${folder}server.mjs`);
  await symlink(root, `${folder}node_modules/passport-ding`, 'dir');
  for (const name of ['express', 'express-session', 'passport']) {
    await symlink(`${root}node_modules/${name}`, `${folder}node_modules/${name}`, 'dir');
  }
}

/** Runs the copy in `folder` with `env` (PORT=0); resolves with its URL and a reader of its output. */
async function runMinimal(folder: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  let output = '';
  const child = spawn(process.execPath, ['server.mjs'], { cwd: folder, env: { ...env, PORT: '0' } });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed:\n${output}`)), 20_000);
    const check = (): void => {
      const port = /Open http:\/\/localhost:(\d+)/.exec(output)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${port}`);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', () => reject(new Error(`exited:\n${output}`)));
  });
  return { child, url, output: () => output };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('examples/minimal/server.mjs with the OTP API down', () => {
  it("answers the error handler's page with the error's status (503), Retry-After once the circuit opens, and logs no number", async () => {
    const folder = `${root}test-output/minimal-down/`;
    await copyMinimal(folder);
    const env: NodeJS.ProcessEnv = { ...process.env, PRELUDE_API_KEY: 'prelude_sk_test', PRELUDE_BASE_URL: `http://127.0.0.1:${await closedPort()}`, SESSION_SECRET: 'down' };
    const { child, url, output } = await runMinimal(folder, env);
    try {
      const answers: Response[] = [];
      // The circuit breaker opens after five faults in a row (the default): the sixth fails at once, with a wait.
      for (let i = 0; i < 6; i += 1) {
        answers.push(await fetch(`${url}/login/phone`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'phoneNumber=%2B12015550195', redirect: 'manual' }));
      }
      expect(answers.map((a) => a.status)).toEqual([503, 503, 503, 503, 503, 503]);
      expect(answers[0]?.headers.get('retry-after')).toBeNull();
      expect(Number(answers[5]?.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await answers[5]?.text()).toContain('That did not work. Please try again.');
      expect(output()).toContain('error: OtpUnavailableError (connection)');
      expect(output()).toContain('error: OtpUnavailableError (circuit_open)');
      expect(output()).not.toContain('2015550195');
    } finally {
      child.kill('SIGTERM');
    }
  });
});

if (chromiumGate(SUITE)) {
  describe(SUITE, () => {
    let child: ChildProcess;
    let read: () => string = () => '';
    let url = '';
    let browser: Browser;

    beforeAll(async () => {
      await copyMinimal(copy);
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.PRELUDE_API_KEY;
      delete env.PRELUDE_BASE_URL;
      delete env.SESSION_SECRET;
      ({ child, url, output: read } = await runMinimal(copy, env));
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      child?.kill('SIGTERM');
    });

    const codes = (): string[] => [...read().matchAll(/\[sandbox\] code (\d{6})/g)].map((m) => m[1] ?? '');

    it('says it runs on the sandbox over Prelude V2', () => {
      expect(read()).toContain('(sandbox, Prelude V2 endpoints)');
    });

    it('signs in after three wrong codes, showing one message each time, never a pile', async () => {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${url}/login`);
      await page.getByLabel('Phone number').fill('+1 201 555 0199');
      const sent = codes().length;
      await page.getByRole('button', { name: 'Text me a code' }).click();
      await page.waitForURL(`${url}/login/code`);
      await expect.poll(() => codes().length).toBe(sent + 1);
      const right = codes().at(-1) ?? '';
      const wrong = wrongCode(right);
      for (let i = 0; i < 3; i += 1) {
        await page.getByLabel('Code').fill(wrong);
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.waitForLoadState();
        // One alert with one copy of the message, however many wrong codes came before.
        expect(await page.getByRole('alert').allTextContents()).toEqual(['That code is not correct.']);
        expect((await page.content()).split('That code is not correct.').length - 1).toBe(1);
      }
      await page.getByLabel('Code').fill(right);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${url}/`);
      expect(await page.textContent('body')).toContain('Signed in as +12015550199');
      expect(await page.getByRole('alert').count()).toBe(0);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${url}/login`);
      await page.context().close();
    });

    it('a resend too soon says so on the code page, once', async () => {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${url}/login`);
      await page.getByLabel('Phone number').fill('+1 201 555 0198');
      await page.getByRole('button', { name: 'Text me a code' }).click();
      await page.waitForURL(`${url}/login/code`);
      for (let i = 0; i < 2; i += 1) {
        await page.getByRole('button', { name: 'Send a new code' }).click();
        await page.waitForLoadState();
        expect(await page.getByRole('alert').allTextContents()).toEqual(['Please wait before requesting another code.']);
      }
      await page.context().close();
    });

    it('stores no session for a page view, and refuses a form posted from another site', async () => {
      const login = await fetch(`${url}/login`);
      expect(login.status).toBe(200);
      expect(login.headers.getSetCookie()).toEqual([]);
      const forged = await fetch(`${url}/login/phone`, {
        method: 'POST',
        headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
        body: 'phoneNumber=%2B12015550197',
      });
      expect(forged.status).toBe(403);
      expect(codes().length).toBeGreaterThan(0);
      expect(read()).not.toContain('2015550197');
    });

    it('prints no phone number and no code outside the sandbox lines', () => {
      const other = read().split('\n').filter((line) => !line.startsWith('[sandbox] code '));
      expect(other.join('\n')).not.toMatch(/\d{6}/);
      expect(other.join('\n')).not.toContain('2015550199');
    });
  });
}
