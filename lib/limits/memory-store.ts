// The memory store: one LRU map (lru-cache) of at most `maxKeys` keys for every rule and mark.
//
// Bounded: when full, the least recently used key goes, so a flood of new keys (an SMS-pumping
// run rotating numbers and addresses) ages out quiet keys while keys in use stay (docs/limits.md
// says what that trades). Compact: a counter is one number under a short key, about 110 bytes of
// heap with the map's own entry, plus 16 bytes per slot of lru-cache's preallocated expiry arrays
// and 8-16 bytes in the sweep's round (below).
//
// No timer per key, and no pause: lru-cache checks expiry on read (`ttlAutopurge` off), and every
// key stored anew also looks at the oldest keys of a round over all stored keys (a queue of keys
// in the order they were stored, denque): an expired one goes, a live one goes to the back of the
// round.
// A whole-store sweep (lru-cache's purgeStale) would free the same memory but walks every key at
// once: about a microsecond per key, so a store filled to the default cap by a pumping run would
// stall the event loop for a few hundred milliseconds at each sweep.

import Denque from 'denque';
import { LRUCache } from 'lru-cache';
import { deleteEntry, entryCount } from '../lru-delete.js';
import type { Count, CounterStore, Hit } from './store.js';

/**
 * Keys of the round looked at per key stored anew, so the round moves twice as fast as keys are
 * stored: expired keys go within a round, and the store does not grow past the keys still live.
 * Only new keys pay: a write to a key already held adds nothing for the round to catch up with.
 */
const SWEEP_STEPS_PER_KEY = 2;

/** The memory store's default `maxKeys`. */
export const DEFAULT_MAX_KEYS = 200_000;

/**
 * The largest `maxKeys`. lru-cache allocates its slot arrays for every slot when the store is
 * built, about 32 bytes a slot: 10 million slots take about 2 seconds and 350 MB at startup, and a
 * bound past that would exhaust the heap before the first login. A store that big belongs in Redis.
 */
export const MAX_MAX_KEYS = 10_000_000;
const MIN_MAX_KEYS = 100;

/** What a `maxKeys` must be, as an error message says it. */
export const MAX_KEYS_RANGE = `an integer from ${MIN_MAX_KEYS} to ${MAX_MAX_KEYS}`;

/** Whether `value` is a `maxKeys` the store takes. */
export function isMaxKeys(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= MIN_MAX_KEYS && (value as number) <= MAX_MAX_KEYS;
}

// lru-cache holds an entry while its age is at most its ttl; a window of `windowMs` ends at
// start + windowMs exactly (as the session's own `nextRetryAt` does), so the ttl is one ms less.
const ttlOf = (windowMs: number): number => Math.max(1, windowMs - 1);
const leftOf = (remaining: number): number => Math.max(0, remaining + 1);

/**
 * `text` as one flat string. A key built by concatenation is a tree of string pieces in V8 (a
 * "cons string"), and the store would keep the tree with every key: about 90 bytes against 33 for
 * a flat key of 14 characters. Array join copies its parts into one new flat string; it takes
 * two parts to do so (a single part comes back as it is). Interning the key (a `for...in` over
 * `{ [text]: 0 }`) gives a flat string too, but costs a string-table insertion, several times
 * more. Done only when a key is stored anew: a lookup with the tree costs nothing extra.
 */
function flat(text: string): string {
  return text.length < 2 ? text : [text.charAt(0), text.slice(1)].join('');
}

export class MemoryStore implements CounterStore {
  readonly #cache: LRUCache<string, number | string>;
  /** Stored keys in the order of the sweep's round (a key stored twice may be in it twice). */
  readonly #round = new Denque<string>();
  readonly #maxKeys: number;

