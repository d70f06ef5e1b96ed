// De-duplication of webhook deliveries by event id: providers retry an event until they get a
// 2xx (Prelude for up to two weeks), so the same id may arrive more than once. An id is claimed as
// being processed before the app's handler runs, marked done when it succeeds, and given back if
// it fails, so a retry is processed. A retry that arrives while the first delivery is still being
// processed is told so (not acknowledged): had it been answered 2xx and the first then failed,
// the provider, holding a 2xx, would never send the event again.
//
// Memory (default): this process only, bounded by `maxEntries` (default 10 000 ids, the oldest
// dropped first, about 100 bytes each) and `ttlSeconds`. Redis: per event a `SET key NX EX` claim
// and a `SET` when done, shared by every instance, each command with `timeoutMs` to answer
// (../redis-deadline.ts).

import { LRUCache } from 'lru-cache';
import type { RedisStoreOptions } from '../limits/options.js';
import { deleteEntry } from '../lru-delete.js';
import { DEFAULT_REDIS_TIMEOUT_MS, isRedisTimeoutMs, REDIS_TIMEOUT_RANGE, RedisDeadline } from '../redis-deadline.js';
import { redisNotReady } from '../redis-ready.js';

/**
 * Where webhook event ids are remembered for de-duplication: this process's memory (bounded) or
 * Redis (the Redis store's shape, as for `limits.store`: a command past `timeoutMs` answers the
 * delivery 500 `store_failed`, as while the client is disconnected).
 */
export type WebhookStoreOption =
  | { maxEntries?: number | undefined; ttlSeconds?: number | undefined }
  | (RedisStoreOptions & { ttlSeconds?: number | undefined });

/** What a claim found: a new id (now claimed), one being processed elsewhere, or one done. */
export type ClaimResult = 'new' | 'processing' | 'done';

export interface DedupStore {
  /**
   * Whether an event created at `createdAt` (epoch ms, signed by the provider) is older than the
   * store can vouch for: its id may be forgotten (past the ttl, or dropped early from a full memory
   * store), so a delivery of it cannot be told from a replay.
   */
  isStale(createdAt: number): boolean;
  /** Claims `id` as being processed when it is new. */
  claim(id: string): Promise<ClaimResult>;
  /** `id` was processed: remembered for the ttl and `CLOCK_SKEW_SECONDS`. */
  finish(id: string): Promise<void>;
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
// How much longer than the ttl a finished id is kept: an event is stale by the clock of the
// instance it reaches, against the time the provider signed into it, so a provider's clock ahead
// of ours, or an instance's behind the one that handled the event, would otherwise leave a window
// (as wide as the difference) in which the id is forgotten but the event not yet stale, and a
// captured delivery replays. Clocks kept by NTP are far closer than this.
export const CLOCK_SKEW_SECONDS = 300;
// How long an id stays claimed while its handler runs. Past it, a retry is processed again: a
// handler that never settled, or a process that died while handling (Redis keeps the claim),
// does not block the event for the whole ttl.
export const PROCESSING_SECONDS = 300;

class MemoryDedup implements DedupStore {
  /**
   * Id -> epoch ms it is remembered until, negative while it is being processed. Reads peek, so
   * the order is the claims' (age order) and a full cache drops the oldest claim, with no timer per
   * id. lru-cache rather than a bounded `Map`: a Map's oldest key is found by stepping over every
   * slot deleted since its table was last rebuilt, so at the bound each claim would cost time in
   * proportion to the bound.
   */
  readonly #seen: LRUCache<string, number>;
  readonly #ttlMs: number;
  /** How long a finished id is kept: the ttl and the clocks' tolerance. */
  readonly #keptMs: number;
  /**
   * The latest time an id dropped early (the cache full, the id still within its ttl) was claimed
   * or finished: its event was created before then. An event created no later than this may be
   * one of those and is stale. Past `maxEntries` ids within the ttl, the store thus vouches for the
   * last `maxEntries` claims' span only: a first delivery older than that (a retry held back for
   * longer than the newest `maxEntries` events took) is acknowledged as stale, not handled.
   */
  #forgottenUntil = 0;

  constructor(max: number, ttlSeconds: number) {
    this.#ttlMs = ttlSeconds * 1000;
    this.#keptMs = (ttlSeconds + CLOCK_SKEW_SECONDS) * 1000;
    this.#seen = new LRUCache({
      max,
      dispose: (until, _id, reason) => {
        if (reason !== 'evict' || Math.abs(until) <= Date.now()) return;
        // A claim is stored as -(claim time + PROCESSING), a finished id as its finish time plus
        // what it is kept for.
        const at = until < 0 ? -until - PROCESSING_SECONDS * 1000 : until - this.#keptMs;
        if (at > this.#forgottenUntil) this.#forgottenUntil = at;
      },
    });
  }

  isStale(createdAt: number): boolean {
    return Date.now() - createdAt > this.#ttlMs || createdAt <= this.#forgottenUntil;
  }

  claim(id: string): Promise<ClaimResult> {
    const now = Date.now();
    const until = this.#seen.peek(id);
    if (until !== undefined && Math.abs(until) > now) return Promise.resolve(until < 0 ? 'processing' : 'done');
    this.#seen.set(id, -(now + PROCESSING_SECONDS * 1000));
    return Promise.resolve('new');
  }

  finish(id: string): Promise<void> {
    this.#seen.set(id, Date.now() + this.#keptMs);
    return Promise.resolve();
  }

