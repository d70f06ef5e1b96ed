// Phone-change mode (`phoneChange: true`, issue 19 item 1): a strategy instance that verifies a new
// number for the signed-in user. The code is bound to the user by `userId` (as the second factor's
// is), a right code logs nobody in (the route gets a VerifiedPhoneChange through assignProperty),
// and the verify callback decides. Every branch runs on the in-process FakeProvider, through the
// real strategy, Express 5, express-session and Passport.
import express5 from 'express';
import type { Request } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { decline, DEFAULT_SESSION_KEY, DingConfigurationError, DingOtpStrategy, PHONE_CHANGE_SESSION_KEY } from 'passport-ding';
import type { DingOtpStrategyOptions, VerificationDetails, VerifiedPhoneChange } from 'passport-ding';
import { createApp } from '../helpers/app.js';
import { wrongCode } from '../helpers/codes.js';
import { FakeProvider } from '../helpers/fake-provider.js';
import { testClock } from '../helpers/clock.js';
import type { TestUser } from '../helpers/users.js';
import { Users } from '../helpers/users.js';

const OLD = '+14155552671';
const NEW = '+14155550199';
const TAKEN = '+14155550123';

interface Seen {
  phoneNumber: string;
  details: VerificationDetails;
}

function setup(options: Partial<DingOtpStrategyOptions> = {}) {
  const clock = testClock();
  const fake = new FakeProvider({ now: clock.providerNow });
  const users = new Users();
  const alice = users.add(OLD);
  const carol = users.add(OLD);
  const bob = users.add(TAKEN);
  const seen: Seen[] = [];
  // The app's decision, as docs/phone-change.md shows it: another account's number is declined.
  const strategy = new DingOtpStrategy({ provider: fake, now: clock.now, phoneChange: true, ...options }, async (phoneNumber, details) => {
    seen.push({ phoneNumber, details });
    const owner = [alice, carol, bob].find((u) => u.phoneNumber === phoneNumber);
    if (owner && owner.id !== details.userId) return decline({ code: 'phone_taken', message: 'This number belongs to another account.' }, 409);
    return true;
  });
  const t = createApp({
    express: express5,
    users,
    strategies: {},
    routes: (app, auth) => {
      auth.use('ding-phone', strategy);
      app.post('/login/password-keep', (req, res, next) => {
        const user = users.get(String(req.body?.userId));
        if (!user) return res.status(401).json({});
        req.logIn(user, { session: true, keepSessionInfo: true }, (err) => (err ? next(err) : res.json({ user })));
      });
      app.post('/logout-keep', (req, res, next) => req.logOut({ keepSessionInfo: true }, (err) => (err ? next(err) : res.json({}))));
      app.post('/logout', (req, res, next) => req.logOut((err) => (err ? next(err) : res.json({}))));
      app.post('/phone/send', auth.authenticate('ding-phone', { action: 'send' }), (req, res) => res.json({ pending: strategy.pendingVerification(req) ?? null }));
      app.post('/phone/resend', auth.authenticate('ding-phone', { action: 'retry' }), (req, res) => res.json({ pending: strategy.pendingVerification(req) ?? null }));
      // The route the docs recommend: assignProperty, and the app changes the number itself.
      app.post('/phone/code', auth.authenticate('ding-phone', { action: 'verify', assignProperty: 'verifiedPhone' }), (req, res) => {
        const verified = (req as Request & { verifiedPhone: VerifiedPhoneChange }).verifiedPhone;
        const user = users.get(String(verified.userId));
        if (user) user.phoneNumber = verified.phoneNumber;
        res.json({ verified, user: req.user ?? null, authInfo: req.authInfo ?? null, sessionID: req.sessionID });
      });
      // A custom callback gets the same value as its `user`.
      app.post('/phone/code-callback', (req, res, next) => {
        auth.authenticate('ding-phone', { action: 'verify' }, (err: unknown, verified: VerifiedPhoneChange | false, info: unknown, status?: number) => {
          if (err) return next(err);
          if (!verified) return res.status(status ?? 401).json(info);
          res.json({ verified, user: req.user ?? null });
        })(req, res, next);
      });
    },
  });
  const phoneOf = (user: TestUser) => t.users.get(user.id)?.phoneNumber;
  return { fake, t, alice, carol, bob, clock, seen, strategy, phoneOf };
}

