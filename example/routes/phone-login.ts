// Phone login in pages: number -> code by SMS -> code -> signed in. Each POST either redirects
// (303, so a reload never re-posts) or re-renders its form with the failure and its status.
//
// Messages are rendered into the answer to the request that failed, never queued in the session
// (Passport's failureMessage pushes onto req.session.messages, which piles up one copy per
// failure until something clears it), and GET /login stores no session: where to go afterwards
// rides in the URL and the form (`returnTo`) until there is a session to keep it in.
import { Router } from 'express';
import type { Request } from 'express';
import { pendingVerification } from 'passport-ding';
import type { Passport } from '../auth.js';
import { isSignedIn } from '../guards.js';
import type { Logger } from '../logger.js';
import { noStore, safeReturnTo } from '../security.js';
import { keepPending } from '../session.js';
import type { User } from '../users.js';
import { canCall, resentNotice } from '../channels.js';
import { codePage } from '../views/code.js';
import { phonePage } from '../views/login.js';
import { deliveryExtras } from './delivery.js';
import { pageContext, refusal, refusalText, sendPage, takeNotice } from './render.js';
import { signIn, takeReturnTo } from './sign-in.js';

function bodyField(req: Request, name: string): unknown {
  return (req.body as Record<string, unknown> | undefined)?.[name];
}

export function phoneLoginRoutes(passport: Passport, logger: Logger): Router {
  const router = Router();
  router.use('/login', noStore);

  router.get('/login', (req, res) => {
    const returnTo = safeReturnTo(req.query.returnTo);
    if (isSignedIn(req)) return res.redirect(303, returnTo ?? '/account');
    const notice = req.query.signedOut === '1' ? 'You are signed out.' : takeNotice(req);
    sendPage(res, 200, phonePage(pageContext(req, res), { notice, returnTo }));
  });

  router.post(
    '/login/phone',
    (req, res, next) => {
      passport.authenticate('ding', { action: 'send' }, (err: unknown, _user: unknown, info: unknown, status?: number) => {
        if (err) return next(err);
        const r = refusal(info);
        logger.info('login.send_refused', { outcome: r.code });
        if (r.retryAfter !== undefined) res.set('Retry-After', String(r.retryAfter));
        const typed = bodyField(req, 'phoneNumber');
        sendPage(res, status ?? 400, phonePage(pageContext(req, res), {
          message: refusalText(r),
          phoneNumber: typeof typed === 'string' ? typed.slice(0, 64) : undefined,
          returnTo: safeReturnTo(bodyField(req, 'returnTo')),
        }));
      })(req, res, next);
    },
    // send called pass(): the code is on its way and the pending state is saved, in a session
    // that lives only as long as a pending code needs.
    (req, res) => {
      const returnTo = safeReturnTo(bodyField(req, 'returnTo'));
      if (returnTo) req.session.loginReturnTo = returnTo;
      if (!isSignedIn(req)) keepPending(req.session);
      logger.info('login.code_sent');
      res.redirect(303, '/login/code');
    },
  );

  router.get('/login/code', (req, res, next) => {
    const pending = pendingVerification(req);
    if (!pending) return res.redirect(303, '/login');
    deliveryExtras(req, 'ding').then((delivery) => {
      sendPage(res, 200, codePage(pageContext(req, res), { base: '/login', pending, notice: takeNotice(req), canCall: canCall(req), delivery }));
    }, next);
  });

  router.post('/login/code', (req, res, next) => {
    passport.authenticate('ding', { action: 'verify' }, (err: unknown, user: User | false, info: unknown, status?: number) => {
      if (err) return next(err);
      if (!user) {
        const r = refusal(info);
        logger.info('login.code_refused', { outcome: r.code });
        const pending = pendingVerification(req);
        // Expired or used up: nothing left to type a code for, so back to the number.
        const page = pending
          ? codePage(pageContext(req, res), { base: '/login', pending, message: refusalText(r), canCall: canCall(req) })
          : phonePage(pageContext(req, res), { message: refusalText(r), passwordHint: r.code === 'password_required' });
        return sendPage(res, status ?? 401, page);
      }
      const returnTo = takeReturnTo(req, '/account');
      signIn(req, user, { firstFactor: 'phone' }).then(() => {
        logger.info('login.signed_in', { user: user.id, method: 'phone' });
        res.redirect(303, returnTo);
      }, next);
    })(req, res, next);
  });

  router.post(
    '/login/resend',
    (req, res, next) => {
      passport.authenticate('ding', { action: 'retry' }, (err: unknown, _user: unknown, info: unknown, status?: number) => {
        if (err) return next(err);
        const r = refusal(info);
        logger.info('login.resend_refused', { outcome: r.code });
        const pending = pendingVerification(req);
        const page = pending
          ? codePage(pageContext(req, res), { base: '/login', pending, message: refusalText(r), canCall: canCall(req) })
          : phonePage(pageContext(req, res), { message: refusalText(r) });
        if (r.retryAfter !== undefined) res.set('Retry-After', String(r.retryAfter));
        sendPage(res, status ?? 429, page);
      })(req, res, next);
    },
    (req, res) => {
      logger.info('login.code_resent');
      if (!isSignedIn(req)) keepPending(req.session);
      req.session.notice = resentNotice(req);
      res.redirect(303, '/login/code');
    },
  );

  return router;
}
