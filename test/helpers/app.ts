// A test app factory: Express (5 or 4) + express-session (memory store) + its own Passport
// instance, with one route per way an app may use the strategy. Every answer is JSON so tests
// can read it; nothing here knows about the sandbox.
import express5 from 'express';
import type { ErrorRequestHandler, Express, Request, RequestHandler } from 'express';
import express4 from 'express4';
import session from 'express-session';
import passport from 'passport';
import type { DingOtpStrategy } from 'passport-ding';
import { pendingVerification } from 'passport-ding';
import type { TestUser } from './users.js';
import { Users } from './users.js';

export type ExpressFactory = typeof express5;

/** The two Express majors the suite runs on. */
export const EXPRESS_VERSIONS: Array<[string, ExpressFactory]> = [
  ['express 5', express5],
  ['express 4', express4],
];

declare module 'express-session' {
  interface SessionData {
    note: string;
    secondFactor: boolean;
    flash: Array<{ type: string; message: string }>;
  }
}

export interface AppSetup {
  express: ExpressFactory;
  /** `ding` for the login routes; `ding-2fa` (optional) for the second-factor routes. */
  strategies: { ding?: DingOtpStrategy; 'ding-2fa'?: DingOtpStrategy };
  users?: Users;
  /** Runs before authenticate on POST /login/code (e.g. a barrier). */
  beforeVerify?: RequestHandler;
  /** Leave out express-session, to test the configuration error. */
  withoutSession?: boolean;
  /** A session object without regenerate() (as cookie-session has), to test the configuration error. */
  sessionWithoutRegenerate?: boolean;
  /** Leave out the req.flash middleware (failureFlash then throws inside Passport). */
  withoutFlash?: boolean;
  /** Leave out `passport.session()` (Passport's initialize() instead, for req.logIn): req.user is never restored. */
  withoutPassportSession?: boolean;
  /** Leave out the body parsers, to test the configuration error. */
  withoutBodyParser?: boolean;
  /** More routes, registered before the error handler (`auth` is this app's Passport). */
  routes?: (app: Express, auth: InstanceType<typeof passport.Passport>) => void;
}

export interface TestApp {
  app: Express;
  store: session.MemoryStore;
  users: Users;
  /** What the session `sid` holds under `key` (the strategy's default key), as stored. */
  storedPending(sid: string, key?: string): Promise<unknown>;
  /** Replaces what the session `sid` holds under `key` in the store, as another instance would write it. */
  writeStoredPending(sid: string, value: unknown, key?: string): Promise<void>;
  /** Ids of the stored sessions that hold a logged-in user. */
  loggedInSessions(): Promise<string[]>;
  /** Every error that reached the app's error handler, in order. */
  errors: unknown[];
}

const json = (req: Request) => ({ pending: pendingVerification(req) ?? null });

