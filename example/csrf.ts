// CSRF protection without a server-side session: a signed double-submit token.
//
// A synchronizer token (csrf-sync) lives in the session, so every anonymous visit to a form
// would store a session; this keeps nothing on the server. The browser holds a random value in
// a cookie (`pd.csrf`); each form carries HMAC(key, value | who), where `who` is the signed-in
// user's id or nothing. A POST is accepted only when its token matches the cookie it came with:
// another site can neither read the cookie nor compute the HMAC without the key. Binding the
// token to the user id means a cookie planted from a sibling subdomain (the known weakness of a
// plain double-submit cookie) gives no token that works for a signed-in victim.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';

/** The error every refused token gives, so the error handler can answer 403 with its own page. */
export class CsrfError extends Error {
  readonly status = 403;
  constructor() {
    super('invalid CSRF token');
    this.name = 'CsrfError';
  }
}

export interface Csrf {
  /** The token for this request's forms (sets the cookie when the browser has none yet). */
  token(req: Request, res: Response): string;
  /** Refuses POST, PUT, PATCH and DELETE without a matching token, before any route runs. */
  protect: RequestHandler;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// 24 random bytes, base64url: 32 characters.
const VALUE_PATTERN = /^[A-Za-z0-9_-]{32}$/;
const ISSUED = Symbol('csrf value issued in this response');

/** One cookie's value from the Cookie header (the app has no cookie-parser). */
function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function sentToken(req: Request): string | undefined {
  const body: unknown = req.body;
  if (body && typeof body === 'object' && '_csrf' in body && typeof body._csrf === 'string') return body._csrf;
  return req.get('x-csrf-token');
}

function userIdOf(req: Request): string {
  const id = (req.user as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : '';
}

export function createCsrf(options: { secret: string | string[]; secure: boolean }): Csrf {
  // Its own key, derived from the session secret every instance shares.
  const first = Array.isArray(options.secret) ? options.secret[0] ?? '' : options.secret;
  const key = createHmac('sha256', first).update('passport-ding example csrf').digest();
  // `__Host-` keeps a sibling subdomain from setting or shadowing the cookie (HTTPS only).
  const cookieName = options.secure ? '__Host-pd.csrf' : 'pd.csrf';

  const sign = (value: string, req: Request): string =>
    createHmac('sha256', key).update(`${value}|${userIdOf(req)}`).digest('base64url');

  function value(req: Request): string | undefined {
    const issued = (req as Request & { [ISSUED]?: string })[ISSUED];
    if (issued) return issued;
    const cookie = readCookie(req, cookieName);
    return cookie && VALUE_PATTERN.test(cookie) ? cookie : undefined;
  }

  return {
    token(req, res) {
      let v = value(req);
      if (!v) {
        v = randomBytes(24).toString('base64url');
        (req as Request & { [ISSUED]?: string })[ISSUED] = v;
        // A browser-session cookie: no expiry, so nothing outlives the browser for it.
        res.cookie(cookieName, v, { httpOnly: true, sameSite: 'lax', secure: options.secure, path: '/' });
      }
      return sign(v, req);
    },
    protect(req, _res, next) {
      if (SAFE_METHODS.has(req.method)) return next();
      const v = value(req);
      const sent = sentToken(req);
      if (!v || !sent) return next(new CsrfError());
      const expected = Buffer.from(sign(v, req));
      const given = Buffer.from(sent);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return next(new CsrfError());
      next();
    },
  };
}

/** The app's CSRF instance (createApp puts it in `app.locals.csrf`). */
export function csrfOf(req: Request): Csrf {
  return req.app.locals.csrf as Csrf;
}

/** The token for this request's forms or JSON answer. */
export function csrfToken(req: Request, res: Response): string {
  return csrfOf(req).token(req, res);
}

export function isCsrfError(err: unknown): boolean {
  return err instanceof CsrfError;
}
