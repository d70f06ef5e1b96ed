// The `limits` option: what it may hold, its defaults, and one function that checks it. Limits are
// on by default (in this process's memory, bounded by `maxKeys`); `limits: false` turns every
// rule off, and each rule can be turned off alone with `false`. docs/limits.md explains each
// default and the traffic it allows.

import type { CountryCode } from 'libphonenumber-js';
import { isSupportedCountry } from 'libphonenumber-js';
import { DEFAULT_MAX_KEYS, isMaxKeys, MAX_KEYS_RANGE } from './memory-store.js';
import { DEFAULT_REDIS_TIMEOUT_MS, isRedisTimeoutMs, REDIS_TIMEOUT_RANGE } from '../redis-deadline.js';
import { SharedLimitStore } from './shared-store.js';

/**
 * At most `points` actions per key in a window of `durationSeconds`, counted from the first (the
 * window does not move while it is open).
 */
export interface LimitRule {
  points: number;
  durationSeconds: number;
}

/** Sends per number block: numbers that share all but their last `digits` digits count as one. */
export interface NumberBlockRule extends LimitRule {
  /** How many trailing digits vary inside a block, 1 to 6. Default 3 (blocks of 1,000 numbers). */
  digits: number;
}

/** Sends per destination country, with budgets of their own for the countries named in `countries`. */
export interface CountryRule extends LimitRule {
  /** Points per window for these countries instead of `points`, e.g. `{ US: 50000, GB: 20000 }`. */
  countries?: Partial<Record<CountryCode, number>> | undefined;
}

/**
 * A connected Redis client: node-redis 4 or 5 (`createClient()`) or ioredis, both tested. Typed
 * loosely because Redis is not a dependency of this package.
 */
export type RedisClientLike = object;

/**
 * Where counters live. `'memory'` (default): this strategy's own, in this process, lost on
 * restart, at most `maxKeys` keys. `memoryLimitStore()`: the same, shared by the strategies it is
 * given to. `{ redis, prefix?, timeoutMs? }`: shared by every app instance using the same Redis and
 * prefix.
 */
export type LimitStore = 'memory' | SharedLimitStore | RedisStoreOptions;

/** A Redis store: `limits.store`, the trusted devices' `store`, and (with `ttlSeconds`) a webhook handler's `store`. */
export interface RedisStoreOptions {
  /** The client, connected. */
  redis: RedisClientLike;
  /** Prefix of every key the store writes. */
  prefix?: string | undefined;
  /**
   * How long each Redis command may wait for its reply, in ms: past it the store's call fails as
   * it does while the client is disconnected. 1 to 60,000, default 1,000 (Redis answers in well
   * under a millisecond). See docs/deploying.md, "When Redis fails".
   */
  timeoutMs?: number | undefined;
}

/** The `limits` option: the rules, where the counters live, and the key secret. */
export interface LimitsOptions {
  /** Default `'memory'`. Use `{ redis: client }` when more than one instance serves logins. */
  store?: LimitStore | undefined;
  /**
   * The memory store's bound: at most this many keys (counters and marks) at once; when full, the
   * least recently used key is dropped. Default 200,000 (about 30 MB when full), at most 10,000,000.
   * A `TypeError` beside a Redis store, which it would not bound.
   */
  maxKeys?: number | undefined;
  /** Codes sent (send and resend) to one phone number. Default 5 per hour. */
  sendsPerPhone?: LimitRule | false | undefined;
  /** Codes sent for one client address (an IPv4 address, an IPv6 /64). Default 30 per hour. */
  sendsPerIp?: LimitRule | false | undefined;
  /** Codes sent for one wider network (an IPv4 /24, an IPv6 /48). Default 120 per hour. */
  sendsPerNetwork?: LimitRule | false | undefined;
  /** Codes sent to one number block (all but the last `digits` digits alike). Default 20 per hour, 3 digits. */
  sendsPerNumberBlock?: NumberBlockRule | false | undefined;
  /** Codes sent to numbers of one country. Default 10,000 per hour per country; see `countries`. */
  sendsPerCountry?: CountryRule | false | undefined;
  /**
   * Codes sent in all, by this app (all instances sharing the store). Off by default; the circuit
   * breaker every production app should set, a few times its busiest hour.
   */
  sendsGlobal?: LimitRule | false | undefined;
  /** Wrong codes for one phone number, across verifications. Cleared by a right code. Default 10 per hour. */
  failedChecksPerPhone?: LimitRule | false | undefined;
  /** Wrong codes from one client address (an IPv4 address, an IPv6 /64), over all numbers. Default 20 per hour. */
  failedChecksPerIp?: LimitRule | false | undefined;
  /**
   * Consecutive wrong codes for one phone number: past `points` (at most 100, NIST SP 800-63B),
   * no code for the number is sent or checked until a right code, `resetPhone()`, or
   * `durationSeconds` without a wrong code. Default 100 and 30 days.
   */
  consecutiveFailuresPerPhone?: LimitRule | false | undefined;
  /**
   * The secret of the keyed hash (HMAC-SHA-256) that turns phone numbers and IPs into store keys,
   * so the store never holds one and its keys cannot be reversed by hashing every number. Use 32
   * random bytes (or a long random string), kept like a session secret. Required with a Redis
   * store, and the same on every instance sharing it. The memory store's keys never leave the
   * process, so without a secret they are plain (`p+15551234567`), which saves a hash per limit
   * per request; give one to hash them there too.
   */
  keySecret?: string | Buffer | undefined;
}

