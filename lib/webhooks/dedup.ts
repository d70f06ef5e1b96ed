// De-duplication of webhook deliveries by event id: providers retry an event until they get a
// 2xx (Prelude for up to two weeks), so the same id may arrive more than once. An id is claimed
// before the app's handler runs and given back if the handler fails, so a retry is processed.
//
// Memory (default): this process only, bounded by `maxEntries` (default 10 000 ids, the oldest
// dropped first, about 100 bytes each) and `ttlSeconds`. Redis: one `SET key NX EX` per event,
// shared by every instance.

import { LRUCache } from 'lru-cache';
import { deleteEntry } from '../lru-delete.js';

/** Where webhook event ids are remembered for de-duplication: this process's memory (bounded) or Redis. */
export type WebhookStoreOption =
  | { maxEntries?: number | undefined; ttlSeconds?: number | undefined }
  | { redis: object; prefix?: string | undefined; ttlSeconds?: number | undefined };

export interface DedupStore {
  /** True when `id` is new (and now claimed), false when it was seen already. */
  claim(id: string): Promise<boolean>;
  /** Forgets `id`, so a retry of it is processed. */
  release(id: string): Promise<void>;
}

export const DEFAULT_DEDUP_ENTRIES = 10_000;
// Prelude retries for up to two weeks.
export const DEFAULT_DEDUP_TTL_SECONDS = 14 * 24 * 3600;
export const DEFAULT_DEDUP_PREFIX = 'passport-ding:webhook:';
// lru-cache allocates its slot arrays for every entry when it is built: 10 million take about
// 200 MB and 2 seconds at startup, and 100 million exhaust the heap. More ids than that: Redis.
export const MAX_DEDUP_ENTRIES = 10_000_000;
// A year: far past any provider's retries (Prelude's two weeks).
export const MAX_DEDUP_TTL_SECONDS = 365 * 24 * 3600;

class MemoryDedup implements DedupStore {
  /**
   * Id -> epoch ms it is remembered until. Reads peek, so the order is the claims' (age order) and
   * a full cache drops the oldest claim, with no timer per id. lru-cache rather than a bounded
   * `Map`: a Map's oldest key is found by stepping over every slot deleted since its table was
   * last rebuilt, so at the bound each claim would cost time in proportion to the bound.
   */
  readonly #seen: LRUCache<string, number>;
  readonly #ttlMs: number;

  constructor(max: number, ttlSeconds: number) {
    this.#seen = new LRUCache({ max });
    this.#ttlMs = ttlSeconds * 1000;
  }

  claim(id: string): Promise<boolean> {
    const now = Date.now();
    const until = this.#seen.peek(id);
    if (until !== undefined && until > now) return Promise.resolve(false);
    this.#seen.set(id, now + this.#ttlMs);
    return Promise.resolve(true);
  }

  release(id: string): Promise<void> {
    // 0: remembered until 1970, i.e. not at all.
    deleteEntry(this.#seen, id, 0);
    return Promise.resolve();
  }
}

interface RedisLike {
  set(...args: unknown[]): Promise<unknown>;
  del(key: string): Promise<unknown>;
  defineCommand?: unknown | undefined;
}

class RedisDedup implements DedupStore {
  readonly #client: RedisLike;
  readonly #prefix: string;
  readonly #ttl: number;

  constructor(client: RedisLike, prefix: string, ttlSeconds: number) {
    this.#client = client;
    this.#prefix = prefix;
    this.#ttl = ttlSeconds;
  }

  async claim(id: string): Promise<boolean> {
    const key = this.#prefix + id;
    // ioredis takes the options as words; node-redis 4+ as an object.
    const answer = typeof this.#client.defineCommand === 'function'
      ? await this.#client.set(key, '1', 'EX', this.#ttl, 'NX')
      : await this.#client.set(key, '1', { NX: true, EX: this.#ttl });
    return answer === 'OK';
  }

  async release(id: string): Promise<void> {
    await this.#client.del(this.#prefix + id);
  }
}

function positiveInteger(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new TypeError(`webhook option \`store.${name}\` must be an integer from 1 to ${max}`);
  }
  return value;
}

/** The `store` option of a webhook handler as a store. Throws TypeError for a bad one. */
export function dedupStore(option: unknown): DedupStore {
  if (option === undefined) return new MemoryDedup(DEFAULT_DEDUP_ENTRIES, DEFAULT_DEDUP_TTL_SECONDS);
  if (option === null || typeof option !== 'object') throw new TypeError('webhook option `store` must be { maxEntries?, ttlSeconds? } or { redis: client, prefix? }');
  const o = option as Record<string, unknown>;
  const ttl = positiveInteger(o.ttlSeconds, 'ttlSeconds', DEFAULT_DEDUP_TTL_SECONDS, MAX_DEDUP_TTL_SECONDS);
  if ('redis' in o) {
    const client = o.redis as RedisLike | null;
    if (client === null || typeof client !== 'object' || typeof client.set !== 'function' || typeof client.del !== 'function') {
      throw new TypeError('webhook option `store.redis` must be a connected node-redis or ioredis client');
    }
    const prefix = o.prefix === undefined ? DEFAULT_DEDUP_PREFIX : o.prefix;
    if (typeof prefix !== 'string') throw new TypeError('webhook option `store.prefix` must be a string');
    return new RedisDedup(client, prefix, ttl);
  }
  return new MemoryDedup(positiveInteger(o.maxEntries, 'maxEntries', DEFAULT_DEDUP_ENTRIES, MAX_DEDUP_ENTRIES), ttl);
}
