// The device cookie: read from the Cookie header, written as a Set-Cookie header next to whatever
// else the response sets (express-session's cookie among them). No cookie library: one name, one
// value of a fixed alphabet, and attributes this module chooses itself.

import type { Request, Response } from 'express';

/** The value of cookie `name` in the request, the first one when sent twice. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return value;
  }
  return undefined;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** The host the request was addressed to, without the port, lower case. */
function hostName(req: Request): string {
  const host = (req.headers.host ?? '').toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

// Headers a proxy adds and a browser never sends. A request with one came through a proxy, so the
// browser is not on this machine, whatever Host the proxy passed on.
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-real-ip', 'via'];

/**
 * Secure, except for plain HTTP from a browser on this machine (localhost, 127.0.0.1, [::1]) in
 * development: there some browsers drop a Secure cookie set over HTTP, and no network lies between
 * browser and app. Both the Host header and the socket must be loopback (a Host header alone is
 * the client's to choose), no forwarding header may be present, and the app's environment
 * (`app.get('env')`, from NODE_ENV) must not be `production`: a TLS proxy on the same machine
 * without `trust proxy` passes a loopback Host on a loopback socket too (nginx's default
 * `Host $proxy_host`, Apache's `ProxyPreserveHost Off`), for a browser that is on the internet.
 * A header can only make the cookie Secure, never take Secure away.
 */
export function secureFor(req: Request): boolean {
  if (req.secure) return true;
  if (!(LOOPBACK_HOSTS.has(hostName(req)) && LOOPBACK_ADDRESSES.has(req.socket?.localAddress ?? ''))) return true;
  if (FORWARDING_HEADERS.some((name) => req.headers[name] !== undefined)) return true;
  return environment(req) === 'production';
}

/** Express's `app.get('env')` (NODE_ENV, else 'development'); NODE_ENV outside Express. */
function environment(req: Request): string | undefined {
  const app = (req as { app?: { get?: unknown } }).app;
  if (app && typeof app.get === 'function') return String((app.get as (name: string) => unknown).call(app, 'env'));
  return process.env.NODE_ENV;
}

/** The name and the Secure flag of the device cookie on one request. */
export interface DeviceCookie {
  name: string;
  secure: boolean;
}

/**
 * The default name takes a prefix on a Secure cookie: `__Host-` (the browser keeps it only if it is
 * Secure, has Path=/ and no Domain, so no subdomain, sibling host or plain-HTTP page can set or
 * overwrite it: RFC 6265bis, 4.1.3), or `__Secure-` when the path is not `/`. On plain HTTP to
 * this machine the cookie is not Secure, so the default name goes unprefixed (a browser would drop
 * a prefixed one). A name the app chose is used as given, and is Secure if it has a prefix.
 */
export function deviceCookie(name: string, isDefault: boolean, path: string, req: Request): DeviceCookie {
  if (!isDefault) return { name, secure: PREFIXED.test(name) || secureFor(req) };
  if (!secureFor(req)) return { name, secure: false };
  return { name: `${path === '/' ? '__Host-' : '__Secure-'}${name}`, secure: true };
}

const PREFIXED = /^__(host|secure)-/i;

export interface CookieAttributes {
  path: string;
  secure: boolean;
  /** Seconds; 0 deletes the cookie. */
  maxAgeSeconds: number;
  /** For Expires (read by browsers that ignore Max-Age). */
  now: number;
}

export function serializeCookie(name: string, value: string, a: CookieAttributes): string {
  const expires = new Date(a.maxAgeSeconds === 0 ? 0 : a.now + a.maxAgeSeconds * 1000).toUTCString();
  const parts = [`${name}=${value}`, `Path=${a.path}`, `Max-Age=${a.maxAgeSeconds}`, `Expires=${expires}`, 'HttpOnly', 'SameSite=Lax'];
  if (a.secure) parts.push('Secure');
  return parts.join('; ');
}

/** Adds a Set-Cookie header, keeping the ones already set. */
export function appendSetCookie(res: Response, cookie: string): void {
  const previous = res.getHeader('Set-Cookie');
  const list = previous === undefined ? [] : Array.isArray(previous) ? previous : [String(previous)];
  res.setHeader('Set-Cookie', [...list, cookie]);
}