export function createApp(setup: AppSetup): TestApp {
  const { express } = setup;
  const users = setup.users ?? new Users();
  const store = new session.MemoryStore();
  const auth = new passport.Passport();
  if (setup.strategies.ding) auth.use('ding', setup.strategies.ding);
  if (setup.strategies['ding-2fa']) auth.use('ding-2fa', setup.strategies['ding-2fa']);
  auth.serializeUser<string>((user, done) => done(null, (user as TestUser).id));
  auth.deserializeUser<string>((id, done) => done(null, users.get(id) ?? false));

  const app = express();
  if (!setup.withoutBodyParser) {
    app.use(express.json());
    app.use(express.urlencoded({ extended: true }));
  }
  if (!setup.withoutSession) {
    app.use(session({ secret: 'test secret', resave: false, saveUninitialized: false, store }));
    if (setup.sessionWithoutRegenerate) {
      app.use((req, _res, next) => {
        (req.session as unknown as { regenerate: undefined }).regenerate = undefined;
        next();
      });
    }
    // A minimal req.flash (connect-flash's contract), for failureFlash.
    if (!setup.withoutFlash) {
      app.use((req, _res, next) => {
        (req as Request & { flash: (type: string, message: string) => void }).flash = (type, message) => {
          req.session.flash = [...(req.session.flash ?? []), { type, message }];
        };
        next();
      });
    }
    app.use(setup.withoutPassportSession ? auth.initialize() : auth.session());
  }

  const done: RequestHandler = (req, res) => {
    res.json({ ...json(req), user: req.user ?? null, authInfo: req.authInfo ?? null });
  };

  // The flow as an app would write it, JSON in and out.
  app.post('/login/phone', auth.authenticate('ding', { action: 'send' }), done);
  app.post('/login/resend', auth.authenticate('ding', { action: 'retry' }), done);
  app.post('/login/code', setup.beforeVerify ?? ((_req, _res, next) => next()), auth.authenticate('ding', { action: 'verify' }), done);
  app.post('/login/auto', auth.authenticate('ding'), done);

  // Browser-style: redirects and failure messages in the session.
  app.post(
    '/form/code',
    auth.authenticate('ding', {
      action: 'verify',
      successRedirect: '/',
      failureRedirect: '/login/code',
      failureMessage: true,
      failureFlash: true,
    }),
  );
  app.post('/fwe/code', auth.authenticate('ding', { action: 'verify', failWithError: true }), done);
  app.post('/keep/code', auth.authenticate('ding', { action: 'verify', keepSessionInfo: true }), done);

  // A custom callback answering a JSON client with `{ code, message }` on refusal.
  app.post('/api/:action', (req, res, next) => {
    const action = req.params.action as 'send' | 'verify' | 'retry';
    auth.authenticate('ding', { action }, (err: unknown, user: TestUser | false, info: unknown, status?: number) => {
      if (err) return next(err);
      if (!user) return res.status(status ?? 401).json(info);
      req.logIn(user, (loginErr) => (loginErr ? next(loginErr) : res.json({ user })));
    })(req, res, () => res.json(json(req)));
  });

  // Second factor: a first-factor login stands in for a password check.
  app.post('/login/password', (req, res, next) => {
    const user = users.get(String(req.body?.userId));
    if (!user) return res.status(401).json({ code: 'unknown_user' });
    req.logIn(user, (err) => (err ? next(err) : res.json({ user })));
  });
  app.post('/2fa/send', auth.authenticate('ding-2fa', { action: 'send' }), done);
  app.post('/2fa/resend', auth.authenticate('ding-2fa', { action: 'retry' }), done);
  app.post('/2fa/code', auth.authenticate('ding-2fa', { action: 'verify', keepSessionInfo: true }), (req, res, next) => {
    req.session.secondFactor = true;
    next();
  }, done);

  app.post('/session/note', (req, res) => {
    req.session.note = String(req.body?.note);
    res.json({ ok: true });
  });
  app.get('/me', (req, res) => {
    res.json({
      user: req.user ?? null,
      sessionID: req.sessionID ?? null,
      note: req.session?.note ?? null,
      messages: req.session?.messages ?? [],
      flash: req.session?.flash ?? [],
      secondFactor: req.session?.secondFactor ?? false,
      ...json(req),
    });
  });

  setup.routes?.(app, auth);

  // Errors as an app should show them: a name and a code, never a stack or an upstream body.
  // Only Passport's AuthenticationError (failWithError) picks the status; upstream faults are 500.
  // Every error is recorded; one that arrives after an answer has gone out gets no second answer.
  const errors: unknown[] = [];
  const onError: ErrorRequestHandler = (err: { name?: string; code?: string; status?: number }, _req, res, _next) => {
    errors.push(err);
    if (res.headersSent) return;
    const status = err.name === 'AuthenticationError' && typeof err.status === 'number' ? err.status : 500;
    res.status(status).json({ error: err.name ?? 'Error', code: err.code ?? null });
  };
  app.use(onError);

  return {
    app,
    store,
    users,
    errors,
    storedPending: (sid, key = 'passport-ding') =>
      new Promise((resolve, reject) => {
        store.get(sid, (err, data) => {
          if (err) return reject(err instanceof Error ? err : new Error(String(err)));
          resolve((data as Record<string, unknown> | null | undefined)?.[key]);
        });
      }),
    writeStoredPending: (sid, value, key = 'passport-ding') =>
      new Promise((resolve, reject) => {
        store.get(sid, (err, data) => {
          if (err || !data) return reject(err instanceof Error ? err : new Error(`no session ${sid}`));
          store.set(sid, { ...data, [key]: value } as typeof data, (setErr) => (setErr ? reject(setErr instanceof Error ? setErr : new Error(String(setErr))) : resolve()));
        });
      }),
    loggedInSessions: () =>
      new Promise((resolve, reject) => {
        store.all((err, sessions) => {
          if (err) return reject(err instanceof Error ? err : new Error(String(err)));
          const all = (sessions ?? {}) as Record<string, { passport?: { user?: unknown } }>;
          resolve(Object.keys(all).filter((id) => all[id]?.passport?.user !== undefined));
        });
      }),
  };
}
