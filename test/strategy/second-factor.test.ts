// Second-factor mode binds the pending verification to the user it was sent for, by id (the
// `userId` option, default `req.user.id`). Issue 13: Alice's pending code was accepted after the
// session switched to Carol, who has the same phone number (a login with keepSessionInfo).
import express5 from 'express';
import type { Express } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { DingConfigurationError, DingOtpStrategy } from 'passport-ding';
import type { DingOtpStrategyOptions } from 'passport-ding';
import { createApp } from '../helpers/app.js';
import { FakeProvider } from '../helpers/fake-provider.js';
import { testClock } from '../helpers/clock.js';
import type { TestUser } from '../helpers/users.js';
import { Users } from '../helpers/users.js';

const SHARED = '+14155552671';

function setup({ secondFactor = (req) => (req.user as TestUser | undefined)?.phoneNumber, ...options }: Partial<DingOtpStrategyOptions> = {}) {
  const clock = testClock();
  const fake = new FakeProvider({ now: clock.providerNow });
  const users = new Users();
  const alice = users.add(SHARED);
  const carol = users.add(SHARED);
  const strategy = new DingOtpStrategy({
    provider: fake,
    now: clock.now,
    secondFactor,
    ...options,
  });
  const t = createApp({
    express: express5,
    users,
    strategies: { 'ding-2fa': strategy },
    // A password login that keeps the session's other data (and so a pending verification).
    routes: (app) => {
      app.post('/login/password-keep', (req, res, next) => {
        const user = users.get(String(req.body?.userId));
        if (!user) return res.status(401).json({});
        req.logIn(user, { session: true, keepSessionInfo: true }, (err) => (err ? next(err) : res.json({ user })));
      });
    },
  });
  return { fake, t, alice, carol, clock };
}

