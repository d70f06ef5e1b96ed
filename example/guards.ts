// Route guards. A session is signed in after a phone login, or after a password plus the SMS
// second factor; `requireSecondFactor` also wants a recent SMS step, whatever the first factor.
import type { Request, RequestHandler } from 'express';
import { currentUser } from './auth.js';
import { safeReturnTo } from './security.js';

/** How long a passed second factor counts for the pages that need it. */
export const SECOND_FACTOR_MAX_AGE_MS = 30 * 60 * 1000;

type Kind = 'page' | 'json';

/** The app's clock (createApp's `now` option; tests move it), in epoch ms. */
export function clock(req: Request): number {
  const now: unknown = req.app.locals.now;
  return typeof now === 'function' ? Number((now as () => number)()) : Date.now();
}

export function isSignedIn(req: Request): boolean {
  if (!currentUser(req)) return false;
  return req.session.signedInWith === 'phone' || req.session.secondFactorAt !== undefined;
}

export function hasFreshSecondFactor(req: Request): boolean {
  const at = req.session.secondFactorAt;
  return currentUser(req) !== undefined && at !== undefined && clock(req) - at < SECOND_FACTOR_MAX_AGE_MS;
}

function rememberReturnTo(req: Request): void {
  const target = req.method === 'GET' ? safeReturnTo(req.originalUrl) : undefined;
  if (target) req.session.loginReturnTo = target;
}

/** Any user in the session, even half-way through (the /2fa steps need this). */
export function requireUser(kind: Kind): RequestHandler {
  return (req, res, next) => {
    if (currentUser(req)) return next();
    if (kind === 'json') return void res.status(401).json({ code: 'not_signed_in', message: 'Sign in first.' });
    res.redirect(303, '/login');
  };
}

/** A complete sign-in. A password-only session is sent on to the SMS step. */
export function requireSignIn(kind: Kind): RequestHandler {
  return (req, res, next) => {
    if (isSignedIn(req)) return next();
    if (kind === 'json') {
      const code = currentUser(req) ? 'second_factor_required' : 'not_signed_in';
      return void res.status(401).json({ code, message: code === 'not_signed_in' ? 'Sign in first.' : 'Confirm the code we text you first.' });
    }
    rememberReturnTo(req);
    res.redirect(303, currentUser(req) ? '/2fa' : '/login');
  };
}

/** A recent SMS step in this session (step-up for sensitive pages). */
export function requireSecondFactor(kind: Kind): RequestHandler {
  return (req, res, next) => {
    if (hasFreshSecondFactor(req)) return next();
    if (kind === 'json') return void res.status(403).json({ code: 'second_factor_required', message: 'Confirm the code we text you first.' });
    rememberReturnTo(req);
    res.redirect(303, '/2fa');
  };
}