  constructor(maxKeys: number, now: () => number = Date.now) {
    this.#maxKeys = maxKeys;
    this.#cache = new LRUCache<string, number | string>({
      max: maxKeys,
      // Every entry has its own ttl; this default is never used, but lru-cache wants one to
      // allocate its expiry arrays.
      ttl: 3_600_000,
      ttlAutopurge: false,
      // 0: read the clock each time; a resolution would cache it with a timer.
      ttlResolution: 0,
      perf: { now },
      // Expired keys go by the sweep and the store's own deletes (../lru-delete.ts says why).
      noDeleteOnStaleGet: true,
    });
  }

  /** The bound: at most this many keys. */
  get maxKeys(): number {
    return this.#maxKeys;
  }

  /** Keys held now (expired ones not yet swept included). */
  get size(): number {
    return entryCount(this.#cache);
  }

  hit(hits: readonly Hit[]): Promise<Count[]> {
    return Promise.resolve(this.hitSync(hits));
  }

  // The same three steps at once, for the limits (./limits.ts), which need no promise from memory.
  hitSync(hits: readonly Hit[]): Count[] {
    const counts: Count[] = [];
    for (const h of hits) counts.push(this.#hitOne(h));
    return counts;
  }

  giveBackSync(keys: readonly string[]): void {
    const cache = this.#cache;
    for (const key of keys) {
      const count = cache.get(key, { updateAgeOnGet: false });
      if (typeof count !== 'number') continue;
      if (count <= 1) this.#delete(key);
      else cache.set(key, count - 1, { noUpdateTTL: true });
    }
  }

  forgetSync(keys: readonly string[]): void {
    for (const key of keys) this.#delete(key);
  }

  #hitOne({ key, add, windowMs, slide, points }: Hit): Count {
    const cache = this.#cache;
    const current = cache.get(key);
    const count = typeof current === 'number' ? current : 0;
    if (add === 0) return { count, msLeft: count === 0 || (points !== undefined && count < points) ? 0 : leftOf(cache.getRemainingTTL(key)) };
    const next = count + add;
    if (count === 0 || slide) {
      // A new key is stored flat; an existing one keeps the key object it was first stored with.
      if (count === 0) this.#store(flat(key), next, windowMs);
      else cache.set(key, next, { ttl: ttlOf(windowMs) });
      return { count: next, msLeft: windowMs };
    }
    cache.set(key, next, { noUpdateTTL: true });
    // Within its limit nobody reads the wait: skip the clock and the lookup.
    return { count: next, msLeft: points !== undefined && next <= points ? 0 : leftOf(cache.getRemainingTTL(key)) };
  }

  giveBack(keys: readonly string[]): Promise<void> {
    this.giveBackSync(keys);
    return Promise.resolve();
  }

  forget(keys: readonly string[]): Promise<void> {
    this.forgetSync(keys);
    return Promise.resolve();
  }

  mark(key: string, value: string, ttlMs: number): Promise<void> {
    this.#store(flat(key), value, ttlMs);
    return Promise.resolve();
  }

  readMark(key: string): Promise<string | undefined> {
    const value = this.#cache.get(key);
    return Promise.resolve(typeof value === 'string' ? value : undefined);
  }

  unmark(key: string, value: string): Promise<void> {
    if (this.#cache.get(key, { updateAgeOnGet: false }) === value) this.#delete(key);
    return Promise.resolve();
  }

  #delete(key: string): void {
    deleteEntry(this.#cache, key, 0);
  }

  /** Stores a key anew and puts it at the back of the sweep's round, after moving the round on. */
  #store(key: string, value: number | string, windowMs: number): void {
    this.#sweep(SWEEP_STEPS_PER_KEY);
    this.#cache.set(key, value, { ttl: ttlOf(windowMs) });
    // The round holds at most maxKeys entries: past that, the oldest entry leaves it unchecked (its
    // key, if still stored, then goes by expiry on read or by eviction, as the cap bounds it anyway).
    if (this.#round.length >= this.#maxKeys) this.#round.shift();
    this.#round.push(key);
  }

  /** Looks at `steps` keys of the round: expired or gone ones leave it, live ones go to its back. */
  #sweep(steps: number): void {
    const round = this.#round;
    const cache = this.#cache;
    for (let i = 0; i < steps && round.length > 0; i++) {
      const key = round.shift() as string;
      // lru-cache: below 0 an entry has expired; 0 for a key it does not hold (or one at its last ms).
      const left = cache.getRemainingTTL(key);
      if (left < 0) this.#delete(key);
      else if (left > 0 || cache.has(key)) round.push(key);
    }
  }
}
