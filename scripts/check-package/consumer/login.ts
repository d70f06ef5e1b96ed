// A small app as a user writes it against the installed tarball: Express, express-session,
// Passport and DingOtpStrategy talking to the package's own sandbox (Prelude Verify V2). It is
// type-checked strictly (skipLibCheck: false) under each module setting, then run: one phone
// login from the phone number to the logged-in page. Prints `login ok` or exits non-zero.
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { DingOtpStrategy, OUTCOMES, pendingVerification } from 'passport-ding';
import type { PublicPendingVerification } from 'passport-ding';
import { startDingSandbox } from 'passport-ding/sandbox';
import type { DingSandbox } from 'passport-ding/sandbox';

interface User {
  id: string;
  phoneNumber: string;
}

const PHONE = '+14155552671';

/** A number from the environment, or undefined: options take undefined as "the default". */
function optional(value: string | undefined): number | undefined {
  return value === undefined || value === '' ? undefined : Number(value);
}

function buildApp(sandbox: DingSandbox) {
  const users = new Map<string, User>();
  const auth = new passport.Passport();
  const strategy = new DingOtpStrategy(
    // Options from possibly-undefined values, as tsc --init's exactOptionalPropertyTypes checks them.
    { provider: 'prelude', apiKey: sandbox.apiKey, baseUrl: sandbox.preludeUrl, timeoutMs: optional(process.env.CONSUMER_TIMEOUT_MS), defaultCountry: undefined },
    async (phoneNumber: string): Promise<User> => {
      const user = users.get(phoneNumber) ?? { id: `u${users.size + 1}`, phoneNumber };
      users.set(phoneNumber, user);
      return user;
    },
  );
  auth.use(strategy);
  auth.serializeUser((user, done) => done(null, (user as User).phoneNumber));
  auth.deserializeUser((phone: string, done) => done(null, users.get(phone) ?? false));

  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(session({ secret: 'consumer test secret', resave: false, saveUninitialized: false }));
  app.use(auth.session());
  app.post('/login/phone', auth.authenticate('ding', { action: 'send' }), (req, res) => {
    const pending: PublicPendingVerification | undefined = pendingVerification(req);
    res.json({ pending: pending ?? null });
  });
  // @ts-expect-error: the package's augmentation of passport types `action`, so a typo is refused
  auth.authenticate('ding', { action: 'sned' });
  app.post('/login/code', auth.authenticate('ding', { action: 'verify', successRedirect: '/me', failureRedirect: '/login' }));
  app.get('/me', (req, res) => {
    res.json({ user: req.user ?? null });
  });
  return { app, strategy };
}

async function post(url: string, form: Record<string, string>, cookie?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (cookie !== undefined) headers.cookie = cookie;
  return fetch(url, { method: 'POST', headers, body: new URLSearchParams(form).toString(), redirect: 'manual' });
}

async function main(): Promise<void> {
  const sandbox = await startDingSandbox({ port: optional(process.env.CONSUMER_SANDBOX_PORT) });
  const { app, strategy } = buildApp(sandbox);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const sent = await post(`${base}/login/phone`, { phoneNumber: PHONE });
    const cookie = sent.headers.get('set-cookie')?.split(';')[0];
    const text = await sent.text();
    if (sent.status !== 200 || cookie === undefined) throw new Error(`send: HTTP ${sent.status} ${text}`);
    const body = JSON.parse(text) as { pending: PublicPendingVerification | null };
    if (body.pending === null) throw new Error('send: no pending verification');

    const code = sandbox.latestCode(PHONE);
    if (code === undefined) throw new Error('the sandbox sent no code');
    const checked = await post(`${base}/login/code`, { code }, cookie);
    if (checked.status !== 302 || checked.headers.get('location') !== '/me') throw new Error(`verify: HTTP ${checked.status}`);

    // Passport gives the session a new id at login (session fixation), hence a new cookie.
    const session = checked.headers.get('set-cookie')?.split(';')[0] ?? cookie;
    const me = (await (await fetch(`${base}/me`, { headers: { cookie: session } })).json()) as { user: User | null };
    if (me.user?.phoneNumber !== PHONE) throw new Error('not logged in after the right code');
    if (OUTCOMES.invalid_code.status !== 401) throw new Error('OUTCOMES is not the documented table');
    console.log('login ok');
  } finally {
    server.close();
    await strategy.close();
    await sandbox.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
