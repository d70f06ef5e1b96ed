// Deleting from lru-cache without emptying it the slow way. lru-cache (11.x) deletes the last entry
// it holds by clearing itself, and a clear refills every slot array the cache allocated up front:
// work in proportion to `max`, not to what is held (about 1 ms at 200,000 slots, 50 ms at
// 10,000,000, for one delete). A store that often holds a single key (one user's remembered
// devices, forgotten at sign-out; the webhook ids of a quiet app) would pay that at each delete. So
// a placeholder entry goes in first: the entry deleted is then never the last one, and the delete
// is the usual unlink. The placeholder holds one slot, never expires, and is the first to go when
// the cache is full (nobody reads it, so it is the least recently used).
//
// lru-cache also deletes an expired entry when `get()` finds it: a cache using deleteEntry() is
// built with `noDeleteOnStaleGet`, and its expired entries go by its own deletes (or eviction).

import type { LRUCache } from 'lru-cache';

/** The placeholder's key: the empty string, which no caller of deleteEntry() uses as a key. */
export const PLACEHOLDER_KEY = '';

/** Deletes `key` from `cache` (true if it was there); `placeholder` is a value of the cache's type. */
export function deleteEntry<V extends NonNullable<unknown>>(cache: LRUCache<string, V>, key: string, placeholder: V): boolean {
  // A one-slot cache has nothing to refill, and its placeholder would push out the key itself.
  if (cache.size === 1 && cache.max > 1 && key !== PLACEHOLDER_KEY) cache.set(PLACEHOLDER_KEY, placeholder, { ttl: 0 });
  return cache.delete(key);
}

/** Entries `cache` holds, the placeholder not counted. */
export function entryCount<V extends NonNullable<unknown>>(cache: LRUCache<string, V>): number {
  return cache.size - (cache.has(PLACEHOLDER_KEY) ? 1 : 0);
}