type Agent = ReturnType<typeof request.agent>;

async function signIn(agent: Agent, user: TestUser): Promise<string> {
  await agent.post('/login/password').send({ userId: user.id }).expect(200);
  return (await agent.get('/me')).body.sessionID as string;
}

describe('phone change: a right code', () => {
  it('changes the number only after a right code; the session and the user stay as they were', async () => {
    const { fake, t, alice, seen, phoneOf } = setup();
    const agent = request.agent(t.app);
    const sid = await signIn(agent, alice);
    const sent = await agent.post('/phone/send').send({ phoneNumber: NEW }).expect(200);
    expect(sent.body.pending.phoneNumber).toMatch(/^\+1•+0199$/); // masked
    expect(fake.requests.send[0]?.phoneNumber).toBe(NEW);
    expect(phoneOf(alice)).toBe(OLD);

    const wrong = wrongCode(fake.code(NEW));
    const refused = await agent.post('/phone/code').send({ code: wrong }).expect(401);
    expect(refused.text).toBe('Unauthorized');
    expect(phoneOf(alice)).toBe(OLD);
    expect(seen).toHaveLength(0);

    const res = await agent.post('/phone/code').send({ code: fake.code(NEW) }).expect(200);
    expect(res.body.verified).toMatchObject({ phoneNumber: NEW, userId: alice.id, details: { phoneNumber: NEW, phoneChange: true, secondFactor: false, userId: alice.id, provider: 'fake' } });
    expect(res.body.user).toEqual({ id: alice.id, phoneNumber: NEW });
    expect(res.body.authInfo).toEqual({ method: 'sms_otp', phoneChange: true });
    // No new login: the same session id (Passport's logIn would have regenerated it).
    expect(res.body.sessionID).toBe(sid);
    expect(phoneOf(alice)).toBe(NEW);
    expect(seen).toEqual([{ phoneNumber: NEW, details: expect.objectContaining({ userId: alice.id, phoneChange: true }) }]);
    // Spent: a replay finds nothing.
    await agent.post('/phone/code').send({ code: fake.code(NEW) }).expect(403);
    expect(fake.calls('check')).toBe(2);
  });

  it('a custom callback gets the VerifiedPhoneChange as its user; req.user is untouched', async () => {
    const { fake, t, alice } = setup();
    const agent = request.agent(t.app);
    await signIn(agent, alice);
    await agent.post('/phone/send').send({ phoneNumber: NEW }).expect(200);
    const res = await agent.post('/phone/code-callback').send({ code: fake.code(NEW) }).expect(200);
    expect(res.body.verified).toMatchObject({ phoneNumber: NEW, userId: alice.id });
    expect(res.body.verified.id).toBeUndefined();
    expect(res.body.user.id).toBe(alice.id);
  });

  it('a numeric userId reaches the callback and the route as the number it is', async () => {
    const { fake, t, alice, seen } = setup({ userId: (req) => Number((req.user as TestUser | undefined)?.id.slice(1)) });
    const agent = request.agent(t.app);
    await signIn(agent, alice);
    await agent.post('/phone/send').send({ phoneNumber: NEW }).expect(200);
    const res = await agent.post('/phone/code-callback').send({ code: fake.code(NEW) }).expect(200);
    expect(res.body.verified.userId).toBe(1);
    expect(seen[0]?.details.userId).toBe(1);
  });
});

