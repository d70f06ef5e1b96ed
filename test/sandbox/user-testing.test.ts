// The test docs/testing.md shows a user: an Express app with the strategy on the sandbox's V2
// API, sharing the sandbox's clock, through send, a wrong code, a resend after `advance()` and
// expiry. Written only against the public packages, as a user's test would be; if this file
// needs a change, so does the page.
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { DingOtpStrategy, type DingAction, type FailureInfo } from 'passport-ding';
import { startDingSandbox, type DingSandbox } from 'passport-ding/sandbox';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { wrongCode } from '../helpers/codes.js';

const PHONE = '+14155552671';

let sandbox: DingSandbox;
let strategy: DingOtpStrategy;
let app: express.Express;

beforeAll(async () => {
  sandbox = await startDingSandbox();
  strategy = new DingOtpStrategy(
    // `now: sandbox.now`: one clock for the app and the sandbox, so advance() moves both.
    { apiKey: sandbox.apiKey, baseUrl: sandbox.preludeUrl, now: sandbox.now },
    (phoneNumber, _verification, done) => done(null, { id: phoneNumber }),
  );
  passport.use(strategy);
  passport.serializeUser((user, done) => done(null, (user as { id: string }).id));
  passport.deserializeUser((id: string, done) => done(null, { id }));

  app = express();
  app.use(express.json());
  app.use(session({ secret: 'test', resave: false, saveUninitialized: false }));
  app.use(passport.session());
  // A JSON custom callback: a refusal answers its status and { code, message }, for the test to assert.
  const step = (action: DingAction): express.RequestHandler => (req, res, next) =>
    passport.authenticate('ding', { action }, (err: unknown, user: Express.User | false, info: FailureInfo, status?: number) => {
      if (err) return next(err);
      if (!user) return res.status(status ?? 401).json(info);
      req.logIn(user, (loginErr) => (loginErr ? next(loginErr) : res.json({ user })));
    })(req, res, () => res.json({ sent: true })); // send and retry pass
  app.post('/login/phone', step('send'));
  app.post('/login/resend', step('retry'));
  app.post('/login/code', step('verify'));
});

afterAll(() => sandbox.close());
beforeEach(async () => {
  sandbox.reset();
  // The strategy's abuse limits are its own and outlive sandbox.reset(): without this the 6th
  // send to PHONE in the file is rate_limited (sendsPerPhone: 5 an hour).
  await strategy.resetPhone(PHONE);
});

describe('logging in with a one-time code', () => {
  it('sends a code, refuses a wrong one, accepts the right one', async () => {
    const agent = request.agent(app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    const code = sandbox.latestCode(PHONE)!;
    const wrong = wrongCode(code);

    expect((await agent.post('/login/code').send({ code: wrong }).expect(401)).body.code).toBe('invalid_code');
    const res = await agent.post('/login/code').send({ code }).expect(200);
    expect(res.body.user).toEqual({ id: PHONE });
  });

  it('resends only after the cooldown, and the new code works', async () => {
    const agent = request.agent(app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    const first = sandbox.latestCode(PHONE);

    expect((await agent.post('/login/resend').expect(429)).body.code).toBe('retry_too_soon');
    sandbox.advance(31_000); // past the 30 s cooldown, for the app and the sandbox alike
    await agent.post('/login/resend').expect(200);

    const second = sandbox.latestCode(PHONE)!;
    expect(second).not.toBe(first);
    await agent.post('/login/code').send({ code: second }).expect(200);
  });

  it('refuses a right code after the verification expired', async () => {
    const agent = request.agent(app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    const code = sandbox.latestCode(PHONE)!;

    sandbox.advance(10 * 60_000 + 1); // the 10-minute default life, and a millisecond
    expect((await agent.post('/login/code').send({ code }).expect(401)).body.code).toBe('expired');
  });

  it('logs in again later: the sixth code to PHONE in this file still goes out', async () => {
    for (const agent of [request.agent(app), request.agent(app)]) {
      sandbox.advance(31_000); // past the cooldown of the code before
      await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
      await agent.post('/login/code').send({ code: sandbox.latestCode(PHONE) }).expect(200);
    }
  });
});
