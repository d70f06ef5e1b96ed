// The baselines' route pair: the same two Ding calls and the same session handling as the
// strategy app (express-session; pending state in the session, saved before the reply; the user
// logged in through Passport's session, as passport.authenticate() does it: passport.session() on
// every request, req.logIn() at login, which regenerates the session), with the checks a careful
// hand-written app makes and nothing more: the phone number through libphonenumber-js (as this
// project's standards ask of phone parsing, and as the strategy does), the code against a
// pattern, the pending state's expiry and attempts. No strategy: the routes call Ding
// themselves. The HTTP client is the only thing the floor and fetch baselines change. (The
// ablations swap in an E.164 pattern for the phone, or log in by hand without Passport, through
// HandwrittenOptions.)
import type { NextFunction, Request, Response } from 'express';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import passport from 'passport';
import { createShell, type BenchApp, type DingTarget, type User } from './shell.js';
import type { Upstream } from './upstream.js';

const E164 = /^\+[1-9][0-9]{6,14}$/;
const CODE = /^[0-9]{4,10}$/;
const TTL_MS = 10 * 60 * 1000;

const save = (req: Request): Promise<void> =>
  new Promise((resolve, reject) => req.session.save((err: unknown) => (err ? reject(err as Error) : resolve())));
const regenerate = (req: Request): Promise<void> =>
  new Promise((resolve, reject) => req.session.regenerate((err: unknown) => (err ? reject(err as Error) : resolve())));

type Handler = (req: Request, res: Response) => Promise<void>;
const route = (handler: Handler) => (req: Request, res: Response, next: NextFunction) => {
  handler(req, res).catch(next);
};

/** The phone check: the E.164 number to send to, or undefined to refuse. */
export type PhoneCheck = (input: string) => string | undefined;
/** What a careful app does: parse and validate with libphonenumber-js (the default). */
export const libphonenumber: PhoneCheck = (input) => {
  const parsed = parsePhoneNumberFromString(input);
  return parsed?.isValid() ? parsed.number : undefined;
};
/** The least an app can do: the E.164 shape, valid or not (ablations). */
export const e164Pattern: PhoneCheck = (input) => (E164.test(input) ? input : undefined);

export interface HandwrittenOptions {
  /** Default: libphonenumber-js. */
  checkPhone?: PhoneCheck;
  /**
   * Default `'passport'`: passport.session() on every request, req.logIn() at login, as in the
   * strategy app. `'by-hand'`: the same steps (regenerate, user id in the session, save) without
   * Passport, to show what Passport itself costs.
   */
  sessionLogin?: 'passport' | 'by-hand';
}

export function handwrittenApp(ding: DingTarget, upstream: Upstream, options: HandwrittenOptions = {}): BenchApp {
  const checkPhone = options.checkPhone ?? libphonenumber;
  const { app, users, finish } = createShell('pending');
  let logIn: (req: Request, user: User) => Promise<void>;

  if ((options.sessionLogin ?? 'passport') === 'passport') {
    const auth = new passport.Passport();
    auth.serializeUser<string>((user, done) => done(null, (user as User).id));
    auth.deserializeUser<string>((id, done) => done(null, users.get(id) ?? false));
    app.use(auth.session());
    logIn = (req, user) => new Promise((resolve, reject) => req.logIn(user, (err: unknown) => (err ? reject(err as Error) : resolve())));
  } else {
    // What passport.session() does: the logged-in user from the session, on every request.
    app.use((req, res, next) => {
      const id = req.session.userId;
      if (id !== undefined) res.locals.user = users.get(id);
      next();
    });
    // What req.logIn() does: a new session id, the user in it, saved.
    logIn = async (req, user) => {
      await regenerate(req);
      req.session.userId = user.id;
      await save(req);
    };
  }

  app.post('/login/phone', route(async (req, res) => {
    const input: unknown = req.body?.phoneNumber;
    const phone = typeof input === 'string' ? checkPhone(input) : undefined;
    if (phone === undefined) {
      res.status(400).json({ code: 'invalid_phone_number' });
      return;
    }
    const ip = req.ip?.startsWith('::ffff:') ? req.ip.slice(7) : req.ip;
    const reply = await upstream.post('/authentication', { customer_uuid: ding.customerUuid, phone_number: phone, ip });
    if (reply.status !== 'pending' || typeof reply.authentication_uuid !== 'string') {
      res.status(429).json({ code: 'rate_limited' });
      return;
    }
    req.session.pending = { id: reply.authentication_uuid, phone, expiresAt: Date.now() + TTL_MS, attemptsLeft: 5 };
    await save(req);
    res.json({ ok: true });
  }));

  app.post('/login/code', route(async (req, res) => {
    const code: unknown = req.body?.code;
    const pending = req.session.pending;
    if (typeof code !== 'string' || !CODE.test(code)) {
      res.status(401).json({ code: 'invalid_code' });
      return;
    }
    if (!pending || Date.now() >= pending.expiresAt || pending.attemptsLeft <= 0) {
      res.status(403).json({ code: 'no_pending_verification' });
      return;
    }
    const reply = await upstream.post('/check', {
      customer_uuid: ding.customerUuid,
      authentication_uuid: pending.id,
      check_code: code,
    });
    if (reply.status !== 'valid') {
      req.session.pending = { ...pending, attemptsLeft: pending.attemptsLeft - 1 };
      await save(req);
      res.status(401).json({ code: 'invalid_code' });
      return;
    }
    const user = users.findOrCreate(pending.phone);
    delete req.session.pending;
    await logIn(req, user);
    res.json({ user: { id: user.id } });
  }));

  finish();
  return { app, poolSize: upstream.poolSize, close: () => upstream.close() };
}