/** The default rules (docs/limits.md says what each allows, and why). */
export const DEFAULT_LIMITS = {
  sendsPerPhone: { points: 5, durationSeconds: 3600 },
  sendsPerIp: { points: 30, durationSeconds: 3600 },
  sendsPerNetwork: { points: 120, durationSeconds: 3600 },
  sendsPerNumberBlock: { points: 20, durationSeconds: 3600, digits: 3 },
  sendsPerCountry: { points: 10_000, durationSeconds: 3600 },
  sendsGlobal: false,
  failedChecksPerPhone: { points: 10, durationSeconds: 3600 },
  failedChecksPerIp: { points: 20, durationSeconds: 3600 },
  consecutiveFailuresPerPhone: { points: 100, durationSeconds: 30 * 24 * 3600 },
} as const satisfies Record<string, LimitRule | NumberBlockRule | CountryRule | false>;

export { DEFAULT_MAX_KEYS, MAX_MAX_KEYS } from './memory-store.js';

/** NIST SP 800-63B: consecutive failed attempts on one account limited to no more than 100. */
export const MAX_CONSECUTIVE_FAILURES = 100;

/** The default key prefix in the store. */
export const DEFAULT_LIMIT_PREFIX = 'passport-ding:limit:';

/**
 * The rule names, as a refusal reports them (`LimitRefusal.rule`) for events and logs; never in
 * the client's answer.
 */
export type LimitName = keyof typeof DEFAULT_LIMITS;

export const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as LimitName[];

/** A checked rule: points per window, the window in ms, and the extras of some rules. */
export interface ResolvedRule {
  points: number;
  durationSeconds: number;
  digits?: number | undefined;
  countries?: ReadonlyMap<string, number> | undefined;
}

/** The checked `limits` option. */
export interface LimitSettings {
  store: { kind: 'memory'; prefix: string; maxKeys: number; shared?: SharedLimitStore | undefined } | { kind: 'redis'; client: RedisClientLike; prefix: string; timeoutMs: number };
  rules: Record<LimitName, ResolvedRule | undefined>;
  /** The HMAC secret of the store keys; undefined for plain keys (memory store only). */
  keySecret: Buffer | undefined;
}

