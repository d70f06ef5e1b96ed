// The `limits` option: what it may hold, its defaults, and one function that checks it. Limits are
// on by default (in this process's memory); `limits: false` turns them all off, and each rule can
// be turned off alone with `false`.


/** At most `points` actions per key in a window of `durationSeconds`, counted from the first. */
export interface LimitRule {
  points: number;
  durationSeconds: number;
}

/**
 * A connected Redis client: node-redis 4 or 5 (`createClient()`, tested) or ioredis. Typed
 * loosely because Redis is not a dependency of this package.
 */
export type RedisClientLike = object;

/**
 * Where counters live. `'memory'` (default): this process only, lost on restart. `{ redis }`:
 * shared by every app instance using the same Redis and prefix.
 */
export type LimitStore = 'memory' | { redis: RedisClientLike; prefix?: string };

/** The `limits` option: the rules, where the counters live, and the key secret. */
export interface LimitsOptions {
  /** Default `'memory'`. Use `{ redis: client }` when more than one instance serves logins. */
  store?: LimitStore;
  /** Codes sent (send and resend) to one phone number. Default 5 per hour. */
  sendsPerPhone?: LimitRule | false;
  /** Codes sent (send and resend) for one client IP (an IPv6 /64). Default 30 per hour. */
  sendsPerIp?: LimitRule | false;
  /** Wrong codes for one phone number, across verifications. Cleared by a right code. Default 10 per hour. */
  failedChecksPerPhone?: LimitRule | false;
  /**
   * The secret of the keyed hash (HMAC-SHA-256) that turns phone numbers and IPs into store keys,
   * so the store never holds one and its keys cannot be reversed by hashing every number. Use 32
   * random bytes (or a long random string), kept like a session secret. Required with a Redis
   * store, and the same on every instance sharing it. The memory store's keys never leave the
   * process, so without a secret they are plain (`phone:+15551234567`), which saves a hash per
   * limit per request; give one to hash them there too.
   */
  keySecret?: string | Buffer;
}

/** The default rules: 5 sends per phone and 30 per IP an hour, 10 wrong codes per phone an hour. */
export const DEFAULT_LIMITS = {
  sendsPerPhone: { points: 5, durationSeconds: 3600 },
  sendsPerIp: { points: 30, durationSeconds: 3600 },
  failedChecksPerPhone: { points: 10, durationSeconds: 3600 },
} as const satisfies Record<string, LimitRule>;

/** The default key prefix in the store. */
export const DEFAULT_LIMIT_PREFIX = 'passport-ding:limit:';

export type LimitName = keyof typeof DEFAULT_LIMITS;

/** The checked `limits` option. */
export interface LimitSettings {
  store: { kind: 'memory'; prefix: string } | { kind: 'redis'; client: RedisClientLike; prefix: string };
  rules: Record<LimitName, LimitRule | undefined>;
  /** The HMAC secret of the store keys; undefined for plain keys (memory store only). */
  keySecret: Buffer | undefined;
}

function fail(name: string, expected: string): never {
  throw new TypeError(`DingOtpStrategy: option \`${name}\` must be ${expected}`);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function rule(value: unknown, name: LimitName): LimitRule | undefined {
  if (value === false) return undefined;
  if (value === undefined) return { ...DEFAULT_LIMITS[name] };
  const where = `limits.${name}`;
  if (!isObject(value)) fail(where, '{ points, durationSeconds } or false');
  const { points, durationSeconds } = value;
  if (typeof points !== 'number' || !Number.isInteger(points) || points < 1) fail(`${where}.points`, 'an integer >= 1');
  // The memory store times windows with setTimeout, which cannot wait longer than ~24.8 days.
  if (typeof durationSeconds !== 'number' || !Number.isInteger(durationSeconds) || durationSeconds < 1 || durationSeconds > 2_000_000) {
    fail(`${where}.durationSeconds`, 'an integer from 1 to 2000000');
  }
  return { points, durationSeconds };
}

function store(value: unknown): LimitSettings['store'] {
  if (value === undefined || value === 'memory') return { kind: 'memory', prefix: DEFAULT_LIMIT_PREFIX };
  if (!isObject(value) || !isObject(value.redis)) fail('limits.store', "'memory' or { redis: client, prefix? }");
  const client = value.redis;
  if (typeof client.eval !== 'function' && typeof client.defineCommand !== 'function') {
    fail('limits.store.redis', 'a node-redis (4+) or ioredis client');
  }
  const prefix = value.prefix ?? DEFAULT_LIMIT_PREFIX;
  if (typeof prefix !== 'string' || prefix === '') fail('limits.store.prefix', 'a non-empty string');
  return { kind: 'redis', client, prefix };
}

function keySecret(value: unknown, kind: LimitSettings['store']['kind']): Buffer | undefined {
  if (value === undefined) {
    // Instances sharing a Redis store must agree on the keys, so a random default would split
    // them; a fixed one would be public.
    if (kind === 'redis') fail('limits.keySecret', 'set with a Redis store (the same secret on every instance sharing it)');
    // The memory store's counters never leave this process, so neither do its keys.
    return undefined;
  }
  if (typeof value === 'string' && value !== '') return Buffer.from(value, 'utf8');
  if (Buffer.isBuffer(value) && value.length > 0) return Buffer.from(value);
  fail('limits.keySecret', 'a non-empty string or Buffer');
}

/** Checks the `limits` option; `undefined` when limits are turned off (`limits: false`). */
export function resolveLimits(value: unknown): LimitSettings | undefined {
  if (value === false) return undefined;
  if (value !== undefined && !isObject(value)) fail('limits', 'an object or false');
  const options: Record<string, unknown> = value ?? {};
  for (const key of Object.keys(options)) {
    if (key !== 'store' && key !== 'keySecret' && !Object.hasOwn(DEFAULT_LIMITS, key)) {
      fail('limits', `one of store, keySecret, ${Object.keys(DEFAULT_LIMITS).join(', ')} (unknown "${key}")`);
    }
  }
  const where = store(options.store);
  return {
    store: where,
    keySecret: keySecret(options.keySecret, where.kind),
    rules: {
      sendsPerPhone: rule(options.sendsPerPhone, 'sendsPerPhone'),
      sendsPerIp: rule(options.sendsPerIp, 'sendsPerIp'),
      failedChecksPerPhone: rule(options.failedChecksPerPhone, 'failedChecksPerPhone'),
    },
  };
}
