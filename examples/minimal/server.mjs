/* global process, console, URL */
// The smallest complete phone login with passport-ding. Copy this file and run it:
//
//   npm install passport-ding passport express express-session
//   node server.mjs        # no PRELUDE_API_KEY: the embedded sandbox; each code is printed here
//   PRELUDE_API_KEY=... SESSION_SECRET=... node server.mjs     # the real Prelude Verify V2 API
//   PRELUDE_API_KEY=... PRELUDE_BASE_URL=http://127.0.0.1:8420 node server.mjs   # npx passport-ding-sandbox
//
// Messages: a refusal is rendered into the answer to the request that failed (a custom
// callback), never queued in the session the way `failureMessage` queues it in
// `req.session.messages`, which piles up one copy per failure. Three wrong codes: one message.
import { randomBytes, randomUUID } from 'node:crypto';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { DingOtpStrategy, PassportDingError, pendingVerification } from 'passport-ding';
import { startDingSandbox } from 'passport-ding/sandbox';

const apiKey = process.env.PRELUDE_API_KEY;
// The sandbox is the Prelude API offline, in this process: no SMS, the code goes to the console.
// Never in production, where whoever reads the log could then sign in as any number.
if (!apiKey && process.env.NODE_ENV === 'production') throw new Error('Set PRELUDE_API_KEY: the sandbox does not run in production');
const sandbox = apiKey ? undefined : await startDingSandbox({ onCode: ({ code }) => console.log(`[sandbox] code ${code}`) });

const users = new Map(); // id -> { id, phone }: your database
passport.use(new DingOtpStrategy(
  { provider: 'prelude', apiKey: apiKey ?? sandbox.apiKey, baseUrl: sandbox?.preludeUrl ?? process.env.PRELUDE_BASE_URL, defaultCountry: 'US' },
  async (phone) => {
    // The number is verified (E.164). Random ids: an id in a log must not lead back to a number.
    const user = [...users.values()].find((u) => u.phone === phone) ?? { id: randomUUID(), phone };
    users.set(user.id, user);
    return user;
  },
));
passport.serializeUser((user, done) => done(null, user.id));
passport.deserializeUser((id, done) => done(null, users.get(id) ?? false));

const app = express();
app.use(express.urlencoded({ extended: false, limit: '8kb' }));
app.use(session({
  secret: process.env.SESSION_SECRET ?? randomBytes(32).toString('hex'),
  resave: false,
  saveUninitialized: false, // a page view stores nothing; a sent code does
  cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: 15 * 60 * 1000 },
}));
app.use(passport.session());
// CSRF: browsers send Origin with every POST; refuse a form posted from another site. (Hosts
// are compared, not schemes, so it also works behind a TLS proxy.)
app.use((req, res, next) => {
  const origin = req.get('origin');
  if (req.method !== 'POST' || !origin || (URL.canParse(origin) && new URL(origin).host === req.get('host'))) return next();
  res.status(403).send(page(phoneForm, 'That form came from another site.'));
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (body, message) =>
  `<!doctype html><meta charset="utf-8"><title>Sign in</title>${message ? `<p role="alert">${escape(message)}</p>` : ''}${body}`;
const phoneForm = `<form method="post" action="/login/phone"><label>Phone number <input name="phoneNumber" type="tel"
  autocomplete="tel"></label> <button>Text me a code</button></form>`;
const codeForm = (pending) => `<p>We sent a code to ${escape(pending.phoneNumber)}.</p>
  <form method="post" action="/login/code"><label>Code <input name="code" inputmode="numeric" autocomplete="one-time-code"></label>
  <button>Verify</button></form><form method="post" action="/login/resend"><button>Send a new code</button></form>`;
// The form for where the visitor is: the code form while a code is pending, else the number.
const formFor = (req) => (pendingVerification(req) ? codeForm(pendingVerification(req)) : phoneForm);

// One handler per action. A refusal (wrong code, too soon, bad number) is the form again with
// its message and status; an error (the OTP API down) goes to the error handler below.
const step = (action) => (req, res, next) =>
  passport.authenticate('ding', { action }, (err, user, info, status) => {
    if (err) return next(err);
    if (!user) return res.status(status ?? 400).send(page(action === 'send' ? phoneForm : formFor(req), info?.message));
    req.logIn(user, (loginErr) => (loginErr ? next(loginErr) : res.redirect(303, '/')));
  })(req, res, () => res.redirect(303, '/login/code')); // send and retry pass: the code is on its way

app.get('/', (req, res) => {
  if (!req.user) return res.redirect(303, '/login');
  res.send(page(`<p>Signed in as ${escape(req.user.phone)}.</p><form method="post" action="/logout"><button>Sign out</button></form>`));
});
app.get('/login', (req, res) => res.send(page(phoneForm)));
app.get('/login/code', (req, res) => (pendingVerification(req) ? res.send(page(formFor(req))) : res.redirect(303, '/login')));
app.post('/login/phone', step('send'));
app.post('/login/code', step('verify'));
app.post('/login/resend', step('retry'));
app.post('/logout', (req, res, next) => req.logout((err) => (err ? next(err) : res.redirect(303, '/login'))));
app.use((err, req, res, _next) => {
  // passport-ding's messages carry no code, key or phone number: log them. Anything else: its name only.
  const ours = err instanceof PassportDingError;
  const reason = ours && 'reason' in err ? ` (${err.reason})` : '';
  console.error(ours ? `error: ${err.name}${reason}: ${err.message}` : `error: ${err.name}`);
  if (req.session?.passport) delete req.session.passport.user; // a login Passport could not save stays out
  if (typeof err.retryAfter === 'number') res.set('Retry-After', String(err.retryAfter)); // busy, or the circuit open
  res.status(ours ? err.status : err.status === 413 ? 413 : 500) // 503: the OTP API is down
    .send(page('<a href="/login">Back to sign-in</a>', 'That did not work. Please try again.'));
});

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () =>
  console.log(`Open http://localhost:${server.address().port} (${sandbox ? 'sandbox, Prelude V2 endpoints' : 'Prelude Verify V2'})`));
