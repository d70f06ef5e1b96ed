// Sessions: express-session, in memory by default or in Redis when a URL is given.
//
// A session is stored only once there is something to keep (saveUninitialized: false, and no
// page puts anything in an anonymous session: the CSRF token is a cookie, see ./csrf.ts), so
// looking at a page costs the server nothing. A session that only holds a pending verification
// or a half-finished sign-in lives PENDING_SESSION_MS; a complete sign-in gets SIGNED_IN_SESSION_MS
// (see keepSignedIn).
//
// The memory store is express-session's default. Its warning (printed when NODE_ENV=production)
// is right: it never prunes expired sessions, so it grows without bound, and it lives in one
// process, so a second instance or a restart loses every session and every pending code.
// Fine for `npm start`; set REDIS_URL for anything else.
import { RedisStore } from 'connect-redis';
import session, { type Store } from 'express-session';
import type { Request, RequestHandler } from 'express';
import type { RedisClient } from './redis.js';

export interface SessionOptions {
  secret: string | string[];
  /** Send the cookie over HTTPS only. Off only for the sandbox and tests over plain http. */
  secure: boolean;
  /** A connected client: share sessions between instances. Memory store when absent. */
  redis?: RedisClient | undefined;
  /** Key prefix in Redis. */
  redisPrefix: string;
  /** A store given by the caller, used as it is. */
  store?: Store | undefined;
}

/** Cookie name: not express-session's default `connect.sid`, which names the stack it runs on. */
export const SESSION_COOKIE = 'pd.sid';

/**
 * The session cookie's name: `__Host-pd.sid` when it is Secure. A sibling subdomain can set a
 * cookie for the parent domain that the browser sends here too; under the session cookie's name,
 * the attacker's own signed-in session id signs the victim's browser in to the attacker's account
 * (login CSRF: the CSRF check renders that session's tokens for the victim's forms). A browser
 * keeps a `__Host-` cookie only from this host itself (Secure, Path=/, no Domain), and the
 * unprefixed name is not read at all then. Plain HTTP (the sandbox) cannot have the prefix.
 */
export function sessionCookieName(secure: boolean): string {
  return secure ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
}
/** A session that holds only a pending code or a password without its second factor. */
export const PENDING_SESSION_MS = 15 * 60 * 1000;
/** A complete sign-in. */
export const SIGNED_IN_SESSION_MS = 12 * 60 * 60 * 1000;

export function createSession(options: SessionOptions): RequestHandler {
  const store = options.store ?? (options.redis ? new RedisStore({ client: options.redis, prefix: options.redisPrefix }) : undefined);
  return session({
    name: sessionCookieName(options.secure),
    secret: options.secret,
    store,
    resave: false,
    // No cookie until there is something to keep (the CSRF token of the first form counts).
    saveUninitialized: false,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: options.secure,
      // Every new session starts short; keepSignedIn() lengthens it once the sign-in is complete.
      maxAge: PENDING_SESSION_MS,
    },
  });
}

/** A complete sign-in: the cookie and the stored session (its TTL in Redis) last the long lifetime. */
export function keepSignedIn(session: Request['session']): void {
  session.cookie.maxAge = SIGNED_IN_SESSION_MS;
}

/** A session that holds only a pending step: the short lifetime from now (each send renews it). */
export function keepPending(session: Request['session']): void {
  session.cookie.maxAge = PENDING_SESSION_MS;
}

// What this app keeps in the session besides Passport's user and passport-ding's pending state.
declare module 'express-session' {
  interface SessionData {
    /** Where to go after signing in (already checked by safeReturnTo). */
    loginReturnTo: string;
    /**
     * How this session's user signed in. Every flag names the user it was earned by: after a
     * login that keeps the session's data (`keepSessionInfo: true`) another user finds the
     * flags of the previous one, and they must count for nothing (see ../guards.ts).
     */
    auth: SessionAuth;
    /** The user a second-factor code was sent for: only that user may type it. */
    secondFactorFor: string;
    /** A one-shot message for the next page ("A new code is on its way"). */
    notice: string;
  }
}

/** The sign-in state of a session, bound to one user id. */
export interface SessionAuth {
  userId: string;
  firstFactor: 'phone' | 'password';
  /** Epoch ms when this user passed the SMS second factor in this session. */
  secondFactorAt?: number | undefined;
  /**
   * Epoch ms when a remembered device ("Remember this device") stood in for the SMS at this
   * sign-in. It completes the sign-in, never a step-up: secondFactorAt stays unset.
   */
  trustedDeviceAt?: number | undefined;
}
