// lib/lru-delete.ts: deleting the last entry of an lru-cache unlinks one slot instead of clearing
// the cache (which refills every preallocated slot array, work in proportion to `max`), and the
// stores built on it read and count as if the placeholder were not there.
import { LRUCache } from 'lru-cache';
import { describe, expect, it } from 'vitest';
import { deleteEntry, entryCount, PLACEHOLDER_KEY } from '../../lib/lru-delete.js';
import { MemoryDeviceStore } from '../../lib/trusted-devices/memory-store.js';

const internals = (cache: LRUCache<string, number>) => LRUCache.unsafeExposeInternals(cache);

describe('deleteEntry', () => {
  it("unlinks the cache's last entry (its slot goes to the free list) where delete() clears every slot", () => {
    const plain = new LRUCache<string, number>({ max: 1000, ttl: 60_000 });
    plain.set('only', 1);
    plain.delete('only');
    // lru-cache's clear(): the free list is emptied with everything else.
    expect(internals(plain).free.length).toBe(0);

    const cache = new LRUCache<string, number>({ max: 1000, ttl: 60_000 });
    cache.set('only', 1);
    expect(deleteEntry(cache, 'only', 0)).toBe(true);
    expect(internals(cache).free.length).toBe(1);
    expect(cache.has('only')).toBe(false);
    expect(entryCount(cache)).toBe(0);
    // The placeholder never expires and is not counted; a key not held is a no-op.
    expect(cache.getRemainingTTL(PLACEHOLDER_KEY)).toBe(Infinity);
    expect(deleteEntry(cache, 'missing', 0)).toBe(false);
    expect(entryCount(cache)).toBe(0);
  });

  it('the placeholder is the first to go when the cache is full, and comes back when needed', () => {
    const cache = new LRUCache<string, number>({ max: 3 });
    cache.set('a', 1);
    deleteEntry(cache, 'a', 0);
    for (const key of ['b', 'c', 'd']) cache.set(key, 1);
    expect([...cache.keys()].sort()).toEqual(['b', 'c', 'd']);
    expect(entryCount(cache)).toBe(3);
    deleteEntry(cache, 'b', 0);
    deleteEntry(cache, 'c', 0);
    deleteEntry(cache, 'd', 0);
    expect(entryCount(cache)).toBe(0);
    expect(internals(cache).free.length).toBeGreaterThan(0);
  });

  // Mutation testing (issue 20): the placeholder goes in only when the entry deleted is the last
  // one. Set at a full cache it would evict the least recently used live entry.
  it('adds no placeholder while other entries remain: deleting from a full cache keeps the rest', () => {
    const cache = new LRUCache<string, number>({ max: 3 });
    for (const key of ['a', 'b', 'c']) cache.set(key, 1);
    expect(deleteEntry(cache, 'b', 0)).toBe(true);
    expect([...cache.keys()].sort()).toEqual(['a', 'c']);
    expect(deleteEntry(cache, 'c', 0)).toBe(true);
    expect([...cache.keys()]).toEqual(['a']);
  });

  it("deleting the placeholder's own key adds no placeholder: a one-slot cache keeps its entry", () => {
    const cache = new LRUCache<string, number>({ max: 1 });
    cache.set('k', 1);
    expect(deleteEntry(cache, PLACEHOLDER_KEY, 0)).toBe(false);
    expect(cache.get('k')).toBe(1);
  });

  // Mutation testing (the run of lru-delete.ts alone): the test above no longer reaches the key
  // test since one-slot caches skip the placeholder (`cache.max > 1`). In a cache with room, the
  // placeholder's own key asked for while one other entry is held is not there: the answer is
  // false and nothing is added (`key !== PLACEHOLDER_KEY` → `true` set the placeholder, then
  // deleted it, and answered true).
  it("deleting the placeholder's own key from a cache with room and one entry: false, the entry alone stays", () => {
    const cache = new LRUCache<string, number>({ max: 3 });
    cache.set('k', 1);
    expect(deleteEntry(cache, PLACEHOLDER_KEY, 0)).toBe(false);
    expect([...cache.keys()]).toEqual(['k']);
    expect(entryCount(cache)).toBe(1);
  });

  // lib/lru-delete.ts promises "true if it was there". In a one-slot cache (trusted devices take
  // maxDevices: 1) the placeholder set first evicts the entry, so delete() no longer finds it: the
  // entry is gone, but the answer is false. No caller is misled today (the webhook dedup ignores the
  // answer; MemoryDeviceStore unindexes on false, which the eviction did already).
  it('a one-slot cache: deleting its only entry answers true', () => {
    const cache = new LRUCache<string, number>({ max: 1 });
    cache.set('k', 1);
    expect(deleteEntry(cache, 'k', 0)).toBe(true);
  });
});

describe('stores that delete through it', () => {
  it('trusted devices memory store: the last device removed leaves an empty store that still works', async () => {
    const store = new MemoryDeviceStore(10_000);
    const record = { user: 'u1', phone: 'p', createdAt: 0, expiresAt: Date.now() + 60_000 };
    await store.add('d1', record, 10, Date.now());
    await store.remove('d1');
    expect(store.size).toBe(0);
    expect(await store.get('d1')).toBeUndefined();
    await store.add('d2', record, 10, Date.now());
    expect(await store.removeUser('u1')).toBe(1);
    expect(store.size).toBe(0);
  });
});
