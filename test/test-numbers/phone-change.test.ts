// Test numbers and phone-change mode, over real HTTP on both providers, with express-session.
// A listed number's fixed code is in the app's review notes: an account bound to that number by
// a phone change could be logged into by whoever has read them. So a phone-change send to a listed
// number is refused (`blocked`, rule `testNumbers`) before anything is spent or written, and even
// after `expiresAt` (the next review renews the list, and the code with it). Other numbers are
// unaffected, and so is the login strategy that shares the option.
import express from 'express';
import type { Request } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { DingOtpStrategy, PHONE_CHANGE_SESSION_KEY } from 'passport-ding';
import type { ActionEvent, DingOtpStrategyOptions, VerifiedPhoneChange } from 'passport-ding';
import { harness, PROVIDERS } from '../helpers/harness.js';

const REVIEW = '+12015550100';
const REVIEW_CODE = '424242';
const OLD = '+14155552671';
const NEW = '+14155550199';
const DAY = 24 * 3600_000;

describe.each(PROVIDERS)('testNumbers in phone-change mode (%s)', (provider) => {
  const h = harness(express, {}, provider);

  function setup(options: Partial<DingOtpStrategyOptions> = {}) {
    const events: ActionEvent[] = [];
    const testNumbers = { numbers: { [REVIEW]: REVIEW_CODE }, expiresAt: new Date(h.clock.now() + DAY) };
    // The same option object on both strategies, as an app that spreads one `common` does.
    const login = h.strategy({ testNumbers });
    const change = h.own(
      new DingOtpStrategy(
        { ...h.credentials(), testNumbers, phoneChange: true, onEvent: (e) => void events.push(e as ActionEvent), ...options },
        async (phoneNumber, details) => {
          const user = h.users.get(String(details.userId));
          if (user) user.phoneNumber = phoneNumber;
          return true;
        },
      ),
    );
    const t = h.app({
      strategies: { ding: login },
      routes: (app, auth) => {
        auth.use('ding-phone', change);
        app.post('/phone/send', (req, res, next) => {
          auth.authenticate('ding-phone', { action: 'send' }, (err: unknown, _user: unknown, info: unknown, status?: number) => {
            if (err) return next(err);
            res.status(status ?? 401).json(info);
          })(req, res, () => res.json({ pending: change.pendingVerification(req) ?? null }));
        });
        app.post('/phone/code', auth.authenticate('ding-phone', { action: 'verify', assignProperty: 'verifiedPhone' }), (req, res) => {
          res.json({ verified: (req as Request & { verifiedPhone: VerifiedPhoneChange }).verifiedPhone });
        });
      },
    });
    const alice = h.users.add(OLD);
    const agent = request.agent(t.app);
    const signIn = async (): Promise<string> => {
      await agent.post('/login/password').send({ userId: alice.id }).expect(200);
      return (await agent.get('/me')).body.sessionID as string;
    };
    const settled = (): Promise<ActionEvent[]> => new Promise((resolve) => setImmediate(() => resolve(events)));
    return { t, agent, alice, signIn, settled };
  }

  it('refuses a send to a listed number: blocked, nothing sent or written, an event with the rule', async () => {
    const { t, agent, alice, signIn, settled } = setup();
    const sid = await signIn();
    const sends = h.counter('send');
    const refused = await agent.post('/phone/send').send({ phoneNumber: REVIEW }).expect(403);
    expect(refused.body).toEqual({ code: 'blocked', message: 'Codes cannot be sent to this number.' });
    expect(sends()).toBe(0);
    expect(await t.storedPending(sid, PHONE_CHANGE_SESSION_KEY)).toBeUndefined();
    // The fixed code finds nothing to check, and the account keeps its number.
    const code = await agent.post('/phone/code').send({ code: REVIEW_CODE }).expect(403);
    expect(code.text).toBe('Forbidden');
    expect(h.users.get(alice.id)?.phoneNumber).toBe(OLD);
    const [event] = await settled();
    expect(event).toMatchObject({ type: 'send', outcome: 'blocked', status: 403, rule: 'testNumbers', phone: '+1•••••0100', country: 'US' });
    // Not review traffic: an app that filters out `test` events still sees this one.
    expect(event?.test).toBeUndefined();
    expect(event?.latencyMs).toBeUndefined();
  });

  it('the refusal spends nothing: the next send from that client goes out at once', async () => {
    const { agent, signIn } = setup({ limits: { sendsPerIp: { points: 1, durationSeconds: 3600 } } });
    await signIn();
    await agent.post('/phone/send').send({ phoneNumber: REVIEW }).expect(403);
    const sent = await agent.post('/phone/send').send({ phoneNumber: NEW }).expect(200);
    expect(sent.body.pending).toMatchObject({ phoneNumber: '+1•••••0199' });
  });

  it('still refuses it after expiresAt: the list says its code is public, or will be at the next review', async () => {
    const { agent, signIn } = setup();
    await signIn();
    h.clock.advance(DAY);
    const sends = h.counter('send');
    const refused = await agent.post('/phone/send').send({ phoneNumber: REVIEW }).expect(403);
    expect(refused.body.code).toBe('blocked');
    expect(sends()).toBe(0);
  });

  it('changes to any other number as usual, and the login strategy still takes the fixed code', async () => {
    const { t, agent, alice, signIn } = setup();
    await signIn();
    await agent.post('/phone/send').send({ phoneNumber: NEW }).expect(200);
    const res = await agent.post('/phone/code').send({ code: h.code(NEW) }).expect(200);
    expect(res.body.verified).toMatchObject({ phoneNumber: NEW, userId: alice.id });
    expect(h.users.get(alice.id)?.phoneNumber).toBe(NEW);

    const reviewer = request.agent(t.app);
    await reviewer.post('/login/phone').send({ phoneNumber: REVIEW }).expect(200);
    const login = await reviewer.post('/login/code').send({ code: REVIEW_CODE }).expect(200);
    expect(login.body.user).toMatchObject({ phoneNumber: REVIEW });
  });
});
