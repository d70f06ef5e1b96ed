// Request hardening shared by every route: CSRF tokens, response headers, and return-to URLs.
import { randomBytes } from 'node:crypto';
import { csrfSync } from 'csrf-sync';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

// Synchronizer tokens: one random token per session, kept in the session, sent back by every
// form as `_csrf` (JSON clients: the `x-csrf-token` header, token from GET /api/session).
export const csrf = csrfSync({
  getTokenFromRequest: (req) => {
    const body: unknown = req.body;
    if (body && typeof body === 'object' && '_csrf' in body && typeof body._csrf === 'string') return body._csrf;
    return req.get('x-csrf-token');
  },
});

export function isCsrfError(err: unknown): boolean {
  return err === csrf.invalidCsrfTokenError;
}

/** Login steps carry one-time state: never let a browser or proxy cache them. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

/**
 * A strict Content-Security-Policy with a fresh nonce per response for the page's one inline
 * stylesheet and script, plus the usual framing, sniffing and referrer headers.
 */
export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  const nonce = randomBytes(16).toString('base64');
  res.locals.nonce = nonce;
  res.set({
    'Content-Security-Policy': [
      "default-src 'none'",
      `style-src 'nonce-${nonce}'`,
      `script-src 'nonce-${nonce}'`,
      "img-src 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'same-origin',
  });
  next();
}

const ORIGIN = 'http://return-to.invalid';

/**
 * A return-to value is followed only when it is a same-site relative path: it starts with one
 * `/`, is not protocol-relative (`//evil`, `/\evil`), holds no control characters, and still
 * resolves to our own origin. Anything else gives `undefined` (use the default page).
 */
export function safeReturnTo(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return undefined;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return undefined;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value, ORIGIN);
  } catch {
    return undefined;
  }
  if (url.origin !== ORIGIN) return undefined;
  return `${url.pathname}${url.search}${url.hash}`;
}
