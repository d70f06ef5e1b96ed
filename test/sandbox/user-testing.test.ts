// The test docs/testing.md shows a user: an Express app with the strategy on the sandbox's V2
// API, sharing the sandbox's clock, through send, a wrong code, a resend after `advance()` and
// expiry. Written only against the public packages, as a user's test would be; if this file
// needs a change, so does the page.
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { DingOtpStrategy } from 'passport-ding';
import { startDingSandbox, type DingSandbox } from 'passport-ding/sandbox';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { wrongCode } from '../helpers/codes.js';

const PHONE = '+14155552671';

let sandbox: DingSandbox;
let app: express.Express;

beforeAll(async () => {
  sandbox = await startDingSandbox();
  passport.use(
    new DingOtpStrategy(
      // `now: sandbox.now`: one clock for the app and the sandbox, so advance() moves both.
      { apiKey: sandbox.apiKey, baseUrl: sandbox.preludeUrl, now: sandbox.now },
      (phoneNumber, _verification, done) => done(null, { id: phoneNumber }),
    ),
  );
  passport.serializeUser((user, done) => done(null, (user as { id: string }).id));
  passport.deserializeUser((id: string, done) => done(null, { id }));

  app = express();
  app.use(express.json());
  app.use(session({ secret: 'test', resave: false, saveUninitialized: false }));
  app.use(passport.session());
  app.post('/login/phone', passport.authenticate('ding', { action: 'send', failWithError: true }), (_req, res) => {
    res.json({ sent: true });
  });
  app.post('/login/resend', passport.authenticate('ding', { action: 'retry', failWithError: true }), (_req, res) => {
    res.json({ sent: true });
  });
  app.post('/login/code', passport.authenticate('ding', { action: 'verify', failWithError: true }), (req, res) => {
    res.json({ user: req.user });
  });
  // With failWithError, a refusal arrives here as an error with the status Passport chose.
  app.use((err: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(err.status ?? 500).json({ error: true });
  });
});

afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

describe('logging in with a one-time code', () => {
  it('sends a code, refuses a wrong one, accepts the right one', async () => {
    const agent = request.agent(app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    const code = sandbox.latestCode(PHONE)!;
    const wrong = wrongCode(code);

    await agent.post('/login/code').send({ code: wrong }).expect(401);
    const res = await agent.post('/login/code').send({ code }).expect(200);
    expect(res.body.user).toEqual({ id: PHONE });
  });

  it('resends only after the cooldown, and the new code works', async () => {
    const agent = request.agent(app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    const first = sandbox.latestCode(PHONE);

    await agent.post('/login/resend').expect(429); // retry_too_soon
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
    await agent.post('/login/code').send({ code }).expect(401); // expired
  });
});
