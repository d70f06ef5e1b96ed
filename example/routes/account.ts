// The signed-in side: the profile, a page behind both factors, and sign-out.
import { Router } from 'express';
import type { Request } from 'express';
import type { Logger } from '../logger.js';
import { currentUser } from '../auth.js';
import { isSignedIn, requireSecondFactor, requireSignIn } from '../guards.js';
import { noStore } from '../security.js';
import { profilePage, securityPage, type ProfileView } from '../views/account.js';
import { formatPhone } from '../views/phone.js';
import { pageContext, sendPage, takeNotice } from './render.js';
import { endSession } from './sign-in.js';

function profileOf(req: Request): ProfileView {
  const user = currentUser(req);
  // The guards have checked that this state belongs to this user.
  const auth = req.session.auth;
  const at = auth?.secondFactorAt;
  return {
    name: user?.name ?? '',
    phone: user?.phone ? formatPhone(user.phone) : undefined,
    signedInWith: auth?.firstFactor === 'password' ? 'password + SMS code' : 'phone (SMS code)',
    secondFactorAt: at === undefined ? undefined : new Date(at),
  };
}

export function accountRoutes(logger: Logger): Router {
  const router = Router();

  router.get('/', (req, res) => res.redirect(303, isSignedIn(req) ? '/account' : '/login'));
  // No icon; an empty answer keeps browsers from asking for one on every page.
  router.get('/favicon.ico', (_req, res) => res.status(204).end());

  router.use('/account', noStore);
  router.get('/account', requireSignIn('page'), (req, res) => {
    sendPage(res, 200, profilePage(pageContext(req, res), profileOf(req), takeNotice(req)));
  });
  router.get('/account/security', requireSignIn('page'), requireSecondFactor('page'), (req, res) => {
    sendPage(res, 200, securityPage(pageContext(req, res), profileOf(req)));
  });

  // POST only (with the CSRF token), so a link or an image cannot sign anyone out.
  router.post('/logout', (req, res, next) => {
    const id = currentUser(req)?.id;
    endSession(req, res, (err) => {
      if (err) return next(err);
      if (id) logger.info('logout', { user: id });
      // The notice rides in the URL: a signed-out visitor has no session to keep it in.
      res.redirect(303, '/login?signedOut=1');
    });
  });

  return router;
}
