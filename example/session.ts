// Sessions: express-session, in memory by default or in Redis when a URL is given.
//
// The memory store is express-session's default. Its warning (printed when NODE_ENV=production)
// is right: it never prunes expired sessions, so it grows without bound, and it lives in one
// process, so a second instance or a restart loses every session and every pending code.
// Fine for `npm start`; set REDIS_URL for anything else.
import { RedisStore } from 'connect-redis';
import session, { type Store } from 'express-session';
import type { RequestHandler } from 'express';
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
const MAX_AGE_MS = 12 * 60 * 60 * 1000;

export function createSession(options: SessionOptions): RequestHandler {
  const store = options.store ?? (options.redis ? new RedisStore({ client: options.redis, prefix: options.redisPrefix }) : undefined);
  return session({
    name: SESSION_COOKIE,
    secret: options.secret,
    store,
    resave: false,
    // No cookie until there is something to keep (the CSRF token of the first form counts).
    saveUninitialized: false,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: options.secure,
      maxAge: MAX_AGE_MS,
    },
  });
}

// What this app keeps in the session besides Passport's user and passport-ding's pending state.
declare module 'express-session' {
  interface SessionData {
    /** Where to go after signing in (already checked by safeReturnTo). */
    loginReturnTo: string;
    /** The first factor of this session. */
    signedInWith: 'phone' | 'password';
    /** Epoch ms when this session passed the SMS second factor. */
    secondFactorAt: number;
    /** A one-shot message for the next page ("A new code is on its way"). */
    notice: string;
  }
}
