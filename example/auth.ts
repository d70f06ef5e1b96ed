// Passport for this app: one Authenticator per app (not the global singleton, so two instances
// in one process stay apart), the two Ding strategies, and how a user is kept in the session.
import { createHmac } from 'node:crypto';
import type { Request } from 'express';
import passport from 'passport';
import { decline, DingOtpStrategy, memoryLimitStore } from 'passport-ding';
import type { DingOtpStrategyOptions, SendContext } from 'passport-ding';
import { exampleChannels } from './channels.js';
import type { Logger } from './logger.js';
import { strategyEvents } from './otp-events.js';
import type { User, UserStore } from './users.js';

/** Name of the second-factor strategy and its own slot in the session. */
export const SECOND_FACTOR = 'ding-2fa';

/** Name of the phone-change strategy (its pending code lives under PHONE_CHANGE_SESSION_KEY). */
export const PHONE_CHANGE = 'ding-phone';

export type CountryCode = NonNullable<DingOtpStrategyOptions['defaultCountry']>;

/**
 * The OTP API's credentials: Ding V1 (`apiKey` + `customerUuid`; `baseUrl` with `/v1`, the
 * sandbox's `url`) or Prelude Verify V2 (`provider: 'prelude'` + `apiKey`; `baseUrl` without
 * `/v2`, the sandbox's `preludeUrl`). The real API when `baseUrl` is absent.
 */
export type DingCredentials =
  | { provider?: 'ding'; apiKey: string; customerUuid: string; baseUrl?: string | undefined }
  | { provider: 'prelude'; apiKey: string; baseUrl?: string | undefined };

/** This app's Passport instance (the type of `new passport.Passport()`). */
export type Passport = passport.Authenticator;

export interface AuthSetup {
  passport: Passport;
  /**
   * Forgets every device remembered for this user's second factor: call it once the user's
   * number has changed (a device trusted with the old number must ask for a code again).
   */
  forgetAllDevices(userId: string): Promise<number>;
  /** The second-factor strategy, for its trusted-device helpers (isTrustedDevice, forgetDevice, ...). */
  secondFactor: DingOtpStrategy;
  close(): Promise<void>;
}

/** How long "Remember this device" skips the second factor. */
export const TRUSTED_DEVICE_DAYS = 30;

/** `req.user` typed for this app (Express.User is empty by default). */
export function currentUser(req: Request): User | undefined {
  return req.user as User | undefined;
}

// Signals Ding and Prelude use against SMS pumping: the client's IP (Express computes it; mind
// `trust proxy`) and a little about the device (Prelude reads the user agent too; Ding has no
// field for it).
function signals(req: Request): SendContext {
  const userAgent = req.get('user-agent');
  return {
    ...(req.ip ? { ip: req.ip } : {}),
    deviceType: 'WEB',
    ...(userAgent ? { userAgent: userAgent.slice(0, 256) } : {}),
  };
}

// The library's default limits, counted in Redis when the app has it: with the in-memory
// default, two instances would each allow the full budget. Redis keys are HMACs of the number and
// IP, so every instance needs the same key secret: one derived from the secret they already share.
// Without Redis the three strategies share one memory store (memoryLimitStore): each building its
// own would give every number and address three budgets and three resend cooldowns, so a phone
// change could text a number a phone login had texted a second before.
function limitsFor(options: {
  limits?: DingOtpStrategyOptions['limits'];
  redis?: object | undefined;
  redisPrefix?: string;
  secret?: string | string[] | undefined;
  now?: (() => number) | undefined;
}): DingOtpStrategyOptions['limits'] {
  if (options.limits === false) return false;
  if (!options.redis) {
    if (options.limits?.store !== undefined) return options.limits;
    // The bound moves to the shared store (`limits.maxKeys` beside one is a TypeError).
    const { maxKeys, ...rules } = options.limits ?? {};
    return { ...rules, store: memoryLimitStore({ ...(maxKeys !== undefined ? { maxKeys } : {}), ...(options.now ? { now: options.now } : {}) }) };
  }
  // express-session signs with the first of a list of secrets; so does this.
  const secret = Array.isArray(options.secret) ? options.secret[0] : options.secret;
  if (!secret) throw new TypeError('createAuth: a secret is required with Redis (it keys the limit counters)');
  const keySecret = createHmac('sha256', secret).update('passport-ding limit keys').digest();
  return { keySecret, ...options.limits, store: { redis: options.redis, prefix: `${options.redisPrefix ?? ''}limit:` } };
}