describe('phone change: the code is bound to the user who asked', () => {
  it('another user in the session between send and verify: no_pending_verification, no check, dropped', async () => {
    const { fake, t, alice, carol, seen, phoneOf } = setup();
    const agent = request.agent(t.app);
    await signIn(agent, alice);
    await agent.post('/phone/send').send({ phoneNumber: NEW }).expect(200);
    await agent.post('/login/password-keep').send({ userId: carol.id }).expect(200);

    const res = await agent.post('/phone/code-callback').send({ code: fake.code(NEW) }).expect(403);
    expect(res.body.code).toBe('no_pending_verification');
    expect(fake.calls('check')).toBe(0);
    expect(seen).toHaveLength(0);
    expect(phoneOf(alice)).toBe(OLD);
    expect(phoneOf(carol)).toBe(OLD);
    const sid = (await agent.get('/me')).body.sessionID as string;
    expect(await t.storedPending(sid, PHONE_CHANGE_SESSION_KEY)).toBeUndefined();
    // Back to Alice: the dropped code stays dropped.
    await agent.post('/login/password-keep').send({ userId: alice.id }).expect(200);
    await agent.post('/phone/code-callback').send({ code: fake.code(NEW) }).expect(403);
    expect(fake.calls('check')).toBe(0);
  });

  it('logged out between send and verify (the session kept): refused the same way, no check', async () => {
    const { fake, t, alice, seen, phoneOf } = setup();
    const agent = request.agent(t.app);
    await signIn(agent, alice);
    await agent.post('/phone/send').send({ phoneNumber: NEW }).expect(200);
    await agent.post('/logout-keep').send({}).expect(200);
    const res = await agent.post('/phone/code-callback').send({ code: fake.code(NEW) }).expect(403);
    expect(res.body.code).toBe('no_pending_verification');
    expect(fake.calls('check')).toBe(0);
    expect(seen).toHaveLength(0);
    expect(phoneOf(alice)).toBe(OLD);
  });

  it('logged out the usual way (a new session): nothing pending, and signing in again does not revive it', async () => {
    const { fake, t, alice } = setup();
    const agent = request.agent(t.app);
    await signIn(agent, alice);
    await agent.post('/phone/send').send({ phoneNumber: NEW }).expect(200);
    await agent.post('/logout').send({}).expect(200);
    await agent.post('/phone/code-callback').send({ code: fake.code(NEW) }).expect(403);
    await signIn(agent, alice);
    await agent.post('/phone/code-callback').send({ code: fake.code(NEW) }).expect(403);
    expect(fake.calls('check')).toBe(0);
  });

  // Mutation testing (issue 20): a pending state that names no user (a phone login's, when an app
  // gives both strategies the same session key) is for nobody, even with nobody signed in.
  it("a phone login's pending code under the same session key, nobody signed in: refused, no check, dropped", async () => {
    const clock = testClock();
    const fake = new FakeProvider({ now: clock.providerNow });
    const users = new Users();
    const login = new DingOtpStrategy({ provider: fake, now: clock.now }, async (phone) => users.findOrCreate(phone));
    const change = new DingOtpStrategy({ provider: fake, now: clock.now, phoneChange: true, sessionKey: DEFAULT_SESSION_KEY }, async () => true);
    const t = createApp({
      express: express5,
      users,
      strategies: { ding: login },
      routes: (app, auth) => {
        auth.use('ding-phone', change);
        app.post('/phone/code', auth.authenticate('ding-phone', { action: 'verify', assignProperty: 'verifiedPhone' }), (_req, res) => res.json({}));
      },
    });
    const agent = request.agent(t.app);
    await agent.post('/login/phone').send({ phoneNumber: NEW }).expect(200);
    await agent.post('/phone/code').send({ code: fake.code(NEW) }).expect(403);
    expect(fake.calls('check')).toBe(0);
    expect((await agent.get('/me')).body.pending).toBeNull();
  });

  it('a resend for another user is refused too, with no SMS', async () => {
    const { fake, t, alice, carol, clock } = setup();
    const agent = request.agent(t.app);
    await signIn(agent, alice);
    await agent.post('/phone/send').send({ phoneNumber: NEW }).expect(200);
    await agent.post('/login/password-keep').send({ userId: carol.id }).expect(200);
    clock.advance(30_000);
    await agent.post('/phone/resend').send({}).expect(403);
    expect(fake.calls('resend')).toBe(0);
  });

  it('the stored state holds a digest of the id, under its own session key', async () => {
    const { t, alice } = setup();
    const agent = request.agent(t.app);
    const sid = await signIn(agent, alice);
    await agent.post('/phone/send').send({ phoneNumber: NEW }).expect(200);
    const stored = (await t.storedPending(sid, PHONE_CHANGE_SESSION_KEY)) as { u?: string; p?: string };
    expect(stored.p).toBe(NEW);
    expect(stored.u).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(stored.u).not.toContain(alice.id);
    expect(await t.storedPending(sid)).toBeUndefined();
  });

  it('a send with nobody signed in is a configuration error naming phoneChange and `userId`, before any SMS', async () => {
    const { fake, t } = setup();
    const agent = request.agent(t.app);
    await agent.post('/phone/send').send({ phoneNumber: NEW }).expect(500);
    expect(t.errors[0]).toBeInstanceOf(DingConfigurationError);
    expect((t.errors[0] as Error).message).toMatch(/^phoneChange binds.*`userId`/);
    expect(fake.calls('send')).toBe(0);
  });
});

