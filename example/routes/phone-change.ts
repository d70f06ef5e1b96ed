// Changing the signed-in user's phone number: new number -> code by SMS to it -> code -> the
// account has the new number. Through the 'ding-phone' strategy in phone-change mode (see
// ../auth.ts): the code is bound to the user who asked for it, and a right code logs nobody in.
//
// The verify step uses Passport's `assignProperty`: the strategy hands the route a
// VerifiedPhoneChange on `req.verifiedPhone` and the session stays as it is. Refusals come back
// through `failWithError` (with the message Passport's `failureMessage` stores, taken out of the
// session at once) and are rendered with their status.
//
// A number change is sensitive (it moves the second factor), so every step sits behind a recent
// second factor on the current number, as /account/security does.
import { Router } from 'express';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { pendingVerification, PHONE_CHANGE_SESSION_KEY } from 'passport-ding';
import type { VerifiedPhoneChange } from 'passport-ding';
import { currentUser, PHONE_CHANGE, type Passport } from '../auth.js';
import { requireSecondFactor, requireSignIn } from '../guards.js';
import type { Logger } from '../logger.js';
import { noStore } from '../security.js';
import { codePage } from '../views/code.js';
import { deliveryExtras, deliveryRoutes } from './delivery.js';
import { formatPhone } from '../views/phone.js';
import { phoneChangePage } from '../views/phone-change.js';
import { pageContext, refusal, refusalText, sendPage, takeNotice } from './render.js';

const BASE = '/account/phone';

export interface PhoneChangeOptions {
  passport: Passport;
  logger: Logger;
  /** Forgets the devices remembered for the second factor (AuthSetup.forgetAllDevices). */
  forgetAllDevices(userId: string): Promise<number>;
}

function typedPhone(req: Request): string | undefined {
  const value: unknown = (req.body as Record<string, unknown> | undefined)?.phoneNumber;
  return typeof value === 'string' ? value.slice(0, 64) : undefined;
}

function currentPhone(req: Request): string | undefined {
  const phone = currentUser(req)?.phone;
  return phone ? formatPhone(phone) : undefined;
}

/** The code page while a change is pending, else the number form; with `message`. */
function refusedPage(req: Request, res: Response, status: number, message: string): void {
  const pending = pendingVerification(req, PHONE_CHANGE_SESSION_KEY);
  const ctx = pageContext(req, res);
  const page = pending
    ? codePage(ctx, { base: BASE, pending, message })
    : phoneChangePage(ctx, { currentPhone: currentPhone(req), message, phoneNumber: typedPhone(req) });
  sendPage(res, status, page);
}

export function phoneChangeRoutes(options: PhoneChangeOptions): Router {
  const { passport, logger, forgetAllDevices } = options;
  const router = Router();
  const guards = [noStore, requireSignIn('page'), requireSecondFactor('page')];
  router.use(BASE, ...guards);
  // The code page's delivery report (GET /account/phone/code/delivery), behind the same guards.
  router.use(deliveryRoutes(PHONE_CHANGE));

  router.get(BASE, (req, res) => {
    sendPage(res, 200, phoneChangePage(pageContext(req, res), { currentPhone: currentPhone(req), notice: takeNotice(req) }));
  });

  router.post(
    BASE,
    (req, res, next) => {
      passport.authenticate(PHONE_CHANGE, { action: 'send' }, (err: unknown, _user: unknown, info: unknown, status?: number) => {
        if (err) return next(err);
        const r = refusal(info);
        logger.info('phone_change.send_refused', { outcome: r.code });
        if (r.retryAfter !== undefined) res.set('Retry-After', String(r.retryAfter));
        // A refused send is about the number typed: back to its form, whatever was pending.
        sendPage(res, status ?? 400, phoneChangePage(pageContext(req, res), { currentPhone: currentPhone(req), message: refusalText(r), phoneNumber: typedPhone(req) }));
      })(req, res, next);
    },
    (_req, res) => {
      logger.info('phone_change.code_sent');
      res.redirect(303, `${BASE}/code`);
    },
  );

  router.get(`${BASE}/code`, (req, res, next) => {
    const pending = pendingVerification(req, PHONE_CHANGE_SESSION_KEY);
    if (!pending) return res.redirect(303, BASE);
    deliveryExtras(req, PHONE_CHANGE).then((delivery) => {
      sendPage(res, 200, codePage(pageContext(req, res), { base: BASE, pending, notice: takeNotice(req), delivery }));
    }, next);
  });

  // A refused code: Passport put the strategy's message in req.session.messages (failureMessage)
  // and passed an AuthenticationError with the status (failWithError). Anything else goes on.
  const codeRefused: ErrorRequestHandler = (err: { name?: unknown; status?: unknown }, req, res, next) => {
    if (err?.name !== 'AuthenticationError') return next(err);
    const stored = req.session.messages ?? [];
    const message = stored.at(-1) ?? 'That did not work. Try again.';
    delete req.session.messages;
    logger.info('phone_change.code_refused', { status: typeof err.status === 'number' ? err.status : 401 });
    refusedPage(req, res, typeof err.status === 'number' ? err.status : 401, message);
  };

  const changed: RequestHandler = (req, res) => {
    // The verify callback has changed the number (../auth.ts). Devices remembered with the old
    // one must ask for a code again: forget them all. A device store that fails here does not
    // undo the change, and cannot let a device in: a trusted device is also checked against the
    // number on file, which is the new one now.
    const { userId } = (req as Request & { verifiedPhone: VerifiedPhoneChange }).verifiedPhone;
    const user = String(userId);
    forgetAllDevices(user).then(
      (forgotten) => logger.info('phone_change.done', { user, devicesForgotten: forgotten }),
      (err: unknown) => logger.error('phone_change.forget_devices_failed', { user, error: err instanceof Error ? err.name : 'Error' }),
    ).finally(() => {
      req.session.notice = 'Your phone number is changed.';
      res.redirect(303, '/account');
    });
  };

  router.post(
    `${BASE}/code`,
    passport.authenticate(PHONE_CHANGE, { action: 'verify', assignProperty: 'verifiedPhone', failureMessage: true, failWithError: true }) as RequestHandler,
    changed,
    codeRefused,
  );

  router.post(
    `${BASE}/resend`,
    (req, res, next) => {
      passport.authenticate(PHONE_CHANGE, { action: 'retry' }, (err: unknown, _user: unknown, info: unknown, status?: number) => {
        if (err) return next(err);
        const r = refusal(info);
        logger.info('phone_change.resend_refused', { outcome: r.code });
        if (r.retryAfter !== undefined) res.set('Retry-After', String(r.retryAfter));
        refusedPage(req, res, status ?? 429, refusalText(r));
      })(req, res, next);
    },
    (req, res) => {
      logger.info('phone_change.code_resent');
      req.session.notice = 'A new code is on its way.';
      res.redirect(303, `${BASE}/code`);
    },
  );

  return router;
}
