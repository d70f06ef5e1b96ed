// Request hardening shared by every route: response headers and return-to URLs. CSRF tokens
// are in ./csrf.ts.
import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

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
      // The code page asks this app for the SMS's delivery report (views/code-extras.ts).
      "connect-src 'self'",
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
const MAX_RETURN_TO = 2048;

/**
 * A return-to value is followed only when it is a same-site relative path. The check runs on
 * the value as given AND on the normalised path it becomes, because the URL parser turns
 * `/.//evil.example/x`, `/%2e//evil.example/x` and `/a/..//evil.example/x` into
 * `//evil.example/x`, which a browser reads as another host. So: it starts with one `/`, holds no
 * backslash or control character, resolves to our own origin, and its normalised form still
 * starts with exactly one `/` and no backslash. Anything else gives `undefined` (the default page).
 */
export function safeReturnTo(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_RETURN_TO) return undefined;
  if (!isSingleSlashPath(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value, ORIGIN);
  } catch {
    return undefined;
  }
  if (url.origin !== ORIGIN) return undefined;
  const normalised = `${url.pathname}${url.search}${url.hash}`;
  if (normalised.length > MAX_RETURN_TO || !isSingleSlashPath(normalised)) return undefined;
  // What we send must resolve to the same place again (a fixed point), from any base path.
  const again = new URL(normalised, `${ORIGIN}/a/b/`);
  if (again.origin !== ORIGIN || `${again.pathname}${again.search}${again.hash}` !== normalised) return undefined;
  return normalised;
}

function isSingleSlashPath(value: string): boolean {
  if (!value.startsWith('/') || value.startsWith('//')) return false;
  // A backslash is a slash to browsers, raw or percent-encoded once the path is decoded.
  if (value.includes('\\') || /%5c/i.test(value)) return false;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  return !/[\u0000-\u001f\u007f]/.test(value);
}
