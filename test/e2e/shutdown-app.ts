// An app shut down exactly as docs/deploying.md's "Shutting down" says, for
// test/e2e/shutdown.test.ts to run as a child process (`node --import tsx`). Production-shaped:
// sessions and the login's limits on one Redis client; a second-factor strategy with its limits and
// trusted devices in memory; `onEvent`; delivery reports from the sandbox (`webhookUrl`) into
// `preludeWebhook` with its default memory store. Nothing here calls process.exit or unrefs
// anything: at SIGTERM it closes the server, waits for its 'close', closes the strategies, closes
// its Redis client, and then the process must end by itself.
//
// Environment: SANDBOX_API_KEY, SANDBOX_PRELUDE_URL, SANDBOX_WEBHOOK_PUBLIC_KEY (the test's
// sandbox), REDIS_URL, REDIS_PREFIX (unique to the run), SESSION_SECRET, LIMIT_KEY_SECRET;
// SHUTDOWN_SKIP_REDIS_CLOSE=1 leaves the Redis client open (the test's negative control).
// Prints `listening <port>`, one `event <type> <outcome or status>` line per event, and one
// `shutdown: <step>` line per step of the shutdown, on stdout; stderr stays empty unless
// something goes wrong.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { DingOtpStrategy, preludeWebhook, type DingAction, type FailureInfo, type OnEvent } from 'passport-ding';
import { createClient } from 'redis';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

interface User {
  id: string;
  phoneNumber: string;
}

const prefix = required('REDIS_PREFIX');
const redis = createClient({ url: required('REDIS_URL') });
redis.on('error', (err: Error) => console.error(`redis error: ${err.message}`));
await redis.connect();

const onEvent: OnEvent = (event) => {
  console.log(`event ${event.type} ${event.type === 'delivery' ? event.status : event.outcome}`);
};

const app = express();
app.set('trust proxy', 1);
// Before any body parser, as docs/webhooks.md says; its de-duplication store is the default (memory).
app.post('/webhooks/prelude', preludeWebhook({ publicKey: required('SANDBOX_WEBHOOK_PUBLIC_KEY'), onEvent }));
app.use(express.urlencoded({ extended: false, limit: '8kb' }));
app.use(session({
  store: new RedisStore({ client: redis, prefix: `${prefix}sess:` }),
  secret: required('SESSION_SECRET'),
  name: 'shutdown.sid',
  resave: false,
  saveUninitialized: false,
  cookie: { httpOnly: true, sameSite: 'lax', secure: true, maxAge: 15 * 60 * 1000 },
}));
app.use(passport.session());

/** A JSON custom callback: a refusal answers its status and { code }, a success { user } or { sent }. */
const step = (name: string, action: DingAction): express.RequestHandler => (req, res, next) => {
  passport.authenticate(name, { action },
    (err: unknown, user: Express.User | false, info: FailureInfo, status?: number) => {
      if (err) return next(err);
      if (!user) return res.status(status ?? 401).json({ code: info.code });
      req.logIn(user, { session: true, keepSessionInfo: name === 'ding-2fa' }, (loginErr) => (loginErr ? next(loginErr) : res.json({ user })));
    })(req, res, () => res.json({ sent: true }));
};
app.post('/login/phone', step('ding', 'send'));
app.post('/login/code', step('ding', 'verify'));
app.post('/2fa/send', step('ding-2fa', 'send'));
app.post('/2fa/code', step('ding-2fa', 'verify'));

// Listen first: the strategies' webhookUrl (the sandbox's callback_url) is this server's address.
const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as AddressInfo;

const common = {
  apiKey: required('SANDBOX_API_KEY'),
  baseUrl: required('SANDBOX_PRELUDE_URL'),
  webhookUrl: `http://127.0.0.1:${port}/webhooks/prelude`,
  onEvent,
};
const login = new DingOtpStrategy({
  ...common,
  limits: {
    store: { redis, prefix: `${prefix}limit:` },
    keySecret: required('LIMIT_KEY_SECRET'),
    sendsGlobal: { points: 2_000, durationSeconds: 3600 },
  },
}, (phone, _details, done) => done(null, { id: phone, phoneNumber: phone } satisfies User));
// The second factor keeps the default limits (the memory store) and remembers devices in memory:
// with the webhook ids, every memory store docs/deploying.md names lives in this process.
const twoFactor = new DingOtpStrategy({
  ...common,
  sessionKey: 'ding-2fa',
  secondFactor: (req) => (req.user as User | undefined)?.phoneNumber,
  trustedDevices: { days: 30 },
});
const strategies = [login, twoFactor];
passport.use('ding', login);
passport.use('ding-2fa', twoFactor);
passport.serializeUser((user, done) => done(null, JSON.stringify(user)));
passport.deserializeUser((user: string, done) => done(null, JSON.parse(user) as User));
app.get('/me', (req, res) => {
  twoFactor.isTrustedDevice(req).then(
    (trusted) => res.json({ user: req.user ?? null, trusted }),
    (err: unknown) => res.status(500).json({ error: String(err) }),
  );
});
console.log(`listening ${port}`);

// docs/deploying.md, "Shutting down", step by step.
await once(process, 'SIGTERM');
console.log('shutdown: SIGTERM');
server.close(); // no new connections; the requests in flight finish
await once(server, 'close');
console.log('shutdown: server closed');
await Promise.all(strategies.map((strategy) => strategy.close()));
console.log('shutdown: strategies closed');
if (process.env.SHUTDOWN_SKIP_REDIS_CLOSE === '1') {
  console.log('shutdown: redis close skipped');
} else {
  await redis.close(); // yours: passport-ding never closes a client it was given
  console.log('shutdown: redis close');
}
