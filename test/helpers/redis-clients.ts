// Real Redis clients for the suites that run on a shared Redis (REDIS_URL), standing for app
// instances that each hold their own connection:
// - redisClients(): connected node-redis clients registered with the suite's hooks (connected
//   before its tests; afterwards every key under `prefix` deleted and the clients closed);
// - openRedis() and REDIS_CLIENT_PAIRS: one connection of either library the stores accept
//   (node-redis or ioredis) behind one interface, and the pairs a suite runs with, so that each
//   store is shown to work with both libraries and with one of each on the same keys;
// - keysUnder() and deleteKeys(): a suite whose app instances hold their own connections (child
//   processes, example apps) reads and removes its run's keys over a short-lived one.
import { afterAll, beforeAll } from 'vitest';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import type { RedisClientLike } from 'passport-ding';

export type RedisClient = ReturnType<typeof createClient>;

/** Call inside a describe (or at the top of a file) gated on REDIS_URL; the array fills in beforeAll. */
export function redisClients(count: number, prefix: string): RedisClient[] {
  const clients: RedisClient[] = [];
  beforeAll(async () => {
    for (let i = 0; i < count; i += 1) {
      const c = createClient({ url: process.env.REDIS_URL as string });
      c.on('error', () => undefined);
      await c.connect();
      clients.push(c);
    }
  });
  afterAll(async () => {
    const [first] = clients;
    if (first?.isOpen) {
      const keys = await first.keys(`${prefix}*`);
      if (keys.length > 0) await first.del(keys);
    }
    await Promise.all(clients.filter((c) => c.isOpen).map((c) => c.close()));
  });
  return clients;
}

/** The Redis client libraries passport-ding's stores accept. */
export type RedisKind = 'node-redis' | 'ioredis';

/** One connection, whichever library: the client for the store under test, and what the test reads with. */
export interface AnyRedisClient {
  redis: RedisClientLike;
  connect(): Promise<unknown>;
  keys(pattern: string): Promise<string[]>;
  get(key: string): Promise<string | null>;
  del(keys: string[]): Promise<unknown>;
  zcard(key: string): Promise<number>;
  pttl(key: string): Promise<number>;
  pexpire(key: string, ms: number): Promise<unknown>;
  /** Closes it, and is a no-op when it is closed already (a test may close it first). */
  close(): Promise<unknown>;
}

function nodeRedis(url: string): AnyRedisClient {
  const client = createClient({ url });
  client.on('error', () => undefined);
  return {
    redis: client as unknown as RedisClientLike,
    connect: () => client.connect(),
    keys: (pattern) => client.keys(pattern),
    get: (key) => client.get(key),
    del: (keys) => client.del(keys),
    zcard: (key) => client.zCard(key),
    pttl: (key) => client.pTTL(key),
    pexpire: (key, ms) => client.pExpire(key, ms),
    close: () => (client.isOpen ? client.close() : Promise.resolve()),
  };
}

function ioredis(url: string): AnyRedisClient {
  // Not ready until connect(); no offline queue, so a command then fails at once instead of
  // waiting (the limits' "Redis is not there" tests rely on it).
  const client = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  return {
    redis: client as unknown as RedisClientLike,
    connect: () => client.connect(),
    keys: (pattern) => client.keys(pattern),
    get: (key) => client.get(key),
    del: (keys) => client.del(...keys),
    zcard: (key) => client.zcard(key),
    pttl: (key) => client.pttl(key),
    pexpire: (key, ms) => client.pexpire(key, ms),
    close: () => (client.status === 'end' ? Promise.resolve() : client.quit().catch(() => client.disconnect())),
  };
}

/** A client of `kind` for `url`, not connected yet: call connect() (or leave it down on purpose). */
export function openRedis(kind: RedisKind, url: string): AnyRedisClient {
  return kind === 'ioredis' ? ioredis(url) : nodeRedis(url);
}

/** For describe.each: two instances on one Redis with each library, and with one of each on the same keys. */
export const REDIS_CLIENT_PAIRS: Array<[name: string, first: RedisKind, second: RedisKind]> = [
  ['node-redis', 'node-redis', 'node-redis'],
  ['ioredis', 'ioredis', 'ioredis'],
  ['node-redis and ioredis on the same keys', 'node-redis', 'ioredis'],
];

/** Runs `use` on a connection of its own to REDIS_URL, closed afterwards. */
async function withRedis<T>(use: (redis: RedisClient) => Promise<T>): Promise<T> {
  const redis = createClient({ url: process.env.REDIS_URL as string });
  await redis.connect();
  try {
    return await use(redis);
  } finally {
    await redis.close();
  }
}

/** Every key under `prefix` (a run's own prefix), by SCAN. */
export function keysUnder(prefix: string): Promise<string[]> {
  return withRedis(async (redis) => {
    const keys: string[] = [];
    for await (const batch of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 })) keys.push(...batch);
    return keys;
  });
}

/** The milliseconds `key` has left (Redis PTTL: -2 for no such key, -1 for no expiry). */
export function pttlOf(key: string): Promise<number> {
  return withRedis((redis) => redis.pTTL(key));
}

/** Deletes `keys`; none, nothing (not even a connection). */
export async function deleteKeys(keys: string[]): Promise<void> {
  if (keys.length > 0) await withRedis((redis) => redis.del(keys));
}
