// A small app for the security suites: the three login steps as JSON, a session store of the
// test's choosing, and the error handling of the test's choosing, because what reaches the user
// on a fault depends on the app's error handler as much as on the library:
//
//   'message'     renders err.message with err.status, as many apps do
//   'production'  no handler: Express's default (finalhandler) with env = production
//   'json'        `{ error: name, code }` with status 500, dropping a login Passport failed to save
import express from 'express';
import type { ErrorRequestHandler, Express, RequestHandler } from 'express';
import session from 'express-session';
import passport from 'passport';
import type { DingOtpStrategy } from 'passport-ding';
import { pendingVerification } from 'passport-ding';
import type { TestUser, Users } from './users.js';

export type ErrorStyle = 'message' | 'production' | 'json';

export interface SecurityAppSetup {
  strategy: DingOtpStrategy;
  users: Users;
  errors?: ErrorStyle;
  store?: session.Store;
  /** Express `trust proxy`, to test per-IP limits with X-Forwarded-For. */
  trustProxy?: boolean;
  /** Body parsers' size limit. Default express's 100kb. */
  bodyLimit?: string;
  /** Sees each error handed to Express before the error style renders it. */
  onError?: (err: unknown) => void;
}

export function securityApp(setup: SecurityAppSetup): Express {
  const { users } = setup;
  const auth = new passport.Passport();
  auth.use('ding', setup.strategy);
  auth.serializeUser<string>((user, done) => done(null, (user as TestUser).id));
  auth.deserializeUser<string>((id, done) => done(null, users.get(id) ?? false));

  const app = express();
  if (setup.trustProxy) app.set('trust proxy', true);
  if (setup.errors === 'production') app.set('env', 'production');
  const limit = setup.bodyLimit ?? '100kb';
  app.use(express.json({ limit }));
  app.use(express.urlencoded({ extended: true, limit }));
  app.use(session({ secret: 'security test secret', resave: false, saveUninitialized: false, store: setup.store ?? new session.MemoryStore() }));
  app.use(auth.session());

  const done: RequestHandler = (req, res) => {
    res.json({ pending: pendingVerification(req) ?? null, user: req.user ?? null });
  };
  app.post('/login/phone', auth.authenticate('ding', { action: 'send' }), done);
  app.post('/login/resend', auth.authenticate('ding', { action: 'retry' }), done);
  app.post('/login/code', auth.authenticate('ding', { action: 'verify' }), done);
  app.post('/login/auto', auth.authenticate('ding'), done);
  // A JSON client's custom callback: the refusal info is the body.
  app.post('/api/:action', (req, res, next) => {
    const action = req.params.action;
    if (action !== 'send' && action !== 'verify' && action !== 'retry') return next();
    auth.authenticate('ding', { action }, (err: unknown, user: TestUser | false, info: unknown, status?: number) => {
      if (err) return next(err);
      if (!user) return res.status(status ?? 401).json(info);
      req.logIn(user, (loginErr) => (loginErr ? next(loginErr) : res.json({ user })));
    })(req, res, () => res.json({ pending: pendingVerification(req) ?? null }));
  });
  app.get('/me', (req, res) => {
    res.json({ user: req.user ?? null, pending: pendingVerification(req) ?? null });
  });

  const { onError } = setup;
  if (onError) {
    const seen: ErrorRequestHandler = (err: unknown, _req, _res, next) => {
      onError(err);
      next(err);
    };
    app.use(seen);
  }
  if (setup.errors === 'message') {
    const render: ErrorRequestHandler = (err: { status?: unknown; message?: string }, _req, res, _next) => {
      res.status(typeof err.status === 'number' ? err.status : 500).type('text/plain').send(String(err.message));
    };
    app.use(render);
  } else if (setup.errors !== 'production') {
    const json: ErrorRequestHandler = (err: { name?: string; code?: string; status?: number }, req, res, _next) => {
      // SECURITY.md: when Passport could not save a login, it leaves the user in the in-memory
      // session, and express-session would try to save that once more as the response ends.
      const passport = (req.session as { passport?: { user?: unknown } } | undefined)?.passport;
      if (passport) delete passport.user;
      const status = err.name === 'AuthenticationError' && typeof err.status === 'number' ? err.status : 500;
      res.status(status).json({ error: err.name ?? 'Error', code: err.code ?? null });
    };
    app.use(json);
  }
  return app;
}