describe('phone change: the verify callback decides', () => {
  it("another account's number is declined with the app's info and status; nothing changes", async () => {
    const { fake, t, alice, bob, phoneOf, seen } = setup();
    const agent = request.agent(t.app);
    await signIn(agent, alice);
    await agent.post('/phone/send').send({ phoneNumber: TAKEN }).expect(200);
    const res = await agent.post('/phone/code-callback').send({ code: fake.code(TAKEN) }).expect(409);
    expect(res.body).toMatchObject({ code: 'phone_taken', message: 'This number belongs to another account.' });
    expect(seen).toHaveLength(1);
    expect(phoneOf(alice)).toBe(OLD);
    expect(phoneOf(bob)).toBe(TAKEN);
    expect((await agent.get('/me')).body.user.id).toBe(alice.id);
  });

  it('a bare `false` is declined with a message about the number, not about a sign-in', async () => {
    const fake = new FakeProvider();
    const strategy = new DingOtpStrategy({ provider: fake, phoneChange: true }, async () => false);
    const users = new Users();
    const alice = users.add(OLD);
    const t = createApp({
      express: express5,
      users,
      strategies: {},
      routes: (app, auth) => {
        auth.use('ding-phone', strategy);
        app.post('/phone/send', auth.authenticate('ding-phone', { action: 'send' }), (_req, res) => res.json({}));
        app.post('/phone/code', (req, res, next) => {
          auth.authenticate('ding-phone', { action: 'verify' }, (err: unknown, ok: unknown, info: unknown, status?: number) => {
            if (err) return next(err);
            res.status(ok ? 200 : (status ?? 401)).json(info);
          })(req, res, next);
        });
      },
    });
    const agent = request.agent(t.app);
    await signIn(agent, alice);
    await agent.post('/phone/send').send({ phoneNumber: NEW }).expect(200);
    const res = await agent.post('/phone/code').send({ code: fake.code(NEW) }).expect(401);
    expect(res.body).toEqual({ code: 'declined', message: 'This phone number cannot be added to your account.' });
  });
});

