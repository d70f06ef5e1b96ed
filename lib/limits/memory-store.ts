// The memory store: one LRU map (lru-cache) of at most `maxKeys` keys for every rule and mark.
//
// Bounded: when full, the least recently used key goes, so a flood of new keys (an SMS-pumping
// run rotating numbers and addresses) ages out quiet keys while keys in use stay (docs/limits.md
// says what that trades). Compact: a counter is one number under a short key, about 110 bytes of
// heap with the map's own entry, plus 16 bytes per slot of lru-cache's preallocated expiry arrays.
// No timer per key: lru-cache checks expiry on read (`ttlAutopurge` off), and a write sweeps out
// expired keys at most once per SWEEP_MS, so memory of an idle window is freed without a timer.

import { LRUCache } from 'lru-cache';
import type { Count, CounterStore, Hit } from './store.js';

/** How often (at most) a write sweeps expired keys out. */
const SWEEP_MS = 60_000;

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
  readonly #now: () => number;
  #sweptAt: number;

  constructor(maxKeys: number, now: () => number = Date.now) {
    this.#now = now;
    this.#sweptAt = now();
    this.#cache = new LRUCache<string, number | string>({
      max: maxKeys,
      // Every entry has its own ttl; this default is never used, but lru-cache wants one to
      // allocate its expiry arrays.
      ttl: 3_600_000,
      ttlAutopurge: false,
      // 0: read the clock each time; a resolution would cache it with a timer.
      ttlResolution: 0,
      perf: { now },
    });
  }

  /** Keys held now (expired ones not yet swept included). */
  get size(): number {
    return this.#cache.size;
  }

  hit(hits: readonly Hit[]): Promise<Count[]> {
    this.#sweep();
    return Promise.resolve(hits.map((h) => this.#hitOne(h)));
  }

  #hitOne({ key, add, windowMs, slide }: Hit): Count {
    const cache = this.#cache;
    const current = cache.get(key);
    const count = typeof current === 'number' ? current : 0;
    if (add === 0) return { count, msLeft: count === 0 ? 0 : leftOf(cache.getRemainingTTL(key)) };
    const next = count + add;
    if (count === 0 || slide) {
      // A new key is stored flat; an existing one keeps the key object it was first stored with.
      cache.set(count === 0 ? flat(key) : key, next, { ttl: ttlOf(windowMs) });
      return { count: next, msLeft: windowMs };
    }
    cache.set(key, next, { noUpdateTTL: true });
    return { count: next, msLeft: leftOf(cache.getRemainingTTL(key)) };
  }

  giveBack(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const count = this.#cache.get(key, { updateAgeOnGet: false });
      if (typeof count !== 'number') continue;
      if (count <= 1) this.#cache.delete(key);
      else this.#cache.set(key, count - 1, { noUpdateTTL: true });
    }
    return Promise.resolve();
  }

  forget(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.#cache.delete(key);
    return Promise.resolve();
  }

  mark(key: string, value: string, ttlMs: number): Promise<void> {
    this.#sweep();
    this.#cache.set(flat(key), value, { ttl: ttlOf(ttlMs) });
    return Promise.resolve();
  }

  readMark(key: string): Promise<string | undefined> {
    const value = this.#cache.get(key);
    return Promise.resolve(typeof value === 'string' ? value : undefined);
  }

  unmark(key: string, value: string): Promise<void> {
    if (this.#cache.get(key, { updateAgeOnGet: false }) === value) this.#cache.delete(key);
    return Promise.resolve();
  }

  #sweep(): void {
    const now = this.#now();
    if (now - this.#sweptAt < SWEEP_MS) return;
    this.#sweptAt = now;
    this.#cache.purgeStale();
  }
}
