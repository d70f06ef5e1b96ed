// Route guards. A session is signed in after a phone login (phone-only accounts), or after a
// password plus the SMS second factor; `requireSecondFactor` also wants a recent SMS step,
// whatever the first factor. Every check compares the flags' user id with `req.user`: a flag
// earned by one user never counts for another (see SessionAuth in ./session.ts).
import type { Request, RequestHandler } from 'express';
import type { SessionAuth } from './session.js';
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

/** This session's sign-in state when it belongs to the user now in the session, else undefined. */
function authOf(req: Request): SessionAuth | undefined {
  const user = currentUser(req);
  const auth = req.session?.auth;
  return user && auth && auth.userId === user.id ? auth : undefined;
}

export function isSignedIn(req: Request): boolean {
  const auth = authOf(req);
  if (!auth) return false;
  // An account with a password is signed in only with the password and then the code; a phone
  // login counts for phone-only accounts (the phone strategy refuses the others, this is the
  // second line of defence).
  if (auth.firstFactor === 'password') return auth.secondFactorAt !== undefined || auth.trustedDeviceAt !== undefined;
  return currentUser(req)?.passwordHash === undefined;
}

export function hasFreshSecondFactor(req: Request): boolean {
  const at = authOf(req)?.secondFactorAt;
  return at !== undefined && clock(req) - at < SECOND_FACTOR_MAX_AGE_MS;
}

/** `/login`, carrying the page asked for in the URL (an anonymous visit stores no session). */
function loginUrl(req: Request): string {
  const target = req.method === 'GET' ? safeReturnTo(req.originalUrl) : undefined;
  return target ? `/login?${new URLSearchParams({ returnTo: target }).toString()}` : '/login';
}

/**
 * A user in the session with a first factor of their own, even half-way through (the /2fa steps
 * need this): this user's password in this session, or a phone-only account (whose only factor
 * is the phone the code goes to). A user put in the session some other way, with another user's
 * flags, starts again at the password form.
 */
export function hasFirstFactor(req: Request): boolean {
  const user = currentUser(req);
  return user !== undefined && (authOf(req) !== undefined || user.passwordHash === undefined);
}

export function requireUser(kind: Kind): RequestHandler {
  return (req, res, next) => {
    if (hasFirstFactor(req)) return next();
    if (kind === 'json') return void res.status(401).json({ code: 'not_signed_in', message: 'Sign in first.' });
    res.redirect(303, currentUser(req) ? '/login/password' : '/login');
  };
}

/** A complete sign-in. A password-only session is sent on to the SMS step. */
export function requireSignIn(kind: Kind): RequestHandler {
  return (req, res, next) => {
    if (isSignedIn(req)) return next();
    if (kind === 'json') {
      const code = hasFirstFactor(req) ? 'second_factor_required' : 'not_signed_in';
      return void res.status(401).json({ code, message: code === 'not_signed_in' ? 'Sign in first.' : 'Confirm the code we text you first.' });
    }
    if (!currentUser(req)) return res.redirect(303, loginUrl(req));
    if (!hasFirstFactor(req)) return res.redirect(303, '/login/password');
    rememberReturnTo(req);
    res.redirect(303, '/2fa');
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

// Only for a user already in the session: that session is stored anyway.
function rememberReturnTo(req: Request): void {
  const target = req.method === 'GET' ? safeReturnTo(req.originalUrl) : undefined;
  if (target) req.session.loginReturnTo = target;
}