describe('second factor bound to the user', () => {
  it("Alice's pending code is refused for Carol (same phone, same session), with no check, and dropped", async () => {
    const { fake, t, alice, carol } = setup();
    const agent = request.agent(t.app);
    await agent.post('/login/password').send({ userId: alice.id }).expect(200);
    await agent.post('/2fa/send').send({}).expect(200);
    await agent.post('/login/password-keep').send({ userId: carol.id }).expect(200);
    expect((await agent.get('/me')).body.pending).not.toBeNull(); // kept by keepSessionInfo

    const res = await agent.post('/2fa/code').send({ code: fake.code(SHARED) }).expect(403);
    expect(res.text).toBe('Forbidden');
    expect(fake.calls('check')).toBe(0);
    const me = (await agent.get('/me')).body;
    expect(me.user.id).toBe(carol.id);
    expect(me.secondFactor).toBe(false);
    expect(me.pending).toBeNull();
    // Nor may Carol have it resent.
    expect(fake.calls('resend')).toBe(0);
  });

  it('the same user gets through; the stored state holds a digest of the id, not the id', async () => {
    const { fake, t, alice } = setup();
    const agent = request.agent(t.app);
    await agent.post('/login/password').send({ userId: alice.id }).expect(200);
    await agent.post('/2fa/send').send({}).expect(200);
    const sid = (await agent.get('/me')).body.sessionID as string;
    const stored = (await t.storedPending(sid)) as { u?: string };
    expect(stored.u).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(stored.u).not.toContain(alice.id);
    await agent.post('/2fa/code').send({ code: fake.code(SHARED) }).expect(200);
    expect((await agent.get('/me')).body.secondFactor).toBe(true);
  });

  it("a resend for another user is refused the same way", async () => {
    const { fake, t, alice, carol, clock } = setup();
    const agent = request.agent(t.app);
    await agent.post('/login/password').send({ userId: alice.id }).expect(200);
    await agent.post('/2fa/send').send({}).expect(200);
    await agent.post('/login/password-keep').send({ userId: carol.id }).expect(200);
    clock.advance(30_000);
    await agent.post('/2fa/resend').send({}).expect(403);
    expect(fake.calls('resend')).toBe(0);
  });

  it('the userId option: where the app keeps the id (here a number), compared the same way', async () => {
    const { fake, t, alice, carol, clock } = setup({ userId: (req) => Number((req.user as TestUser | undefined)?.id.slice(1)) });
    const agent = request.agent(t.app);
    await agent.post('/login/password').send({ userId: alice.id }).expect(200);
    await agent.post('/2fa/send').send({}).expect(200);
    await agent.post('/login/password-keep').send({ userId: carol.id }).expect(200);
    await agent.post('/2fa/code').send({ code: fake.code(SHARED) }).expect(403);
    await agent.post('/login/password-keep').send({ userId: alice.id }).expect(200);
    // The number just got a code: a new one waits out the resend cooldown, whoever asks.
    clock.advance(30_000);
    await agent.post('/2fa/send').send({}).expect(200);
    await agent.post('/2fa/code').send({ code: fake.code(SHARED) }).expect(200);
  });

  it('no user id to bind to: a configuration error naming `userId`, before anything is sent', async () => {
    const { fake, t, alice } = setup({ userId: () => undefined });
    const agent = request.agent(t.app);
    await agent.post('/login/password').send({ userId: alice.id }).expect(200);
    await agent.post('/2fa/send').send({}).expect(500);
    expect(t.errors[0]).toBeInstanceOf(DingConfigurationError);
    expect((t.errors[0] as Error).message).toBe(
      'secondFactor binds each code to the signed-in user, but there is no user id: sign the user in first (req.user with an `id`), or set the `userId` option to where your app keeps it',
    );
    expect(fake.calls('send')).toBe(0);
  });

  // Mutation testing (issue 20): null is nobody, as undefined is (not a wrong kind of value).
  it('a userId answering null is nobody: the same configuration error naming `userId`', async () => {
    const { fake, t, alice } = setup({ userId: () => null as unknown as string });
    const agent = request.agent(t.app);
    await agent.post('/login/password').send({ userId: alice.id }).expect(200);
    await agent.post('/2fa/send').send({}).expect(500);
    expect(t.errors).toEqual([expect.any(DingConfigurationError)]);
    expect((t.errors[0] as Error).message).toMatch(/^secondFactor binds each code to the signed-in user, but there is no user id/);
    expect(fake.calls('send')).toBe(0);
  });

  it('a userId that answers something else than a string or a number is a configuration error', async () => {
    const { t, alice, fake } = setup({ userId: () => ({ id: 1 }) as unknown as string });
    const agent = request.agent(t.app);
    await agent.post('/login/password').send({ userId: alice.id }).expect(200);
    await agent.post('/2fa/send').send({}).expect(500);
    expect((t.errors[0] as Error).message).toMatch(/userId\(req\) must return/);
    expect(fake.calls('send')).toBe(0);
  });

  // Mutation testing (issue 20): each wrong answer of the app's hooks is named in the message.
  const WRONG_ANSWERS: Array<[Partial<DingOtpStrategyOptions>, string]> = [
    [{ userId: () => '' }, 'userId(req) must return the user\'s id as a non-empty string or a number (or null/undefined), not an empty string'],
    [{ userId: () => Number.NaN }, 'userId(req) must return the user\'s id as a non-empty string or a number (or null/undefined), not a number'],
    [{ userId: () => true as unknown as string }, 'userId(req) must return the user\'s id as a non-empty string or a number (or null/undefined), not a boolean'],
    [{ secondFactor: () => 14155552671 as unknown as string }, 'secondFactor(req) must return the user\'s phone number as a string (or null/undefined), not a number'],
  ];
  it.each(WRONG_ANSWERS)('a hook answering the wrong kind of value is a configuration error saying so (%#)', async (options, message) => {
    const { t, alice, fake } = setup(options);
    const agent = request.agent(t.app);
    await agent.post('/login/password').send({ userId: alice.id }).expect(200);
    await agent.post('/2fa/send').send({}).expect(500);
    expect(t.errors).toEqual([expect.any(DingConfigurationError)]);
    expect((t.errors[0] as Error).message).toBe(message);
    expect(fake.calls('send')).toBe(0);
  });

  it('a numeric userId of 0 is an id like any other', async () => {
    const { fake, t, alice } = setup({ userId: () => 0 });
    const agent = request.agent(t.app);
    await agent.post('/login/password').send({ userId: alice.id }).expect(200);
    await agent.post('/2fa/send').send({}).expect(200);
    await agent.post('/2fa/code').send({ code: fake.code(SHARED) }).expect(200);
  });

  // Mutation testing (issue 20): the code is for the number that was on file when it was sent.
  it("the user's number on file changed since the send: the code is refused with no check, and dropped", async () => {
    const { fake, t, alice } = setup();
    const agent = request.agent(t.app);
    await agent.post('/login/password').send({ userId: alice.id }).expect(200);
    await agent.post('/2fa/send').send({}).expect(200);
    const code = fake.code(SHARED);
    alice.phoneNumber = '+14155550199';
    await agent.post('/2fa/code').send({ code }).expect(403);
    expect(fake.calls('check')).toBe(0);
    expect((await agent.get('/me')).body.pending).toBeNull();
  });

  // Mutation testing (issue 20): secondFactor(req) answering null means no number on file, as
  // undefined does: the code is refused and dropped, not a configuration error.
  it('no number on file any more (secondFactor answers null): the code is refused with no check, and dropped', async () => {
    let onFile: string | null = SHARED;
    const { fake, t, alice } = setup({ secondFactor: () => onFile as string });
    const agent = request.agent(t.app);
    await agent.post('/login/password').send({ userId: alice.id }).expect(200);
    await agent.post('/2fa/send').send({}).expect(200);
    onFile = null;
    await agent.post('/2fa/code').send({ code: fake.code(SHARED) }).expect(403);
    expect(t.errors).toEqual([]);
    expect(fake.calls('check')).toBe(0);
    expect((await agent.get('/me')).body.pending).toBeNull();
  });

  it('a pending verification without a user (a phone login under the same key) is not a second factor', async () => {
    const clock = testClock();
    const fake = new FakeProvider({ now: clock.providerNow });
    const users = new Users();
    const alice = users.add(SHARED);
    const login = new DingOtpStrategy({ provider: fake, now: clock.now }, async (phone) => users.findOrCreate(phone));
    const second = new DingOtpStrategy({ provider: fake, now: clock.now, secondFactor: (req) => (req.user as TestUser | undefined)?.phoneNumber });
    const t = createApp({ express: express5, users, strategies: { ding: login, 'ding-2fa': second } });
    const agent = request.agent(t.app);
    await agent.post('/login/password').send({ userId: alice.id }).expect(200);
    await agent.post('/login/phone').send({ phoneNumber: SHARED }).expect(200);
    await agent.post('/2fa/code').send({ code: fake.code(SHARED) }).expect(403);
    expect(fake.calls('check')).toBe(0);
  });
});

