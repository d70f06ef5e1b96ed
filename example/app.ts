// The example app, built by a factory so tests can start as many as they like.
//
//   const { app, close } = await createApp({ ding: { provider: 'prelude', apiKey } });
//   const { app, close } = await createApp({ ding: { apiKey, customerUuid, baseUrl } }); // Ding V1
//   app.listen(3000);
import type { Store } from 'express-session';
import { createHmac, randomBytes } from 'node:crypto';
import express from 'express';
import type { Express, Router } from 'express';
import type { DingOtpStrategyOptions } from 'passport-ding';
import { exampleChannels } from './channels.js';
import { createAuth, SECOND_FACTOR, type CountryCode, type DingCredentials, type Passport } from './auth.js';
import { createCsrf } from './csrf.js';
import { memoryDeliveryStatuses, redisDeliveryStatuses } from './delivery-status.js';
import { BODY_LIMIT, errorHandler, notFound } from './errors.js';
import { createLogger, type Logger } from './logger.js';
import { requestContext } from './request-context.js';
import { accountRoutes } from './routes/account.js';
import { apiRoutes } from './routes/api.js';
import { phoneChangeRoutes } from './routes/phone-change.js';
import { deliveryRoutes } from './routes/delivery.js';
import { phoneLoginRoutes } from './routes/phone-login.js';
import { secondFactorRoutes } from './routes/second-factor.js';
import { securityHeaders } from './security.js';
import { closeRedis, connectRedis, type RedisClient } from './redis.js';
import { memoryPasswordLimits, redisPasswordLimits } from './password-limits.js';
import { createSession } from './session.js';
import { UserStore, type DemoUser } from './users.js';
import { webhookRoutes, webhookUrlFor, type WebhookSettings } from './webhooks.js';

export interface AppOptions {
  /**
   * The OTP API: Prelude V2 (`{ provider: 'prelude', apiKey, baseUrl? }`, the sandbox's
   * `preludeUrl`) or Ding V1 (`{ apiKey, customerUuid, baseUrl? }`, the sandbox's `url`).
   */
  ding: DingCredentials;
  /** The provider is the sandbox: show the sandbox hints, and allow the defaults below. */
  sandbox?: boolean;
  /** Signs the session cookie. Required outside the sandbox; random per start inside it. */
  sessionSecret?: string | string[] | undefined;
  /** Secure (HTTPS-only) session cookie. Default: on, except in the sandbox. */
  secureCookies?: boolean | undefined;
  /** Keep sessions in Redis (shared by every instance) instead of in memory. */
  redisUrl?: string | undefined;
  /** Another express-session store (tests use one that fails on demand). Wins over `redisUrl` for sessions. */
  sessionStore?: Store | undefined;
  /** Prefix of every Redis key the app writes (default `passport-ding-example:`). */
  redisPrefix?: string | undefined;
  /** Express `trust proxy` (behind a load balancer, so `req.ip` and `req.secure` are right). */
  trustProxy?: boolean | number | string | undefined;
  /** ISO country for numbers typed without a country code. */
  defaultCountry?: CountryCode | undefined;
  /** The seeded password user of the second-factor demo; `false` for none. */
  demoUser?: DemoUser | false | undefined;
  logger?: Logger | undefined;
  /**
   * passport-ding's abuse limits (default: 5 sends per number and 30 per IP an hour, 10 wrong
   * codes per number). With `redisUrl` they are counted in Redis, shared by every instance.
   */
  limits?: DingOtpStrategyOptions['limits'];
  /**
   * The site's origin (`https://example.com`): codes then end in the WebOTP line (`@example.com
   * #123456`) that lets Chrome on Android fill them in. Prelude V2 only.
   */
  webOtpOrigin?: string | undefined;
  /** Clock in epoch ms for the strategies and the pages (tests move it with the sandbox's). */
  now?: (() => number) | undefined;
  /**
   * Delivery webhooks: where the provider reaches this app, and how its posts are authenticated
   * (see ./webhooks.ts). With them the code pages show the SMS's delivery report. In sandbox mode
   * ./start.ts fills this in with the app's own address and the sandbox's signing key.
   */
  webhooks?: WebhookSettings | undefined;
  /**
   * Test numbers for app-store review (docs/testing.md): a fixed code per number, no SMS, until
   * `expiresAt`. From EXAMPLE_TEST_NUMBER, EXAMPLE_TEST_CODE and EXAMPLE_TEST_EXPIRES in ./config.ts.
   */
  testNumbers?: DingOtpStrategyOptions['testNumbers'];
  /**
   * Your own routes: mounted after sessions, Passport and the CSRF check, before the 404 page.
   * Sign-in state is checked with the guards in ./guards.ts.
   */
  routes?: ((router: Router, tools: { passport: Passport; users: UserStore }) => void) | undefined;
}

export interface ExampleApp {
  app: Express;
  users: UserStore;
  /** Closes the strategies' connection pools and the Redis client. The HTTP server is yours. */
  close(): Promise<void>;
}

export const DEFAULT_DEMO_USER: DemoUser = { username: 'demo', password: 'correct horse battery staple', phone: '+12015550123' };