function fail(name: string, expected: string): never {
  throw new TypeError(`DingOtpStrategy: option \`${name}\` must be ${expected}`);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isInt = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

// Windows are kept lazily (no timer per key), so any length fits; a year is past any sane rule.
const MAX_DURATION = 366 * 24 * 3600;
// Far past any budget; a bound keeps a typo (1e20) from reading as "no limit".
const MAX_POINTS = 1_000_000_000;

function rule(value: unknown, name: LimitName): ResolvedRule | undefined {
  const fallback = DEFAULT_LIMITS[name];
  if (value === false) return undefined;
  if (value === undefined) {
    if (fallback === false) return undefined;
    return { ...fallback };
  }
  const where = `limits.${name}`;
  if (!isObject(value)) fail(where, '{ points, durationSeconds } or false');
  const maxPoints = name === 'consecutiveFailuresPerPhone' ? MAX_CONSECUTIVE_FAILURES : MAX_POINTS;
  const { points, durationSeconds } = value;
  if (!isInt(points, 1, maxPoints)) fail(`${where}.points`, `an integer from 1 to ${maxPoints}`);
  if (!isInt(durationSeconds, 1, MAX_DURATION)) fail(`${where}.durationSeconds`, `an integer from 1 to ${MAX_DURATION}`);
  const known = name === 'sendsPerNumberBlock' ? ['digits'] : name === 'sendsPerCountry' ? ['countries'] : [];
  for (const key of Object.keys(value)) {
    if (key !== 'points' && key !== 'durationSeconds' && !known.includes(key)) fail(where, `{ points, durationSeconds${known.map((k) => `, ${k}?`).join('')} } (unknown "${key}")`);
  }
  const resolved: ResolvedRule = { points, durationSeconds };
  if (name === 'sendsPerNumberBlock') {
    const digits = value.digits ?? DEFAULT_LIMITS.sendsPerNumberBlock.digits;
    if (!isInt(digits, 1, 6)) fail(`${where}.digits`, 'an integer from 1 to 6');
    resolved.digits = digits;
  }
  if (name === 'sendsPerCountry' && value.countries !== undefined) {
    if (!isObject(value.countries)) fail(`${where}.countries`, 'an object of country code -> points');
    const countries = new Map<string, number>();
    for (const [country, n] of Object.entries(value.countries)) {
      if (!isSupportedCountry(country)) fail(`${where}.countries`, `keyed by ISO 3166-1 alpha-2 codes (unknown "${country}")`);
      if (!isInt(n, 1, MAX_POINTS)) fail(`${where}.countries.${country}`, `an integer from 1 to ${MAX_POINTS}`);
      countries.set(country, n);
    }
    resolved.countries = countries;
  }
  return resolved;
}

function store(value: unknown, maxKeys: unknown): LimitSettings['store'] {
  if (value === undefined || value === 'memory') {
    if (maxKeys !== undefined && !isMaxKeys(maxKeys)) fail('limits.maxKeys', MAX_KEYS_RANGE);
    return { kind: 'memory', prefix: DEFAULT_LIMIT_PREFIX, maxKeys: maxKeys ?? DEFAULT_MAX_KEYS };
  }
  if (value instanceof SharedLimitStore) {
    if (maxKeys !== undefined) fail('limits.maxKeys', 'left out with a memoryLimitStore() (its bound is set there)');
    return { kind: 'memory', prefix: DEFAULT_LIMIT_PREFIX, maxKeys: value.memory.maxKeys, shared: value };
  }
  if (!isObject(value) || !isObject(value.redis)) fail('limits.store', "'memory', a memoryLimitStore() or { redis: client, prefix?, timeoutMs? }");
  const client = value.redis;
  if (typeof client.eval !== 'function') fail('limits.store.redis', 'a node-redis (4+) or ioredis client');
  // Redis keys expire on their own; a bound here would bound nothing, so it is not taken silently.
  if (maxKeys !== undefined) fail('limits.maxKeys', 'left out with a Redis store (it bounds the memory store; bound Redis with its own maxmemory)');
  const prefix = value.prefix ?? DEFAULT_LIMIT_PREFIX;
  if (typeof prefix !== 'string' || prefix === '') fail('limits.store.prefix', 'a non-empty string');
  const timeoutMs = value.timeoutMs === undefined ? DEFAULT_REDIS_TIMEOUT_MS : value.timeoutMs;
  if (!isRedisTimeoutMs(timeoutMs)) fail('limits.store.timeoutMs', REDIS_TIMEOUT_RANGE);
  return { kind: 'redis', client, prefix, timeoutMs };
}

// The keys are HMACs of phone numbers, a space small enough to hash through: a short or guessable
// secret would let whoever reads the store recover every number in it. 16 bytes, the length the
// webhook token needs in characters (lib/webhooks/callback-url.ts).
const MIN_KEY_SECRET_BYTES = 16;

function keySecret(value: unknown, kind: LimitSettings['store']['kind']): Buffer | undefined {
  if (value === undefined) {
    // Instances sharing a Redis store must agree on the keys, so a random default would split
    // them; a fixed one would be public.
    if (kind === 'redis') fail('limits.keySecret', 'set with a Redis store (the same secret on every instance sharing it)');
    // The memory store's counters never leave this process, so neither do its keys.
    return undefined;
  }
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.isBuffer(value) ? Buffer.from(value) : undefined;
  if (bytes !== undefined && bytes.length >= MIN_KEY_SECRET_BYTES) return bytes;
  fail('limits.keySecret', `a random string or Buffer of at least ${MIN_KEY_SECRET_BYTES} bytes (e.g. \`openssl rand -hex 32\`)`);
}

/** Checks the `limits` option; `undefined` when limits are turned off (`limits: false`). */
export function resolveLimits(value: unknown): LimitSettings | undefined {
  if (value === false) return undefined;
  if (value !== undefined && !isObject(value)) fail('limits', 'an object or false');
  const options: Record<string, unknown> = value ?? {};
  for (const key of Object.keys(options)) {
    if (key !== 'store' && key !== 'keySecret' && key !== 'maxKeys' && !Object.hasOwn(DEFAULT_LIMITS, key)) {
      fail('limits', `one of store, maxKeys, keySecret, ${LIMIT_NAMES.join(', ')} (unknown "${key}")`);
    }
  }
  const where = store(options.store, options.maxKeys);
  const rules = {} as Record<LimitName, ResolvedRule | undefined>;
  for (const name of LIMIT_NAMES) rules[name] = rule(options[name], name);
  const secret = keySecret(options.keySecret, where.kind);
  // Keys are HMACs under the secret (plain without one): strategies on one memoryLimitStore() with
  // different secrets would keep a number's counters, cooldown and Prelude window owner apart, and
  // each count its own budget. The store takes its secret from the first strategy built on it (at
  // the end of the strategy's constructor), so a strategy refused for any option gives it none.
  if (options.store instanceof SharedLimitStore && !options.store.acceptsSecret(secret)) {
    fail('limits.keySecret', 'the same for every strategy sharing a memoryLimitStore() (or absent for all): with different secrets their keys never meet, and each counts its own budget');
  }
  return { store: where, keySecret: secret, rules };
}

/** What the strategy keeps with `limits: false`: no rule, and the memory store for its marks. */
export function noLimits(): LimitSettings {
  const rules = {} as Record<LimitName, ResolvedRule | undefined>;
  for (const name of LIMIT_NAMES) rules[name] = undefined;
  return { store: { kind: 'memory', prefix: DEFAULT_LIMIT_PREFIX, maxKeys: DEFAULT_MAX_KEYS }, keySecret: undefined, rules };
}
