// Completing a sign-in step. `req.login` (Passport 0.7) regenerates the session, so a session id
// seen before the login is worthless after it; what the app wants to carry over it reads first
// and writes back after. The sign-in state written here names the user (SessionAuth.userId).
import type { Request, Response } from 'express';
import { keepPending, keepSignedIn, sessionCookieName, type SessionAuth } from '../session.js';
import type { User } from '../users.js';

export function signIn(req: Request, user: User, auth: Omit<SessionAuth, 'userId'>, carry: (session: Request['session']) => void = () => {}): Promise<void> {
  return new Promise((resolve, reject) => {
    req.login(user, (err: unknown) => {
      if (err) return reject(err instanceof Error ? err : new Error(String(err)));
      req.session.auth = { userId: user.id, ...auth };
      // A password without its code yet is a pending step: the short lifetime until the code.
      if (auth.firstFactor === 'password' && auth.secondFactorAt === undefined && auth.trustedDeviceAt === undefined) keepPending(req.session);
      else keepSignedIn(req.session);
      carry(req.session);
      resolve();
    });
  });
}

/** Where to go after a complete sign-in: the remembered return-to, once, or the default. */
export function takeReturnTo(req: Request, fallback: string): string {
  const target = req.session.loginReturnTo;
  delete req.session.loginReturnTo;
  return target ?? fallback;
}

/**
 * Signs out and removes the session from the store. `req.logout` alone leaves a fresh, empty
 * session that express-session then stores (its id changed, so it counts as modified): a
 * signed-out visitor would keep a server-side session for nothing.
 */
export function endSession(req: Request, res: Response, done: (err?: unknown) => void): void {
  req.logout((err: unknown) => {
    if (err) return done(err);
    // Over HTTPS the cookie is `__Host-pd.sid` (see sessionCookieName), which a browser clears
    // only with a Secure Set-Cookie.
    const secure = req.session.cookie.secure === true;
    req.session.destroy((destroyErr: unknown) => {
      if (destroyErr) return done(destroyErr);
      res.clearCookie(sessionCookieName(secure), { path: '/', httpOnly: true, sameSite: 'lax', secure });
      done();
    });
  });
}