export async function createApp(options: AppOptions): Promise<ExampleApp> {
  // Before Redis: a Redis that is down keeps connectRedis() waiting, and this needs none.
  if (!options.sessionSecret && options.sandbox !== true) {
    throw new TypeError('createApp: sessionSecret is required outside sandbox mode (set SESSION_SECRET)');
  }
  const logger = options.logger ?? createLogger();
  const redis = options.redisUrl ? await connectRedis(options.redisUrl, logger) : undefined;
  try {
    return await assemble(options, logger, redis);
  } catch (err) {
    // An option refused once Redis is connected: close it, or it holds the process open.
    await closeRedis(redis);
    throw err;
  }
}

async function assemble(options: AppOptions, logger: Logger, redis: RedisClient | undefined): Promise<ExampleApp> {
  const sandbox = options.sandbox === true;
  // A random secret in sandbox mode: sessions end at every restart, which is fine for a demo.
  const secret = options.sessionSecret || randomBytes(32).toString('hex');
  const demoUser = options.demoUser === undefined ? (sandbox ? DEFAULT_DEMO_USER : false) : options.demoUser;

  const firstSecret = Array.isArray(secret) ? secret[0] ?? '' : secret;
  // Phone users' ids are keyed hashes of the number (no unkeyed hash: it would reveal the number
  // in every log line); instances sharing the session secret agree on them.
  const idKey = createHmac('sha256', firstSecret).update('passport-ding example user ids').digest();
  const users = await UserStore.create(demoUser || undefined, idKey);
  const now = options.now ?? Date.now;
  const redisPrefix = options.redisPrefix ?? 'passport-ding-example:';
  const provider = options.ding.provider === 'prelude' ? 'prelude' : 'ding';
  const webhookUrl = options.webhooks ? webhookUrlFor(options.webhooks, provider) : undefined;
  const auth = createAuth({
    ding: options.ding,
    users,
    logger,
    defaultCountry: options.defaultCountry,
    now,
    limits: options.limits,
    redis,
    redisPrefix,
    secret,
    webOtpOrigin: options.webOtpOrigin,
    testNumbers: options.testNumbers,
    webhookUrl,
  });
  const secure = options.secureCookies ?? !sandbox;
  const session = createSession({ secret, secure, redis, redisPrefix: `${redisPrefix}sess:`, store: options.sessionStore });
  const csrf = createCsrf({ secret, secure });

  const app = express();
  app.disable('x-powered-by');
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);
  app.locals.sandbox = sandbox;
  app.locals.now = now;
  app.locals.channels = exampleChannels(options.ding);
  app.locals.csrf = csrf;

  // The request is known to the strategies' onEvent (see ./otp-events.ts).
  app.use(requestContext);
  app.use(securityHeaders);
  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    // The path only: query strings are the client's to fill and stay out of the log. Read now: a
    // router mounted at /api strips its prefix from req.path while it answers.
    const path = req.path;
    res.on('finish', () => {
      const ms = Number((process.hrtime.bigint() - start) / 1_000_000n);
      logger.info('http', { method: req.method, path, status: res.statusCode, ms });
    });
    next();
  });
  if (options.webhooks) {
    // Delivery reports, kept in Redis when the app has it (the webhook may reach one instance and
    // the user's next page another), else in memory (bounded: see ./delivery-status.ts).
    const statuses = redis ? redisDeliveryStatuses(redis, `${redisPrefix}delivery:`) : memoryDeliveryStatuses();
    app.locals.deliveryStatuses = statuses;
    // Before the body parsers, the session and the CSRF check: see ./webhooks.ts.
    app.use(webhookRoutes({
      settings: options.webhooks,
      provider,
      statuses,
      logger,
      store: redis ? { redis, prefix: `${redisPrefix}webhook:` } : undefined,
    }));
  }
  app.use(express.urlencoded({ extended: false, limit: BODY_LIMIT }));
  app.use(express.json({ limit: BODY_LIMIT }));
  app.use(session);
  app.use(auth.passport.session());
  app.use(csrf.protect);

  // Wrong passwords per account and per address (./password-limits.ts), shared by every instance with Redis.
  const passwordLimits = redis ? redisPasswordLimits(redis, `${redisPrefix}password:`, firstSecret) : memoryPasswordLimits(firstSecret, now);

  app.use(phoneLoginRoutes(auth.passport, logger));
  app.use(deliveryRoutes('ding', SECOND_FACTOR));
  app.use(secondFactorRoutes({
    passport: auth.passport,
    secondFactor: auth.secondFactor,
    users,
    logger,
    passwordLimits,
    demoHint: demoUser && sandbox ? `Demo user: ${demoUser.username} / ${demoUser.password}` : undefined,
  }));
  app.use('/api', apiRoutes({ passport: auth.passport, users, logger, secondFactor: auth.secondFactor, passwordLimits }));
  app.use(phoneChangeRoutes({ passport: auth.passport, logger, forgetAllDevices: auth.forgetAllDevices }));
  app.use(accountRoutes(logger, auth.secondFactor));
  if (options.routes) {
    const router = express.Router();
    options.routes(router, { passport: auth.passport, users });
    app.use(router);
  }
  app.use(notFound);
  app.use(errorHandler(logger));

  return {
    app,
    users,
    close: async () => {
      await auth.close();
      await closeRedis(redis);
    },
  };
}
