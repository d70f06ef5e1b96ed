// The second-factor demo: a password (first factor), then a code texted to the phone stored on
// the account (second factor), through a second DingOtpStrategy registered as 'ding-2fa'.
// The same SMS step doubles as a step-up for pages behind requireSecondFactor.
import { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { pendingVerification } from 'passport-ding';
import type { DingOtpStrategy } from 'passport-ding';
import { currentUser, SECOND_FACTOR, TRUSTED_DEVICE_DAYS, type Passport } from '../auth.js';
import { clock, isSignedIn, requireUser } from '../guards.js';
import type { Logger } from '../logger.js';
import type { PasswordLimits } from '../password-limits.js';
import { noStore, safeReturnTo } from '../security.js';
import type { User, UserStore } from '../users.js';
import { secondFactorStartPage } from '../views/account.js';
import { canCall, resentNotice } from '../channels.js';
import { codePage } from '../views/code.js';
import { passwordPage } from '../views/login.js';
import { maskPhoneForPage } from '../views/phone.js';
import { deliveryExtras } from './delivery.js';
import { pageContext, refusal, refusalText, sendPage, takeNotice, waitText } from './render.js';
import { signIn, takeReturnTo } from './sign-in.js';

export interface SecondFactorOptions {
  passport: Passport;
  /** The 'ding-2fa' strategy: asked whether this device is remembered ("Remember this device"). */
  secondFactor: DingOtpStrategy;
  users: UserStore;
  logger: Logger;
  /** Wrong passwords per account and per address (../password-limits.ts). */
  passwordLimits: PasswordLimits;
  /** Shown under the password form in sandbox mode, e.g. "Demo user: demo / ...". */
  demoHint?: string | undefined;
}

function field(req: Request, name: string): string {
  const value: unknown = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

export function secondFactorRoutes(options: SecondFactorOptions): Router {
  const { passport, secondFactor, users, logger, passwordLimits, demoHint } = options;
  const router = Router();
  router.use(['/login/password', '/2fa'], noStore);

  // Renders the right /2fa page after a refused send or resend.
  function refusedPage(req: Request, res: Response, info: unknown, status: number | undefined): void {
    const r = refusal(info);
    logger.info('2fa.refused', { outcome: r.code });
    const pending = pendingVerification(req, SECOND_FACTOR);
    const ctx = pageContext(req, res);
    const page = pending
      ? codePage(ctx, { base: '/2fa', pending, message: refusalText(r), canCall: canCall(req), rememberDeviceDays: TRUSTED_DEVICE_DAYS })
      : secondFactorStartPage(ctx, { maskedPhone: maskedPhoneOf(req), message: refusalText(r) });
    if (r.retryAfter !== undefined) res.set('Retry-After', String(r.retryAfter));
    sendPage(res, status ?? 400, page);
  }

  const sendCode = (req: Request, res: Response, next: NextFunction): void => {
    passport.authenticate(SECOND_FACTOR, { action: 'send' }, (err: unknown, _user: unknown, info: unknown, status?: number) => {
      if (err) return next(err);
      refusedPage(req, res, info, status);
    })(req, res, (routeErr?: unknown) => {
      if (routeErr) return next(routeErr);
      // The code went to this user's phone: only this user may type it (see /2fa/code).
      const id = currentUser(req)?.id;
      if (id) req.session.secondFactorFor = id;
      next();
    });
  };

  router.get('/login/password', (req, res) => {
    const returnTo = safeReturnTo(req.query.returnTo);
    if (isSignedIn(req)) return res.redirect(303, returnTo ?? '/account');
    sendPage(res, 200, passwordPage(pageContext(req, res), { demoHint, returnTo }));
  });

  router.post(
    '/login/password',
    (req, res, next) => {
      const username = field(req, 'username').slice(0, 100);
      const formReturnTo = safeReturnTo(field(req, 'returnTo'));
      (async () => {
        // Too many wrong passwords for this account or from this address: refused before the
        // password is hashed, the same for a username that exists and one that does not.
        const wait = await passwordLimits.reserve(username, req.ip);
        if (wait !== undefined) {
          logger.info('login.password_limited');
          res.set('Retry-After', String(wait));
          return sendPage(res, 429, passwordPage(pageContext(req, res), { message: `Too many attempts. You can try again in ${waitText(wait)}.`, username, demoHint, returnTo: formReturnTo }));
        }
        const user = await users.authenticate(username, field(req, 'password').slice(0, 1000));
        if (!user) {
          logger.info('login.password_refused');
          return sendPage(res, 401, passwordPage(pageContext(req, res), { message: 'Wrong username or password.', username, demoHint, returnTo: formReturnTo }));
        }
        await passwordLimits.succeeded(username);
        const returnTo = formReturnTo ?? req.session.loginReturnTo;
        // A password is half a sign-in: a short session until the code (see signIn).
        await signIn(req, user, { firstFactor: 'password' }, (session) => {
          if (returnTo) session.loginReturnTo = returnTo;
        });
        logger.info('login.password_ok', { user: user.id });
        // A device remembered for this user and this phone number skips the SMS: the password
        // was just checked, and the device's cookie stands in for the code. Only here, at the
        // login: a step-up (/2fa/send) always asks for a fresh code.
        if (await trustedDevice(req)) {
          const target = takeReturnTo(req, '/account');
          await signIn(req, user, { firstFactor: 'password', trustedDeviceAt: clock(req) });
          logger.info('2fa.trusted_device', { user: user.id });
          return res.redirect(303, target);
        }
        next();
      })().catch(next);
    },
    // Password accepted: text the code straight away, no extra click.
    sendCode,
    (_req, res) => {
      logger.info('2fa.code_sent');
      res.redirect(303, '/2fa/code');
    },
  );

  router.get('/2fa', requireUser('page'), (req, res) => {
    if (pendingVerification(req, SECOND_FACTOR)) return res.redirect(303, '/2fa/code');
    sendPage(res, 200, secondFactorStartPage(pageContext(req, res), { maskedPhone: maskedPhoneOf(req) }));
  });

  router.post('/2fa/send', requireUser('page'), sendCode, (_req, res) => {
    logger.info('2fa.code_sent');
    res.redirect(303, '/2fa/code');
  });

  router.get('/2fa/code', requireUser('page'), (req, res, next) => {
    const pending = pendingVerification(req, SECOND_FACTOR);
    if (!pending) return res.redirect(303, '/2fa');
    deliveryExtras(req, SECOND_FACTOR).then((delivery) => {
      sendPage(res, 200, codePage(pageContext(req, res), { base: '/2fa', pending, notice: takeNotice(req), canCall: canCall(req), delivery, rememberDeviceDays: TRUSTED_DEVICE_DAYS }));
    }, next);
  });

  router.post('/2fa/code', requireUser('page'), requireCodeOwner, (req, res, next) => {
    passport.authenticate(SECOND_FACTOR, { action: 'verify' }, (err: unknown, user: User | false, info: unknown, status?: number) => {
      if (err) return next(err);
      if (!user) return refusedPage(req, res, info, status ?? 401);
      const returnTo = takeReturnTo(req, '/account');
      // More privilege, new session id: log in again, carrying this user's first factor over
      // (another user's counts for nothing: firstFactorOf checks the id).
      signIn(req, user, { firstFactor: firstFactorOf(req, user), secondFactorAt: clock(req) }).then(() => {
        logger.info('2fa.passed', { user: user.id });
        res.redirect(303, returnTo);
      }, next);
    })(req, res, next);
  });

  router.post(
    '/2fa/resend',
    requireUser('page'),
    requireCodeOwner,
    (req, res, next) => {
      passport.authenticate(SECOND_FACTOR, { action: 'retry' }, (err: unknown, _user: unknown, info: unknown, status?: number) => {
        if (err) return next(err);
        refusedPage(req, res, info, status ?? 429);
      })(req, res, next);
    },
    (req, res) => {
      req.session.notice = resentNotice(req, SECOND_FACTOR);
      res.redirect(303, '/2fa/code');
    },
  );

  // The device store failing (TrustedDeviceStoreError) means "not known": ask for the code.
  async function trustedDevice(req: Request): Promise<boolean> {
    try {
      return await secondFactor.isTrustedDevice(req);
    } catch (err) {
      logger.warn('2fa.device_check_failed', { error: err instanceof Error ? err.name : 'unknown' });
      return false;
    }
  }

  return router;
}

/**
 * The first factor this user earned in this session. Without one of their own (requireUser lets
 * that through only for phone-only accounts) the phone is the factor.
 */
export function firstFactorOf(req: Request, user: User): 'phone' | 'password' {
  const auth = req.session.auth;
  return auth?.userId === user.id ? auth.firstFactor : 'phone';
}

/**
 * A second-factor code belongs to the user it was sent for. If the session's user changed since
 * (a login that kept the session's data), the pending code is dropped, never checked for them.
 */
export function requireCodeOwner(req: Request, res: Response, next: NextFunction): void {
  const id = currentUser(req)?.id;
  if (id !== undefined && req.session.secondFactorFor === id) return next();
  const session = req.session as unknown as Record<string, unknown>;
  delete session[SECOND_FACTOR];
  delete req.session.secondFactorFor;
  const message = 'There is no code waiting for this account. Ask for a new one.';
  if (req.originalUrl.startsWith('/api/')) return void res.status(403).json({ code: 'no_pending_verification', message });
  sendPage(res, 403, secondFactorStartPage(pageContext(req, res), { maskedPhone: maskedPhoneOf(req), message }));
}

function maskedPhoneOf(req: Request): string | undefined {
  const phone = currentUser(req)?.phone;
  return phone ? maskPhoneForPage(phone) : undefined;
}