describe('phone change: limits apply as for a login', () => {
  it('sends per phone number: past the budget, rate_limited with no SMS', async () => {
    const { fake, t, alice, clock } = setup({ limits: { sendsPerPhone: { points: 2, durationSeconds: 3600 } } });
    const agent = request.agent(t.app);
    await signIn(agent, alice);
    await agent.post('/phone/send').send({ phoneNumber: NEW }).expect(200);
    // Past the resend cooldown each time, so the per-number budget is what refuses.
    clock.advance(31_000);
    await agent.post('/phone/send').send({ phoneNumber: NEW }).expect(200);
    clock.advance(31_000);
    const refused = await agent.post('/phone/send').send({ phoneNumber: NEW });
    expect(refused.status).toBe(429);
    expect(fake.calls('send')).toBe(2);
  });

  it('wrong codes: the attempt budget drops the pending change (too_many_attempts), the number stays', async () => {
    const { fake, t, alice, phoneOf } = setup({ maxAttempts: 2 });
    const agent = request.agent(t.app);
    await signIn(agent, alice);
    await agent.post('/phone/send').send({ phoneNumber: NEW }).expect(200);
    const wrong = wrongCode(fake.code(NEW));
    const first = await agent.post('/phone/code-callback').send({ code: wrong }).expect(401);
    expect(first.body).toMatchObject({ code: 'invalid_code', attemptsLeft: 1 });
    const second = await agent.post('/phone/code-callback').send({ code: wrong }).expect(429);
    expect(second.body.code).toBe('too_many_attempts');
    await agent.post('/phone/code-callback').send({ code: fake.code(NEW) }).expect(403);
    expect(phoneOf(alice)).toBe(OLD);
  });

  it('countries and the resend cooldown apply too', async () => {
    const { fake, t, alice } = setup({ allowedCountries: ['US'] });
    const agent = request.agent(t.app);
    await signIn(agent, alice);
    const blocked = await agent.post('/phone/send').send({ phoneNumber: '+447911123456' });
    expect(blocked.status).toBe(403);
    expect(fake.calls('send')).toBe(0);
    await agent.post('/phone/send').send({ phoneNumber: NEW }).expect(200);
    await agent.post('/phone/resend').send({}).expect(429);
    expect(fake.calls('resend')).toBe(0);
  });
});

describe('phone change: events', () => {
  it('each step is an event as for a login, with the masked new number and never the user id or code', async () => {
    const events: Array<Record<string, unknown>> = [];
    const { fake, t, alice } = setup({ onEvent: (e) => void events.push(e as unknown as Record<string, unknown>) });
    const agent = request.agent(t.app);
    await signIn(agent, alice);
    await agent.post('/phone/send').send({ phoneNumber: NEW }).expect(200);
    const code = fake.code(NEW);
    await agent.post('/phone/code').send({ code }).expect(200);
    await new Promise((resolve) => setImmediate(resolve));
    expect(events.map((e) => [e.type, e.outcome])).toEqual([['send', 'sent'], ['verify', 'verified']]);
    const text = JSON.stringify(events);
    expect(text).not.toContain(NEW);
    expect(text).not.toContain(code);
    expect(text).not.toContain(`"${alice.id}"`);
    expect(events[1]?.phone).toMatch(/0199$/);
  });
});

describe('phone change: options', () => {
  const fake = new FakeProvider();
  const verify = async () => true;

  it('needs a verify callback, a boolean, and no secondFactor', () => {
    expect(() => new DingOtpStrategy({ provider: fake, phoneChange: true } as never)).toThrow(/`phoneChange` requires a verify callback/);
    expect(() => new DingOtpStrategy({ provider: fake, phoneChange: 'yes' as never }, verify)).toThrow(/option `phoneChange` must be a boolean/);
    expect(() => new DingOtpStrategy({ provider: fake, phoneChange: true, secondFactor: () => OLD }, verify)).toThrow(/`phoneChange` and `secondFactor` do not go together/);
    expect(() => new DingOtpStrategy({ provider: fake, phoneChange: true, trustedDevices: true }, verify)).toThrow(/needs `secondFactor`/);
    expect(() => new DingOtpStrategy({ provider: fake, phoneChange: false }, verify)).not.toThrow();
  });

  it('has its own default session key; an explicit one wins', async () => {
    const users = new Users();
    const alice = users.add(OLD);
    for (const [options, key] of [[{}, PHONE_CHANGE_SESSION_KEY], [{ sessionKey: 'mine' }, 'mine']] as const) {
      const provider = new FakeProvider();
      const strategy = new DingOtpStrategy({ provider, phoneChange: true, ...options }, verify);
      const t = createApp({
        express: express5,
        users,
        strategies: {},
        routes: (app, auth) => {
          auth.use('ding-phone', strategy);
          app.post('/phone/send', auth.authenticate('ding-phone', { action: 'send' }), (_req, res) => res.json({}));
        },
      });
      const agent = request.agent(t.app);
      const sid = await signIn(agent, alice);
      await agent.post('/phone/send').send({ phoneNumber: NEW }).expect(200);
      expect(await t.storedPending(sid, key)).toMatchObject({ p: NEW });
    }
  });
});