// A newcomer's mistake: express-session but no app.use(passport.session()). The password login
// stores the user in the session, and on the next request req.user is unset: "needs req.user"
// alone reads as nonsense to someone who has just logged in. The message names the missing
// middleware when the session holds a Passport login, and only then.
describe('no req.user where a code is bound to the user: the message says what to add', () => {
  // The recipe's second factor (no verify callback), and phone change (the number from the form,
  // the code bound to req.user). A second factor with a callback reads no number without a user:
  // missing_phone_number, as test/strategy/passport.test.ts has it.
  const MODES = ['secondFactor', 'phoneChange'] as const;
  // The whole message as each mode words it, with nothing after it when the session holds no login.
  const NO_USER_MESSAGE = {
    secondFactor: 'secondFactor without a verify callback needs req.user (a logged-in user): sign the user in first, and put this route behind a guard that sends a signed-out visitor to your login page',
    phoneChange: 'phoneChange binds each code to the signed-in user, but there is no user id: sign the user in first (req.user with an `id`), or set the `userId` option to where your app keeps it',
  };
  // A session that holds no login but still has the field: Passport's logOut() with
  // keepSessionInfo keeps the `passport` object and deletes its user; an app may clear it to null.
  function routes(app: Express): void {
    app.post('/logout/keep-session-info', (req, res, next) => {
      req.logout({ keepSessionInfo: true }, (err) => (err ? next(err) : res.json({ passport: (req.session as unknown as Record<string, unknown>).passport ?? 'absent' })));
    });
    app.post('/session/passport-null', (req, res) => {
      (req.session as unknown as Record<string, unknown>).passport = null;
      res.json({ ok: true });
    });
  }
  function app(mode: (typeof MODES)[number], withoutPassportSession: boolean) {
    const clock = testClock();
    const fake = new FakeProvider({ now: clock.providerNow });
    const users = new Users();
    const alice = users.add(SHARED);
    const strategy = mode === 'secondFactor'
      ? new DingOtpStrategy({ provider: fake, now: clock.now, secondFactor: (req) => (req.user as TestUser | undefined)?.phoneNumber })
      : new DingOtpStrategy({ provider: fake, now: clock.now, phoneChange: true }, async () => true);
    const t = createApp({ express: express5, users, strategies: { 'ding-2fa': strategy }, withoutPassportSession, routes });
    return { t, fake, alice };
  }

  it.each(MODES)('%s without passport.session(): names it, before anything is sent', async (mode) => {
    const { t, fake, alice } = app(mode, true);
    const agent = request.agent(t.app);
    await agent.post('/login/password').send({ userId: alice.id }).expect(200);
    await agent.post('/2fa/send').send({ phoneNumber: '+14155550199' }).expect(500);
    expect(t.errors).toEqual([expect.any(DingConfigurationError)]);
    expect((t.errors[0] as Error).message).toMatch(
      /; this session holds a Passport login but req\.user is not set: add app\.use\(passport\.session\(\)\) after the session middleware, so that each request restores req\.user$/,
    );
    expect(fake.calls('send')).toBe(0);
  });

  it.each(MODES)('%s with nobody signed in: sign in first, and no word of passport.session()', async (mode) => {
    const { t, fake } = app(mode, false);
    await request(t.app).post('/2fa/send').send({ phoneNumber: '+14155550199' }).expect(500);
    expect(t.errors).toEqual([expect.any(DingConfigurationError)]);
    expect((t.errors[0] as Error).message).toBe(NO_USER_MESSAGE[mode]);
    expect(fake.calls('send')).toBe(0);
  });

  // Logged out, the session keeps `passport: {}`: no login in it, so no word of passport.session().
  it.each(MODES)('%s after a logout that kept the session: no word of passport.session()', async (mode) => {
    const { t, fake, alice } = app(mode, false);
    const agent = request.agent(t.app);
    await agent.post('/login/password').send({ userId: alice.id }).expect(200);
    await agent.post('/logout/keep-session-info').expect(200, { passport: {} });
    await agent.post('/2fa/send').send({ phoneNumber: '+14155550199' }).expect(500);
    expect(t.errors).toEqual([expect.any(DingConfigurationError)]);
    expect((t.errors[0] as Error).message).toBe(NO_USER_MESSAGE[mode]);
    expect(fake.calls('send')).toBe(0);
  });

  it.each(MODES)('%s with the session\'s passport field set to null by the app: the same configuration error', async (mode) => {
    const { t, fake } = app(mode, true);
    const agent = request.agent(t.app);
    await agent.post('/session/passport-null').expect(200);
    await agent.post('/2fa/send').send({ phoneNumber: '+14155550199' }).expect(500);
    expect(t.errors).toEqual([expect.any(DingConfigurationError)]);
    expect((t.errors[0] as Error).message).toBe(NO_USER_MESSAGE[mode]);
    expect(fake.calls('send')).toBe(0);
  });
});
