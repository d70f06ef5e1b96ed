// Reads the example's settings from the environment, once, with plain errors for bad values.
import { isSupportedCountry } from 'libphonenumber-js';
import type { CountryCode } from './auth.js';
import type { DemoUser } from './users.js';

/** The OTP API the example talks to: Prelude Verify V2, or Ding V1 (deprecated by its owner). */
export type ProviderName = 'ding' | 'prelude';

export interface Config {
  /**
   * Which API: `prelude` when PRELUDE_API_KEY is set, `ding` when DING_API_KEY and
   * DING_CUSTOMER_UUID are, else EXAMPLE_PROVIDER (`prelude` or `ding`, default `prelude`): in
   * sandbox mode it picks the sandbox's V2 or V1 endpoints.
   */
  provider: ProviderName;
  /** Ding V1 credentials, or undefined. */
  ding: { apiKey: string; customerUuid: string; baseUrl: string | undefined } | undefined;
  /** Prelude Verify V2 credentials, or undefined. With neither set: sandbox mode. */
  prelude: { apiKey: string; baseUrl: string | undefined } | undefined;
  port: number;
  host: string;
  sessionSecret: string | undefined;
  redisUrl: string | undefined;
  secureCookies: boolean | undefined;
  trustProxy: boolean | number | string | undefined;
  defaultCountry: CountryCode | undefined;
  demoUser: DemoUser | undefined;
  /**
   * App-store review: EXAMPLE_TEST_NUMBER (E.164) gets the fixed code EXAMPLE_TEST_CODE, with no
   * SMS, until EXAMPLE_TEST_EXPIRES (an ISO date, required, in the future). Off when unset.
   */
  testNumbers: { numbers: Record<string, string>; expiresAt: Date } | undefined;
  /**
   * Delivery webhooks with the real API: PUBLIC_URL (this app's https origin as the provider
   * reaches it) with PRELUDE_WEBHOOK_PUBLIC_KEY (Prelude) or DING_WEBHOOK_SECRET (Ding V1).
   * In sandbox mode the start script wires them to the sandbox by itself.
   */
  webhooks: { publicUrl: string; preludePublicKey: string | undefined; dingSecret: string | undefined } | undefined;
}

export class ConfigError extends Error {}

function flag(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`${name} must be true or false (got "${value}")`);
}

/** Express `trust proxy`: true/false, a hop count, or addresses (`loopback`, `10.0.0.0/8`). */
function trustProxy(value: string | undefined): boolean | number | string | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  if (/^(1|true|yes|on|0|false|no|off)$/i.test(value)) return flag('TRUST_PROXY', value);
  return value;
}

/** EXAMPLE_TEST_NUMBER, EXAMPLE_TEST_CODE and EXAMPLE_TEST_EXPIRES: all three, or none. */
function testNumbers(env: NodeJS.ProcessEnv): Config['testNumbers'] {
  const number = env.EXAMPLE_TEST_NUMBER || undefined;
  const code = env.EXAMPLE_TEST_CODE || undefined;
  const expires = env.EXAMPLE_TEST_EXPIRES || undefined;
  if (number === undefined && code === undefined && expires === undefined) return undefined;
  if (number === undefined || code === undefined || expires === undefined) {
    throw new ConfigError('Set all of EXAMPLE_TEST_NUMBER, EXAMPLE_TEST_CODE and EXAMPLE_TEST_EXPIRES for an app-review test number, or none');
  }
  const expiresAt = new Date(expires);
  // A date without an expiry would leave a fixed code open for good: the library refuses a past
  // date too, but say which variable is wrong here.
  if (!/^\d{4}-\d{2}-\d{2}/.test(expires) || Number.isNaN(expiresAt.getTime())) {
    throw new ConfigError(`EXAMPLE_TEST_EXPIRES must be an ISO date such as 2026-12-31T00:00:00Z (got "${expires}")`);
  }
  if (expiresAt.getTime() <= Date.now()) throw new ConfigError(`EXAMPLE_TEST_EXPIRES is in the past (${expiresAt.toISOString()}): the test number would be a real number again`);
  return { numbers: { [number]: code }, expiresAt };
}