export function createAuth(options: {
  ding: DingCredentials;
  users: UserStore;
  logger: Logger;
  defaultCountry?: CountryCode | undefined;
  now?: () => number;
  /** The strategies' abuse limits (sends per phone and per IP, wrong codes per phone). */
  limits?: DingOtpStrategyOptions['limits'];
  /** With a Redis client the limits are counted there, shared by every instance. */
  redis?: object | undefined;
  redisPrefix?: string;
  /** The app's session secret (shared by every instance): the limit keys' secret derives from it. */
  secret?: string | string[] | undefined;
  /** The site's origin, for WebOTP messages (Prelude V2 only). */
  webOtpOrigin?: string | undefined;
  /** Fixed codes for app-store reviewers, with an expiry (docs/testing.md). */
  testNumbers?: DingOtpStrategyOptions['testNumbers'];
  /** `callback_url` for delivery reports (./webhooks.ts). */
  webhookUrl?: DingOtpStrategyOptions['webhookUrl'];
}): AuthSetup {
  const { users, logger } = options;
  const authenticator = new passport.Passport();
  const api = options.ding;
  const common: DingOtpStrategyOptions = {
    // One option switches the backend: routes, pages and outcome codes stay the same.
    ...(api.provider === 'prelude' ? { provider: 'prelude' as const } : { customerUuid: api.customerUuid }),
    apiKey: api.apiKey,
    ...(api.baseUrl ? { baseUrl: api.baseUrl } : {}),
    ...(options.defaultCountry ? { defaultCountry: options.defaultCountry } : {}),
    signals,
    ...(options.now ? { now: options.now } : {}),
    limits: limitsFor(options),
    // SMS, and with Prelude V2 a call as the fallback ("Call me instead" on the code page).
    channels: exampleChannels(api),
    ...(options.webOtpOrigin ? { webOtpOrigin: options.webOtpOrigin } : {}),
    ...(options.testNumbers ? { testNumbers: options.testNumbers } : {}),
    ...(options.webhookUrl ? { webhookUrl: options.webhookUrl } : {}),
  };

  // Phone login: the verified number is the account, for phone-only accounts. An account with a
  // password is never opened by an SMS alone (SIM swap, a stolen or recycled number): it needs the
  // password and then the code (/login/password). Only the phone's owner sees this refusal.
  const phoneLogin = new DingOtpStrategy({ ...common, onEvent: strategyEvents('ding', (event) => logger.event(event)) }, async (phoneNumber) => {
    const user = users.findOrCreateByPhone(phoneNumber);
    if (user.passwordHash !== undefined) {
      logger.info('login.phone_refused', { user: user.id, reason: 'password_account' });
      return decline({ code: 'password_required', message: 'This number belongs to an account with a password. Sign in with your password; we then text you a code.' }, 403);
    }
    logger.info('login.phone_verified', { user: user.id });
    return user;
  });

  // Second factor: the code goes to the signed-in user's stored phone, never to a number from
  // the form. Without a verify callback the strategy succeeds with the same `req.user`.
  // "Remember this device" (trustedDevices): devices are kept in Redis when the app has it, so
  // every instance trusts, and forgets, the same devices; else in memory (at most 10,000).
  const secondFactor = new DingOtpStrategy({
    ...common,
    onEvent: strategyEvents(SECOND_FACTOR, (event) => logger.event(event)),
    sessionKey: SECOND_FACTOR,
    secondFactor: (req) => currentUser(req)?.phone,
    trustedDevices: {
      days: TRUSTED_DEVICE_DAYS,
      ...(options.redis ? { store: { redis: options.redis, prefix: `${options.redisPrefix ?? ''}device:` } } : {}),
    },
  });

  // Changing the signed-in user's number (see ./routes/phone-change.ts). The code is bound to the
  // user who asked for it; a right code logs nobody in. The callback decides and, when the number
  // is free, changes it in the same step (a database would do it with a unique index).
  const phoneChange = new DingOtpStrategy({ ...common, phoneChange: true, onEvent: strategyEvents(PHONE_CHANGE, (event) => logger.event(event)) }, async (phoneNumber, details) => {
    const userId = String(details.userId);
    if (!users.changePhone(userId, phoneNumber)) {
      logger.info('phone_change.refused', { user: userId, reason: 'phone_taken' });
      return decline({ code: 'phone_taken', message: 'This number belongs to another account.' }, 409);
    }
    logger.info('phone_change.changed', { user: userId });
    return true;
  });

  authenticator.use('ding', phoneLogin);
  authenticator.use(SECOND_FACTOR, secondFactor);
  authenticator.use(PHONE_CHANGE, phoneChange);

  // The session keeps the id and the phone: enough for any instance to find the user again
  // (see UserStore.restore), and never the password hash.
  authenticator.serializeUser<{ id: string; phone?: string | undefined }>((user, done) => {
    const u = user as User;
    done(null, { id: u.id, phone: u.phone });
  });
  authenticator.deserializeUser<{ id?: unknown; phone?: unknown }>((stored, done) => {
    const id = typeof stored.id === 'string' ? stored.id : '';
    const user = users.findById(id) ?? (typeof stored.phone === 'string' ? users.restore(id, stored.phone) : undefined);
    // `false` logs a stale session out instead of failing the request.
    done(null, user ?? false);
  });

  return {
    passport: authenticator,
    forgetAllDevices: (userId) => secondFactor.forgetAllDevices(userId),
    secondFactor,
    close: async () => {
      await Promise.all([phoneLogin.close(), secondFactor.close(), phoneChange.close()]);
    },
  };
}
