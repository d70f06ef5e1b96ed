// The same logins as JSON, for single-page and mobile clients. Same strategies, custom
// callbacks. A refusal is `{ code, message, retryAfter? }` with the strategy's status (and a
// Retry-After header when there is a wait); a send or resend answers `{ pending }`.
//
// The session cookie still carries the login, so state-changing calls need the CSRF token:
// GET /api/session gives it, send it back as the `x-csrf-token` header.
import { Router } from 'express';
import type { Request, RequestHandler, Response } from 'express';
import type { DingAction, DingOtpStrategy } from 'passport-ding';
import { DEFAULT_SESSION_KEY, pendingVerification } from 'passport-ding';
import { currentUser, SECOND_FACTOR, type Passport } from '../auth.js';
import { clock, hasFreshSecondFactor, isSignedIn, requireSignIn, requireUser } from '../guards.js';
import { csrfToken } from '../csrf.js';
import type { Logger } from '../logger.js';
import type { PasswordLimits } from '../password-limits.js';
import { noStore } from '../security.js';
import { keepPending } from '../session.js';
import type { User, UserStore } from '../users.js';
import { refusal } from './render.js';
import { firstFactorOf, requireCodeOwner } from './second-factor.js';
import { endSession, signIn, takeReturnTo } from './sign-in.js';

function refuse(res: Response, status: number, info: unknown): void {
  const r = refusal(info);
  if (r.retryAfter !== undefined) res.set('Retry-After', String(r.retryAfter));
  res.status(status).json(r);
}

function userJson(req: Request, user: User | undefined = currentUser(req)): object | null {
  if (!user) return null;
  return { id: user.id, name: user.name, signedIn: isSignedIn(req), secondFactor: hasFreshSecondFactor(req) };
}

export function apiRoutes(options: { passport: Passport; users: UserStore; logger: Logger; secondFactor: DingOtpStrategy; passwordLimits: PasswordLimits }): Router {
  const { passport, users, logger, secondFactor, passwordLimits } = options;
  const router = Router();
  router.use(noStore);

  // send / retry: the strategy passes, then we answer with the public pending view.
  function step(strategy: string, action: Exclude<DingAction, 'verify'>, key: string): RequestHandler[] {
    return [
      (req, res, next) => {
        passport.authenticate(strategy, { action }, (err: unknown, _user: unknown, info: unknown, status?: number) => {
          if (err) return next(err);
          logger.info('api.refused', { step: `${strategy}.${action}`, outcome: refusal(info).code });
          refuse(res, status ?? 400, info);
        })(req, res, next);
      },
      (req, res) => {
        logger.info('api.code_sent', { step: `${strategy}.${action}` });
        // A second-factor code belongs to the user it went to (see requireCodeOwner).
        if (strategy === SECOND_FACTOR && action === 'send') {
          const id = currentUser(req)?.id;
          if (id) req.session.secondFactorFor = id;
        }
        // A session holding only a pending code lives briefly (see ../session.ts).
        if (!isSignedIn(req)) keepPending(req.session);
        res.json({ pending: pendingVerification(req, key) });
      },
    ];
  }

  router.get('/session', (req, res) => {
    res.json({
      csrfToken: csrfToken(req, res),
      user: userJson(req),
      pending: pendingVerification(req) ?? pendingVerification(req, SECOND_FACTOR) ?? null,
    });
  });

  router.post('/login/send', ...step('ding', 'send', DEFAULT_SESSION_KEY));
  router.post('/login/resend', ...step('ding', 'retry', DEFAULT_SESSION_KEY));
  router.post('/login/verify', (req, res, next) => {
    passport.authenticate('ding', { action: 'verify' }, (err: unknown, user: User | false, info: unknown, status?: number) => {
      if (err) return next(err);
      if (!user) return refuse(res, status ?? 401, info);
      takeReturnTo(req, '/'); // JSON clients navigate themselves: just drop a page's return-to
      signIn(req, user, { firstFactor: 'phone' }).then(() => {
        logger.info('login.signed_in', { user: user.id, method: 'phone', via: 'api' });
        // The token is bound to the user: hand over the new one so the client can keep going.
        res.json({ user: userJson(req, user), csrfToken: csrfToken(req, res) });
      }, next);
    })(req, res, next);
  });

  router.post('/login/password', async (req, res, next) => {
    try {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const username = typeof body.username === 'string' ? body.username.slice(0, 100) : '';
      const password = typeof body.password === 'string' ? body.password.slice(0, 1000) : '';
      // Too many wrong passwords for this account or from this address (../password-limits.ts).
      const wait = await passwordLimits.reserve(username, req.ip);
      if (wait !== undefined) return refuse(res, 429, { code: 'rate_limited', message: 'Too many attempts. Try again later.', retryAfter: wait });
      const user = await users.authenticate(username, password);
      if (!user) return refuse(res, 401, { code: 'invalid_credentials', message: 'Wrong username or password.' });
      await passwordLimits.succeeded(username);
      await signIn(req, user, { firstFactor: 'password' });
      logger.info('login.password_ok', { user: user.id, via: 'api' });
      // A remembered device (the cookie set by /api/2fa/verify with `rememberDevice: true`)
      // completes the sign-in without an SMS, as the page login does; a failing store: "no".
      if (await secondFactor.isTrustedDevice(req).catch(() => false)) {
        await signIn(req, user, { firstFactor: 'password', trustedDeviceAt: clock(req) });
        logger.info('2fa.trusted_device', { user: user.id, via: 'api' });
        return void res.json({ user: userJson(req, user), csrfToken: csrfToken(req, res), trustedDevice: true });
      }
      // The client sends the SMS next with POST /api/2fa/send, using this new token.
      res.json({ user: userJson(req, user), csrfToken: csrfToken(req, res), trustedDevice: false });
    } catch (err) {
      next(err);
    }
  });

  router.post('/2fa/send', requireUser('json'), ...step(SECOND_FACTOR, 'send', SECOND_FACTOR));
  router.post('/2fa/resend', requireUser('json'), requireCodeOwner, ...step(SECOND_FACTOR, 'retry', SECOND_FACTOR));
  router.post('/2fa/verify', requireUser('json'), requireCodeOwner, (req, res, next) => {
    passport.authenticate(SECOND_FACTOR, { action: 'verify' }, (err: unknown, user: User | false, info: unknown, status?: number) => {
      if (err) return next(err);
      if (!user) return refuse(res, status ?? 401, info);
      signIn(req, user, { firstFactor: firstFactorOf(req, user), secondFactorAt: clock(req) }).then(() => {
        logger.info('2fa.passed', { user: user.id, via: 'api' });
        res.json({ user: userJson(req, user), csrfToken: csrfToken(req, res) });
      }, next);
    })(req, res, next);
  });

  router.get('/me', requireSignIn('json'), (req, res) => {
    res.json({ user: userJson(req) });
  });

  router.post('/logout', (req, res, next) => {
    endSession(req, res, (err) => (err ? next(err) : res.status(204).end()));
  });

  // Unknown API paths answer JSON too.
  router.use((_req, res) => {
    res.status(404).json({ code: 'not_found', message: 'No such endpoint.' });
  });

  return router;
}