/** PUBLIC_URL and the provider's webhook credential (the real API only). */
function webhooks(env: NodeJS.ProcessEnv, provider: ProviderName, live: boolean): Config['webhooks'] {
  const publicUrl = env.PUBLIC_URL || undefined;
  if (!live || publicUrl === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new ConfigError(`PUBLIC_URL must be this app's address such as https://app.example.com (got "${publicUrl}")`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`PUBLIC_URL must be an http(s) address (got "${publicUrl}")`);
  // A PEM in one environment line: literal "\n" stand for newlines.
  const preludePublicKey = env.PRELUDE_WEBHOOK_PUBLIC_KEY?.replace(/\\n/g, '\n') || undefined;
  const dingSecret = env.DING_WEBHOOK_SECRET || undefined;
  if (provider === 'prelude' && !preludePublicKey) throw new ConfigError('PUBLIC_URL with Prelude needs PRELUDE_WEBHOOK_PUBLIC_KEY (the webhook signing key from the dashboard, PEM)');
  if (provider === 'ding' && (!dingSecret || dingSecret.length < 16)) throw new ConfigError('PUBLIC_URL with Ding V1 needs DING_WEBHOOK_SECRET, a random string of 16+ characters (openssl rand -hex 32)');
  return { publicUrl: url.origin, preludePublicKey, dingSecret };
}

/** EXAMPLE_PROVIDER, checked against the credentials that are set. */
function providerName(value: string | undefined, ding: boolean, prelude: boolean): ProviderName {
  const name = value?.trim().toLowerCase() || undefined;
  if (name !== undefined && name !== 'ding' && name !== 'prelude') {
    throw new ConfigError(`EXAMPLE_PROVIDER must be ding or prelude (got "${value}")`);
  }
  if (ding && prelude) throw new ConfigError('Set PRELUDE_API_KEY (Prelude V2) or DING_API_KEY and DING_CUSTOMER_UUID (Ding V1), not both');
  if (prelude && name === 'ding') throw new ConfigError('EXAMPLE_PROVIDER=ding needs DING_API_KEY and DING_CUSTOMER_UUID, not PRELUDE_API_KEY');
  if (ding && name === 'prelude') throw new ConfigError('EXAMPLE_PROVIDER=prelude needs PRELUDE_API_KEY, not Ding credentials');
  if (prelude) return 'prelude';
  if (ding) return 'ding';
  // No credentials: the sandbox, over Prelude Verify V2 unless asked for Ding V1 (deprecated).
  return name ?? 'prelude';
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const apiKey = env.DING_API_KEY || undefined;
  const customerUuid = env.DING_CUSTOMER_UUID || undefined;
  if ((apiKey === undefined) !== (customerUuid === undefined)) {
    throw new ConfigError('Set both DING_API_KEY and DING_CUSTOMER_UUID for the real API, or neither for the sandbox');
  }
  const preludeKey = env.PRELUDE_API_KEY || undefined;
  const provider = providerName(env.EXAMPLE_PROVIDER, apiKey !== undefined, preludeKey !== undefined);
  const live = apiKey !== undefined || preludeKey !== undefined;
  // Sandbox mode prints every code to the log, opens the demo user with its published password
  // and makes plain-HTTP cookies: a server whose API key went missing must not come up that way.
  if (!live && env.NODE_ENV === 'production') {
    throw new ConfigError('NODE_ENV=production needs the real API: set PRELUDE_API_KEY (Prelude V2), or DING_API_KEY and DING_CUSTOMER_UUID (Ding V1). The sandbox prints every code to the log and opens the demo user: it does not run in production');
  }
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number (got "${env.PORT}")`);
  const country = env.DEFAULT_COUNTRY?.toUpperCase() || undefined;
  if (country !== undefined && !isSupportedCountry(country)) throw new ConfigError(`DEFAULT_COUNTRY must be an ISO country code such as US (got "${country}")`);
  const demoPhone = env.DEMO_PHONE || undefined;
  const demoPassword = env.DEMO_PASSWORD || undefined;
  if (live && (demoPhone === undefined) !== (demoPassword === undefined)) {
    throw new ConfigError('Set both DEMO_PHONE and DEMO_PASSWORD to enable the second-factor demo user with the real API');
  }
  return {
    testNumbers: testNumbers(env),
    webhooks: webhooks(env, provider, live),
    provider,
    ding: apiKey && customerUuid ? { apiKey, customerUuid, baseUrl: env.DING_BASE_URL || undefined } : undefined,
    prelude: preludeKey ? { apiKey: preludeKey, baseUrl: env.PRELUDE_BASE_URL || undefined } : undefined,
    port,
    host: env.HOST || '127.0.0.1',
    sessionSecret: env.SESSION_SECRET || undefined,
    redisUrl: env.REDIS_URL || undefined,
    secureCookies: flag('COOKIE_SECURE', env.COOKIE_SECURE),
    trustProxy: trustProxy(env.TRUST_PROXY),
    defaultCountry: country as CountryCode | undefined,
    demoUser: demoPhone && demoPassword ? { username: env.DEMO_USERNAME || 'demo', password: demoPassword, phone: demoPhone } : undefined,
  };
}
