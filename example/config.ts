// Reads the example's settings from the environment, once, with plain errors for bad values.
import { isSupportedCountry } from 'libphonenumber-js';
import type { CountryCode } from './auth.js';
import type { DemoUser } from './users.js';

export interface Config {
  /** Ding credentials, or undefined for sandbox mode. */
  ding: { apiKey: string; customerUuid: string; baseUrl: string | undefined } | undefined;
  port: number;
  host: string;
  sessionSecret: string | undefined;
  redisUrl: string | undefined;
  secureCookies: boolean | undefined;
  trustProxy: boolean | number | string | undefined;
  defaultCountry: CountryCode | undefined;
  demoUser: DemoUser | undefined;
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

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const apiKey = env.DING_API_KEY || undefined;
  const customerUuid = env.DING_CUSTOMER_UUID || undefined;
  if ((apiKey === undefined) !== (customerUuid === undefined)) {
    throw new ConfigError('Set both DING_API_KEY and DING_CUSTOMER_UUID for the real API, or neither for the sandbox');
  }
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number (got "${env.PORT}")`);
  const country = env.DEFAULT_COUNTRY?.toUpperCase() || undefined;
  if (country !== undefined && !isSupportedCountry(country)) throw new ConfigError(`DEFAULT_COUNTRY must be an ISO country code such as US (got "${country}")`);
  const demoPhone = env.DEMO_PHONE || undefined;
  const demoPassword = env.DEMO_PASSWORD || undefined;
  if (apiKey && (demoPhone === undefined) !== (demoPassword === undefined)) {
    throw new ConfigError('Set both DEMO_PHONE and DEMO_PASSWORD to enable the second-factor demo user with the real API');
  }
  return {
    ding: apiKey && customerUuid ? { apiKey, customerUuid, baseUrl: env.DING_BASE_URL || undefined } : undefined,
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
