// The `trustedDevices` option: "remember this device" for the second factor. What it may hold, its
// defaults and bounds, and one function that checks it. A bad value is a bug in the app, so it
// throws a TypeError at construction, as every other option does.

import type { RedisClientLike, RedisStoreOptions } from '../limits/options.js';
import { DEFAULT_REDIS_TIMEOUT_MS, isRedisTimeoutMs, REDIS_TIMEOUT_RANGE } from '../redis-deadline.js';

/**
 * Where remembered devices live. `'memory'` (default): this process only, lost on restart, at most
 * `maxDevices` of them. `{ redis, prefix?, timeoutMs? }`: shared by every app instance using the same
 * Redis and prefix (node-redis 4+ or ioredis, the same shape as `limits.store`).
 */
export type TrustedDeviceStore = 'memory' | RedisStoreOptions;

/** The `trustedDevices` option: "remember this device" for the second factor (see docs/second-factor.md). */
export interface TrustedDevicesOptions {
  /** Default `'memory'`. Use `{ redis: client }` when more than one instance serves logins. */
  store?: TrustedDeviceStore | undefined;
  /** How long a remembered device skips the code, in days (1 to 400). Default 30. */
  days?: number | undefined;
  /**
   * The form field that asks to remember the device (a checkbox). `on`, `true`, `1`, `yes` or a
   * JSON `true` mean yes; anything else, or no field, means no. Default `rememberDevice`.
   */
  field?: string | undefined;
  /**
   * The cookie's name, used as given. Default: `__Host-passport-ding.device` on a Secure cookie
   * (`__Secure-passport-ding.device` with a `cookiePath` other than `/`), `passport-ding.device`
   * on plain HTTP to this machine. A name starting with `__Host-` or `__Secure-` is always Secure.
   */
  cookieName?: string | undefined;
  /** The cookie's path. Default `/`. */
  cookiePath?: string | undefined;
  /** The most devices remembered per user; past it the oldest is forgotten. 1 to 100, default 10. */
  maxDevicesPerUser?: number | undefined;
  /**
   * Memory store only: the most devices remembered in this process, all users together; past it
   * the least recently used is forgotten. 1 to 1,000,000, default 10,000 (about 4 MB).
   */
  maxDevices?: number | undefined;
}

/** The defaults of the `trustedDevices` option. */
export const TRUSTED_DEVICE_DEFAULTS = {
  days: 30,
  field: 'rememberDevice',
  cookieName: 'passport-ding.device',
  cookiePath: '/',
  maxDevicesPerUser: 10,
  maxDevices: 10_000,
  prefix: 'passport-ding:device:',
} as const;

/**
 * The longest `days` accepted: 400, the longest a browser keeps a cookie (Chrome caps Max-Age and
 * Expires there; RFC 6265bis recommends it), so a longer trust could never be used.
 */
export const MAX_TRUSTED_DAYS = 400;

/** The checked `trustedDevices` option. */
export interface TrustedDeviceSettings {
  store: { kind: 'memory'; maxDevices: number } | { kind: 'redis'; client: RedisClientLike; prefix: string; timeoutMs: number };
  ttlMs: number;
  field: string;
  cookieName: string;
  /** Whether `cookieName` is the default, which takes a `__Host-`/`__Secure-` prefix when Secure. */
  defaultCookieName: boolean;
  cookiePath: string;
  maxDevicesPerUser: number;
}

function fail(name: string, expected: string): never {
  throw new TypeError(`DingOtpStrategy: option \`trustedDevices.${name}\` must be ${expected}`);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function integer(options: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(name, `an integer from ${min} to ${max}`);
  return value;
}

function text(options: Record<string, unknown>, name: string, fallback: string, pattern: RegExp, expected: string): string {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !pattern.test(value)) fail(name, expected);
  return value;
}

// RFC 6265 cookie-name token characters (no separators, spaces or controls).
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// A path without ';', controls or spaces, starting at the root.
const COOKIE_PATH = /^\/[\x21-\x3a\x3c-\x7e]*$/;
const FIELD = /^\S+$/;

const KNOWN = ['store', 'days', 'field', 'cookieName', 'cookiePath', 'maxDevicesPerUser', 'maxDevices'];

/**
 * Checks the `trustedDevices` option; `undefined` when it is absent or `false`. Only in
 * second-factor mode: a phone login has no first factor whose second step could be skipped.
 */
export function resolveTrustedDevices(value: unknown, secondFactor: boolean): TrustedDeviceSettings | undefined {
  if (value === undefined || value === false) return undefined;
  if (value !== true && !isObject(value)) throw new TypeError('DingOtpStrategy: option `trustedDevices` must be an object, true or false');
  if (!secondFactor) throw new TypeError('DingOtpStrategy: option `trustedDevices` needs `secondFactor` (it skips the second factor, so there must be one)');
  const options: Record<string, unknown> = value === true ? {} : value;
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) throw new TypeError(`DingOtpStrategy: option \`trustedDevices\` has no \`${key}\` (known: ${KNOWN.join(', ')})`);
  }
  const maxDevices = integer(options, 'maxDevices', TRUSTED_DEVICE_DEFAULTS.maxDevices, 1, 1_000_000);
  let store: TrustedDeviceSettings['store'] = { kind: 'memory', maxDevices };
  const given = options.store;
  if (given !== undefined && given !== 'memory') {
    if (!isObject(given) || !isObject(given.redis)) fail('store', "'memory' or { redis: client, prefix?, timeoutMs? }");
    const client = given.redis;
    if (typeof client.eval !== 'function') fail('store.redis', 'a node-redis (4+) or ioredis client');
    const prefix = given.prefix ?? TRUSTED_DEVICE_DEFAULTS.prefix;
    if (typeof prefix !== 'string' || prefix === '') fail('store.prefix', 'a non-empty string');
    const timeoutMs = given.timeoutMs === undefined ? DEFAULT_REDIS_TIMEOUT_MS : given.timeoutMs;
    if (!isRedisTimeoutMs(timeoutMs)) fail('store.timeoutMs', REDIS_TIMEOUT_RANGE);
    if (options.maxDevices !== undefined) fail('maxDevices', 'left out with a Redis store (Redis entries expire; bound Redis with its own maxmemory)');
    store = { kind: 'redis', client, prefix, timeoutMs };
  }
  const days = integer(options, 'days', TRUSTED_DEVICE_DEFAULTS.days, 1, MAX_TRUSTED_DAYS);
  const cookieName = text(options, 'cookieName', TRUSTED_DEVICE_DEFAULTS.cookieName, COOKIE_NAME, 'a cookie name (letters, digits and !#$%&\'*+-.^_`|~)');
  const cookiePath = text(options, 'cookiePath', TRUSTED_DEVICE_DEFAULTS.cookiePath, COOKIE_PATH, "a path starting with '/' (no ';' or spaces)");
  // Browsers refuse a __Host- cookie with any other path: the cookie would never be kept.
  if (/^__host-/i.test(cookieName) && cookiePath !== '/') fail('cookiePath', "'/' with a `__Host-` cookie name (browsers refuse a __Host- cookie on any other path)");
  return {
    store,
    ttlMs: days * 86_400_000,
    field: text(options, 'field', TRUSTED_DEVICE_DEFAULTS.field, FIELD, 'a non-empty field name'),
    cookieName,
    defaultCookieName: options.cookieName === undefined,
    cookiePath,
    maxDevicesPerUser: integer(options, 'maxDevicesPerUser', TRUSTED_DEVICE_DEFAULTS.maxDevicesPerUser, 1, 100),
  };
}
