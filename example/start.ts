// `npm start`: the example on http://localhost:3000.
//
// Without DING_API_KEY / DING_CUSTOMER_UUID it starts the Ding sandbox in this process, so it
// works offline and sends no SMS: each code is printed here instead. With them, it uses the
// real Ding API. See ../README.md for every variable.
import type { AddressInfo } from 'node:net';
import { startDingSandbox } from 'passport-ding/sandbox';
import type { DingSandbox } from 'passport-ding/sandbox';
import { createApp, DEFAULT_DEMO_USER } from './app.js';
import { ConfigError, readConfig } from './config.js';
import { createLogger } from './logger.js';
import { formatPhone, maskPhoneForPage } from './views/phone.js';

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger();
  let sandbox: DingSandbox | undefined;
  let ding = config.ding;
  if (!ding) {
    sandbox = await startDingSandbox({
      // The sandbox's whole point: the code you would have received by SMS, right here.
      onCode: (event) => console.log(`\n  [sandbox] code ${event.code} for ${maskPhoneForPage(event.phoneNumber)}${event.kind === 'retry' ? ' (resend)' : ''}\n`),
    });
    ding = { apiKey: sandbox.apiKey, customerUuid: sandbox.customerUuid, baseUrl: sandbox.url };
  }
  const example = await createApp({
    ding,
    sandbox: sandbox !== undefined,
    sessionSecret: config.sessionSecret,
    secureCookies: config.secureCookies,
    redisUrl: config.redisUrl,
    trustProxy: config.trustProxy,
    defaultCountry: config.defaultCountry,
    demoUser: config.demoUser,
    logger,
  });

  const server = example.app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://localhost:${port}`;
  const demo = config.demoUser ?? (sandbox ? DEFAULT_DEMO_USER : undefined);

  const lines = sandbox
    ? [
        'passport-ding example: SANDBOX MODE (offline; no SMS is sent, codes are printed here)',
        `  Open ${url} and sign in with any valid number, e.g. +1 201 555 0142`,
      ]
    : ['passport-ding example: real Ding API (codes go out by SMS)', `  Open ${url}`];
  if (demo) {
    lines.push(`  Second-factor demo: ${url}/login/password  user "${demo.username}", password "${demo.password}"` +
      (sandbox ? `, phone ${formatPhone(demo.phone)}` : ''));
  }
  lines.push(`  Sessions: ${config.redisUrl ? 'Redis (REDIS_URL)' : 'in memory (set REDIS_URL to share them between instances)'}`);
  if (sandbox) {
    lines.push('  The session secret is random per start (set SESSION_SECRET to keep sessions across restarts).');
    lines.push('  For the real API, set DING_API_KEY and DING_CUSTOMER_UUID. Stop with Ctrl+C.');
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