  release(id: string): Promise<void> {
    // 0: remembered until 1970, i.e. not at all.
    deleteEntry(this.#seen, id, 0);
    return Promise.resolve();
  }
}

interface RedisLike {
  set(...args: unknown[]): Promise<unknown>;
  get(key: string): Promise<unknown>;
  del(key: string): Promise<unknown>;
  defineCommand?: unknown | undefined;
}

const PROCESSING = 'processing';

class RedisDedup implements DedupStore {
  readonly #client: RedisLike;
  readonly #prefix: string;
  readonly #ttl: number;
  readonly #deadline: RedisDeadline;

  constructor(client: RedisLike, prefix: string, ttlSeconds: number, timeoutMs: number) {
    this.#client = client;
    this.#prefix = prefix;
    this.#ttl = ttlSeconds;
    this.#deadline = new RedisDeadline(timeoutMs);
  }

  // Redis keeps every id for the ttl (unless its maxmemory policy evicts keys that have one:
  // docs/webhooks.md says to keep it at noeviction for this prefix's Redis).
  isStale(createdAt: number): boolean {
    return Date.now() - createdAt > this.#ttl * 1000;
  }

  /**
   * Fails at once while Redis is away, as the limits and trusted-device stores do: node-redis and
   * ioredis would queue the command until they reconnect, holding the delivery (and every retry
   * the provider sends meanwhile) open for the whole outage. The provider retries a 500 later.
   */
  #ready(): void {
    const notReady = redisNotReady(this.#client);
    if (notReady !== undefined) throw new Error(notReady);
  }

  // ioredis takes the options as words; node-redis 4+ as an object.
  #set(key: string, value: string, seconds: number, onlyNew: boolean): Promise<unknown> {
    this.#ready();
    if (typeof this.#client.defineCommand === 'function') {
      return onlyNew ? this.#client.set(key, value, 'EX', seconds, 'NX') : this.#client.set(key, value, 'EX', seconds);
    }
    return this.#client.set(key, value, onlyNew ? { NX: true, EX: seconds } : { EX: seconds });
  }

  async claim(id: string): Promise<ClaimResult> {
    const key = this.#prefix + id;
    // A claim past its deadline fails the delivery (500), but Redis may still apply it: the
    // provider's retry would then find it held and be told 409 until it expired
    // (PROCESSING_SECONDS). So a late 'OK' (the claim was taken, by this delivery, which no longer
    // runs) gives it back at once; the key is this delivery's until then, so the DEL removes no
    // one else's claim. Any other late reply (the id was held already: done, or another
    // delivery's claim) leaves the key alone. A late reply that never comes (the connection
    // dropped) leaves the claim to expire.
    const claimed = await this.#deadline.race(this.#set(key, PROCESSING, PROCESSING_SECONDS, true), (late) => {
      if (late === 'OK') this.#client.del(key).catch(() => undefined);
    });
    if (claimed === 'OK') return 'new';
    // Held: by a delivery still running, or done (any other value, the '1' of earlier versions
    // included). Gone in between (its claim expired): the retry after this one will take it.
    this.#ready();
    const value = await this.#deadline.race(this.#client.get(key));
    return value === PROCESSING || value === null ? 'processing' : 'done';
  }

  // A finish past its deadline: the handler answers 200 all the same, and the claim, if the finish
  // is never applied, expires as the handler.ts comment says. A release past its: the retry waits
  // for the claim to expire, or finds the id free if the release is applied late.
  async finish(id: string): Promise<void> {
    await this.#deadline.race(this.#set(this.#prefix + id, 'done', this.#ttl + CLOCK_SKEW_SECONDS, false));
  }

  async release(id: string): Promise<void> {
    this.#ready();
    await this.#deadline.race(this.#client.del(this.#prefix + id));
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
  if (option === null || typeof option !== 'object') throw new TypeError('webhook option `store` must be { maxEntries?, ttlSeconds? } or { redis: client, prefix?, ttlSeconds?, timeoutMs? }');
  const o = option as Record<string, unknown>;
  const ttl = positiveInteger(o.ttlSeconds, 'ttlSeconds', DEFAULT_DEDUP_TTL_SECONDS, MAX_DEDUP_TTL_SECONDS);
  if ('redis' in o) {
    const client = o.redis as RedisLike | null;
    if (client === null || typeof client !== 'object' || typeof client.set !== 'function' || typeof client.get !== 'function' || typeof client.del !== 'function') {
      throw new TypeError('webhook option `store.redis` must be a connected node-redis or ioredis client');
    }
    const prefix = o.prefix === undefined ? DEFAULT_DEDUP_PREFIX : o.prefix;
    if (typeof prefix !== 'string') throw new TypeError('webhook option `store.prefix` must be a string');
    const timeoutMs = o.timeoutMs === undefined ? DEFAULT_REDIS_TIMEOUT_MS : o.timeoutMs;
    if (!isRedisTimeoutMs(timeoutMs)) throw new TypeError(`webhook option \`store.timeoutMs\` must be ${REDIS_TIMEOUT_RANGE}`);
    return new RedisDedup(client, prefix, ttl, timeoutMs);
  }
  return new MemoryDedup(positiveInteger(o.maxEntries, 'maxEntries', DEFAULT_DEDUP_ENTRIES, MAX_DEDUP_ENTRIES), ttl);
}
