// `npm start`: the example on http://localhost:3000.
//
// With PRELUDE_API_KEY it uses the real Prelude Verify V2 API; with DING_API_KEY and
// DING_CUSTOMER_UUID, the real Ding V1 API (deprecated). With neither it starts the sandbox in
// this process, so it works offline and sends no SMS: each code is printed here instead. The
// sandbox is spoken to over Prelude Verify V2, or over Ding V1 with EXAMPLE_PROVIDER=ding. See
// ./README.md for every variable.
import { randomBytes } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDingSandbox } from 'passport-ding/sandbox';
import type { DingSandbox } from 'passport-ding/sandbox';
import { createApp, DEFAULT_DEMO_USER } from './app.js';
import { ConfigError, readConfig } from './config.js';
import { createLogger } from './logger.js';
import { chooseApi } from './provider.js';
import { formatPhone, maskPhoneForPage } from './views/phone.js';

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger();
  let sandbox: DingSandbox | undefined;
  if (!config.prelude && !config.ding) {
    sandbox = await startDingSandbox({
      // The sandbox's whole point: the code you would have received by SMS, right here.
      onCode: (event) => console.log(`\n  [sandbox] code ${event.code} for ${maskPhoneForPage(event.phoneNumber)}${event.kind === 'retry' ? ' (resend)' : ''}\n`),
    });
  }
  const { credentials, name: apiName } = chooseApi(config, sandbox);

  // Listen first: in sandbox mode the strategies' callback_url is this server's own address,
  // known once it listens. Until the app is built (a moment) requests get a 503.
  let handle: RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handle(req, res));
  server.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port, address } = server.address() as AddressInfo;
  const url = `http://localhost:${port}`;

  // The sandbox posts its delivery reports to this process, signed with its own key (Prelude V2)
  // or with a secret made here for this run (Ding V1).
  const webhooks = sandbox
    ? { publicUrl: `http://${selfAddress(address)}:${port}`, preludePublicKey: sandbox.webhookPublicKey, dingSecret: randomBytes(24).toString('hex') }
    : config.webhooks;
  const example = await createApp({
    ding: credentials,
    sandbox: sandbox !== undefined,
    sessionSecret: config.sessionSecret,
    secureCookies: config.secureCookies,
    redisUrl: config.redisUrl,
    trustProxy: config.trustProxy,
    defaultCountry: config.defaultCountry,
    demoUser: config.demoUser,
    logger,
    webhooks,
    testNumbers: config.testNumbers,
  });
  handle = example.app;
  const demo = config.demoUser ?? (sandbox ? DEFAULT_DEMO_USER : undefined);

  const lines = sandbox
    ? [
        `passport-ding example: SANDBOX MODE, ${apiName} endpoints (offline; no SMS is sent, codes are printed here)`,
        `  Open ${url} and sign in with any valid number, e.g. +1 201 555 0142`,
      ]
    : [`passport-ding example: real ${apiName} API (codes go out by SMS)`, `  Open ${url}`];
  if (demo) {
    lines.push(`  Second-factor demo: ${url}/login/password  user "${demo.username}", password "${demo.password}"` +
      (sandbox ? `, phone ${formatPhone(demo.phone)}` : ''));
  }
  if (webhooks) lines.push(`  Delivery reports: ${new URL('/webhooks', webhooks.publicUrl).href}/${apiName.startsWith('Prelude') ? 'prelude' : 'ding'} (shown on the code page)`);
  if (config.testNumbers) {
    lines.push(`  App-review test number ${maskPhoneForPage(Object.keys(config.testNumbers.numbers)[0] ?? '')} (fixed code, no SMS) until ${config.testNumbers.expiresAt.toISOString()}`);
  }
  lines.push(`  Sessions: ${config.redisUrl ? 'Redis (REDIS_URL)' : 'in memory (set REDIS_URL to share them between instances)'}`);
  if (sandbox) {
    lines.push('  The session secret is random per start (set SESSION_SECRET to keep sessions across restarts).');
    lines.push('  For the real API, set PRELUDE_API_KEY (Prelude Verify V2), or DING_API_KEY and DING_CUSTOMER_UUID');
    lines.push(config.provider === 'ding'
      ? '  (Ding V1, deprecated). Without EXAMPLE_PROVIDER=ding this sandbox speaks Prelude V2. Stop with Ctrl+C.'
      : '  (Ding V1, deprecated). EXAMPLE_PROVIDER=ding runs this sandbox over V1. Stop with Ctrl+C.');
  } else if (config.secureCookies !== false) {
    lines.push('  Cookies are Secure (HTTPS only). Behind a TLS proxy set TRUST_PROXY=1; on plain http locally set COOKIE_SECURE=false.');
  }
  console.log(`\n${lines.join('\n')}\n`);

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await example.close();
    await sandbox?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

/** This server as the sandbox on this machine reaches it. */
function selfAddress(address: string): string {
  if (address === '0.0.0.0' || address === '::') return '127.0.0.1';
  return address.includes(':') ? `[${address}]` : address;
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`Configuration error: ${err.message}`);
  } else if ((err as { code?: unknown } | null)?.code === 'EADDRINUSE') {
    console.error(`Port ${process.env.PORT ?? 3000} is in use: start with another, e.g. PORT=3001 npm start`);
  } else {
    // Our own errors carry no secrets (see lib/errors.ts); print the message, not a stack.
    console.error(`Could not start: ${err instanceof Error ? err.message : String(err)}`);
  }
  process.exit(1);
});
