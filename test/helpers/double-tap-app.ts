// The app of the double-tap suites (test/security/double-submit.test.ts, one instance;
// double-tap-redis.test.ts, two): login and second-factor routes as a JSON client calls them, the
// session with `cookie.maxAge` (so a changed session sets a cookie), and a gate before the resend
// and verify routes where a suite holds the two requests of a tap until both have their session.
import express from 'express';
import type { Express, RequestHandler } from 'express';
import session from 'express-session';
import passport from 'passport';
import type { DingOtpStrategy } from 'passport-ding';
import { pendingVerification } from 'passport-ding';
import type { TestUser, Users } from './users.js';

export interface DoubleTapAppSetup {
  users: Users;
  store: session.Store;
  strategies: { login: DingOtpStrategy; second: DingOtpStrategy };
  /** Before the verify routes (and the resend routes unless `beforeResend` is given). */
  together: RequestHandler;
  /** Before the resend routes, instead of `together`. */
  beforeResend?: RequestHandler;
}

/** The session `sid` as the store holds it now (undefined or null: none). */
export function stored(store: session.Store, sid: string): Promise<session.SessionData | null | undefined> {
  return new Promise((resolve, reject) => store.get(sid, (err, sess) => (err ? reject(err as Error) : resolve(sess))));
}

/** The session id in a `connect.sid` cookie value (`s:<id>.<signature>`, URL-encoded). */
export function sidOf(value: string): string {
  return decodeURIComponent(value).replace(/^s:/, '').replace(/\.[^.]*$/, '');
}

/** A double-tap suite's reading of one answer. */
export interface Answer {
  status: number;
  body: { code?: string; user?: TestUser | null; secondFactor?: boolean };
  /** The session cookie this answer set, if any. */
  cookie: string | undefined;
}

export function doubleTapApp(setup: DoubleTapAppSetup): Express {
  const { users, together } = setup;
  const auth = new passport.Passport();
  auth.use('ding', setup.strategies.login);
  auth.use('ding-2fa', setup.strategies.second);
  auth.serializeUser<string>((user, done) => done(null, (user as TestUser).id));
  auth.deserializeUser<string>((id, done) => done(null, users.get(id) ?? false));

  const app: Express = express();
  app.use(express.json());
  app.use(session({ secret: 'double tap', resave: false, saveUninitialized: false, store: setup.store, cookie: { maxAge: 15 * 60_000 } }));
  app.use(auth.session());
  app.post('/login/password', (req, res, next) => {
    const user = users.get(String((req.body as { userId?: unknown }).userId));
    if (!user) return res.status(401).json({});
    req.logIn(user, (err) => (err ? next(err) : res.json({ user })));
  });
  for (const [name, base] of [['ding', '/login'], ['ding-2fa', '/2fa']] as const) {
    app.post(`${base}/send`, auth.authenticate(name, { action: 'send' }), (req, res) => {
      res.json({ pending: pendingVerification(req, name === 'ding' ? undefined : 'passport-ding-2fa') ?? null });
    });
    app.post(`${base}/resend`, setup.beforeResend ?? together, (req, res, next) => {
      auth.authenticate(name, { action: 'retry' }, (err: unknown, _user: false, info: unknown, status?: number) => {
        if (err) return next(err);
        res.status(status ?? 401).json(info);
      })(req, res, () => res.json({ resent: true }));
    });
    app.post(`${base}/verify`, together, (req, res, next) => {
      auth.authenticate(name, { action: 'verify' }, (err: unknown, user: TestUser | false, info: unknown, status?: number) => {
        if (err) return next(err);
        if (!user) return res.status(status ?? 401).json(info);
        req.logIn(user, (loginErr) => {
          if (loginErr) return next(loginErr);
          if (name === 'ding-2fa') req.session.secondFactor = true;
          res.json({ user, secondFactor: req.session.secondFactor === true });
        });
      })(req, res, next);
    });
  }
  app.get('/me', (req, res) => {
    res.json({ user: req.user ?? null, secondFactor: req.session.secondFactor === true });
  });
  return app;
}
