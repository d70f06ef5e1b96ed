// The signed-in side: the profile, a page behind both factors, and sign-out.
import { Router } from 'express';
import type { Request } from 'express';
import type { DingOtpStrategy } from 'passport-ding';
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
    signedInWith: auth?.firstFactor !== 'password' ? 'phone (SMS code)' : auth.secondFactorAt === undefined && auth.trustedDeviceAt !== undefined ? 'password + remembered device' : 'password + SMS code',
    secondFactorAt: at === undefined ? undefined : new Date(at),
    trustedDevice: false,
    hasPassword: user?.passwordHash !== undefined,
  };
}

export function accountRoutes(logger: Logger, secondFactor: DingOtpStrategy): Router {
  const router = Router();

  // Whether this browser is a remembered device of this user (a failing store: "no").
  const isTrusted = (req: Request): Promise<boolean> => secondFactor.isTrustedDevice(req).catch(() => false);

  router.get('/', (req, res) => res.redirect(303, isSignedIn(req) ? '/account' : '/login'));
  // No icon; an empty answer keeps browsers from asking for one on every page.
  router.get('/favicon.ico', (_req, res) => res.status(204).end());

  router.use('/account', noStore);
  router.get('/account', requireSignIn('page'), (req, res, next) => {
    isTrusted(req).then((trusted) => {
      sendPage(res, 200, profilePage(pageContext(req, res), { ...profileOf(req), trustedDevice: trusted }, takeNotice(req)));
    }, next);
  });

  // "Remember this device", undone: this browser (the strategy forgets it server-side and clears
  // its cookie), or every device of this user (after a lost phone, say). POST with the CSRF token.
  router.post('/account/devices/forget', requireSignIn('page'), (req, res, next) => {
    secondFactor.forgetDevice(req, res).then((forgotten) => {
      logger.info('2fa.device_forgotten', { user: currentUser(req)?.id, forgotten });
      req.session.notice = forgotten ? 'This device is forgotten: the next sign-in asks for a code.' : 'This device was not remembered.';
      res.redirect(303, '/account');
    }, next);
  });
  router.post('/account/devices/forget-all', requireSignIn('page'), (req, res, next) => {
    const id = currentUser(req)?.id ?? '';
    Promise.all([secondFactor.forgetDevice(req, res), secondFactor.forgetAllDevices(id)]).then(([, count]) => {
      logger.info('2fa.devices_forgotten', { user: id, count });
      req.session.notice = `${count === 1 ? '1 device is' : `${count} devices are`} forgotten: every sign-in asks for a code again.`;
      res.redirect(303, '/account');
    }, next);
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
