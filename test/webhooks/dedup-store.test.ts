// The webhook handlers' de-duplication store in this process (the default): an id claimed stays
// "processing" for PROCESSING_SECONDS, an id finished is "done" for ttlSeconds, a released one is
// new again, and the bound drops the oldest id. Time is the system clock, set by the test (only
// `Date` is faked). The `store` option's checks and their messages.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLOCK_SKEW_SECONDS, DEFAULT_DEDUP_ENTRIES, DEFAULT_DEDUP_TTL_SECONDS, dedupStore, PROCESSING_SECONDS } from '../../lib/webhooks/dedup.js';
import type { DedupStore } from '../../lib/webhooks/dedup.js';

const T0 = Date.UTC(2026, 11, 2, 7, 0, 0);

describe('the memory de-duplication store', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps a claimed id processing for PROCESSING_SECONDS, then lets a retry claim it', async () => {
    const store = dedupStore({});
    expect(PROCESSING_SECONDS).toBe(300);
    expect(await store.claim('evt_1')).toBe('new');
    expect(await store.claim('evt_1')).toBe('processing');
    vi.setSystemTime(T0 + PROCESSING_SECONDS * 1000 - 1);
    expect(await store.claim('evt_1')).toBe('processing');
    // Claimed until exactly then: at that moment it is free, and the retry claims it afresh.
    vi.setSystemTime(T0 + PROCESSING_SECONDS * 1000);
    expect(await store.claim('evt_1')).toBe('new');
    vi.setSystemTime(T0 + PROCESSING_SECONDS * 1000 + 1);
    expect(await store.claim('evt_1')).toBe('processing');
  });

  it('remembers a finished id as done for ttlSeconds and CLOCK_SKEW_SECONDS from the finish, then forgets it', async () => {
    const store = dedupStore({ ttlSeconds: 60 });
    expectTtlMs(store, 60_000);
    expect(CLOCK_SKEW_SECONDS).toBe(300);
    const kept = (60 + CLOCK_SKEW_SECONDS) * 1000;
    expect(await store.claim('evt_2')).toBe('new');
    vi.setSystemTime(T0 + 10_000);
    await store.finish('evt_2');
    expect(await store.claim('evt_2')).toBe('done');
    vi.setSystemTime(T0 + 10_000 + kept - 1);
    expect(await store.claim('evt_2')).toBe('done');
    vi.setSystemTime(T0 + 10_000 + kept);
    expect(await store.claim('evt_2')).toBe('new');
  });

  it('an event signed by a clock ahead of ours is stale before its id is forgotten', async () => {
    const store = dedupStore({ ttlSeconds: 3600 });
    // The provider's clock is 4 minutes ahead: the event says it was created after we handled it.
    const createdAt = T0 + 4 * 60_000;
    expect(store.isStale(createdAt)).toBe(false);
    expect(await store.claim('evt_ahead')).toBe('new');
    await store.finish('evt_ahead');
    // A replay at any moment: either its id is still known, or the event is stale by now.
    for (const at of [T0 + 3_600_000, T0 + 3_600_000 + 4 * 60_000, T0 + 3_600_000 + 4 * 60_000 + 1]) {
      vi.setSystemTime(at);
      const known = (await store.claim('evt_ahead')) === 'done';
      expect(known || store.isStale(createdAt), `at ${at - T0} ms`).toBe(true);
    }
  });

  it('forgets a released id at once, and only that one', async () => {
    const store = dedupStore(undefined);
    expect(await store.claim('evt_3')).toBe('new');
    expect(await store.claim('evt_4')).toBe('new');
    await store.release('evt_3');
    expect(await store.claim('evt_3')).toBe('new');
    expect(await store.claim('evt_4')).toBe('processing');
    // The only id held, released: the store is empty, and the id new.
    const one = dedupStore({ maxEntries: 5 });
    expect(await one.claim('evt_5')).toBe('new');
    await one.release('evt_5');
    expect(await one.claim('evt_5')).toBe('new');
  });

  it('holds maxEntries ids, dropping the oldest claim', async () => {
    const store = dedupStore({ maxEntries: 2 });
    await store.claim('a');
    await store.claim('b');
    // Reads do not refresh: `a` is still the oldest.
    expect(await store.claim('a')).toBe('processing');
    await store.claim('c');
    expect(await store.claim('b')).toBe('processing');
    expect(await store.claim('a')).toBe('new');
  });

  it('an id dropped before its ttl (the store full) makes events created no later than its handling stale', async () => {
    const store = dedupStore({ maxEntries: 2, ttlSeconds: 3600 });
    for (const id of ['a', 'b']) {
      await store.claim(id);
      await store.finish(id);
    }
    expect(store.isStale(T0 - 1)).toBe(false);
    vi.setSystemTime(T0 + 5_000);
    // 'a' goes while still within its ttl: an event created by its finish (T0) may be its replay.
    await store.claim('c');
    expect(store.isStale(T0)).toBe(true);
    expect(store.isStale(T0 + 1)).toBe(false);
    // An id dropped after its ttl moves nothing: the ttl covers it.
    vi.setSystemTime(T0 + 3_600_000 + 10_000);
    await store.claim('d');
    await store.claim('e');
    expect(store.isStale(T0 + 1)).toBe(true); // older than the ttl now
    expect(store.isStale(T0 + 3_600_000 + 10_000 - 1)).toBe(false);
  });

  it('a claim dropped while its delivery is still processing makes events created no later than the claim stale', async () => {
    const store = dedupStore({ maxEntries: 2, ttlSeconds: 3600 });
    expect(await store.claim('a')).toBe('new');
    vi.setSystemTime(T0 + 1_000);
    await store.claim('b');
    vi.setSystemTime(T0 + 2_000);
    // 'a' (claimed at T0, never finished) goes while claimed: the mark is its claim time, not the
    // end of its processing window (T0 + PROCESSING_SECONDS).
    await store.claim('c');
    expect(store.isStale(T0)).toBe(true);
    expect(store.isStale(T0 + 1)).toBe(false);
  });

  it('a claim dropped once its processing window is over moves nothing, from the very millisecond it ends', async () => {
    // Its id is free again (a retry would be handled), so no event is made stale by it.
    const store = dedupStore({ maxEntries: 2, ttlSeconds: 3600 });
    await store.claim('a');
    await store.claim('b');
    vi.setSystemTime(T0 + PROCESSING_SECONDS * 1000);
    await store.claim('c');
    expect(store.isStale(T0)).toBe(false);
    // A millisecond earlier, the claim still held: dropping it moves the mark to the claim.
    vi.setSystemTime(T0);
    const held = dedupStore({ maxEntries: 2, ttlSeconds: 3600 });
    await held.claim('a');
    await held.claim('b');
    vi.setSystemTime(T0 + PROCESSING_SECONDS * 1000 - 1);
    await held.claim('c');
    expect(held.isStale(T0)).toBe(true);
  });

  it('the mark of dropped ids never moves back, even when the clock does', async () => {
    const store = dedupStore({ maxEntries: 2, ttlSeconds: 3600 });
    vi.setSystemTime(T0 + 10_000);
    await store.claim('a');
    await store.finish('a');
    // The system clock is stepped back ten seconds (NTP): 'b' is handled "before" 'a'.
    vi.setSystemTime(T0);
    await store.claim('b');
    await store.finish('b');
    await store.claim('c'); // drops 'a', handled at T0 + 10 s
    expect(store.isStale(T0 + 10_000)).toBe(true);
    await store.claim('d'); // drops 'b', handled at T0: the mark stays at T0 + 10 s
    expect(store.isStale(T0 + 10_000)).toBe(true);
    expect(store.isStale(T0 + 10_001)).toBe(false);
  });

  it('defaults to 10,000 ids for 14 days', async () => {
    const store = dedupStore(undefined);
    expect(DEFAULT_DEDUP_TTL_SECONDS).toBe(14 * 24 * 3600);
    expectTtlMs(store, 14 * 24 * 3600 * 1000);
    expectTtlMs(dedupStore({}), 14 * 24 * 3600 * 1000);
    expectTtlMs(dedupStore({ maxEntries: 3 }), 14 * 24 * 3600 * 1000);
    expect(DEFAULT_DEDUP_ENTRIES).toBe(10_000);
    for (const s of [store, dedupStore({ ttlSeconds: 60 })]) {
      for (let i = 0; i < 10_000; i++) await s.claim(`id_${i}`);
      expect(await s.claim('id_0')).toBe('processing');
      await s.claim('id_10000');
      expect(await s.claim('id_1')).toBe('processing');
      expect(await s.claim('id_0')).toBe('new');
    }
  });
});

describe('the store option', () => {
  const storeMessage = 'webhook option `store` must be { maxEntries?, ttlSeconds? } or { redis: client, prefix?, ttlSeconds?, timeoutMs? }';
  const redisMessage = 'webhook option `store.redis` must be a connected node-redis or ioredis client';
  const fn = async (): Promise<unknown> => undefined;

  it('refuses what is not an object', () => {
    for (const bad of [null, 'memory', 10, true]) expect(() => dedupStore(bad)).toThrow(storeMessage);
  });

  it('refuses a maxEntries or ttlSeconds that is not an integer in range, naming it and the range', () => {
    for (const bad of [0, -1, 1.5, '10', Number.NaN, 10_000_001]) {
      expect(() => dedupStore({ maxEntries: bad })).toThrow(new TypeError('webhook option `store.maxEntries` must be an integer from 1 to 10000000'));
    }
    for (const bad of [0, 2.5, '60', 365 * 24 * 3600 + 1]) {
      expect(() => dedupStore({ ttlSeconds: bad })).toThrow(new TypeError('webhook option `store.ttlSeconds` must be an integer from 1 to 31536000'));
      expect(() => dedupStore({ redis: { set: fn, get: fn, del: fn }, ttlSeconds: bad })).toThrow('`store.ttlSeconds`');
    }
    expectTtlMs(dedupStore({ maxEntries: 1, ttlSeconds: 1 }), 1000);
  });

  it('refuses a redis that is not a client, and a prefix that is not a string', () => {
    for (const bad of [null, undefined, 'redis://127.0.0.1', { get: fn, del: fn }, { set: fn, del: fn }, { set: fn, get: fn }, { set: 1, get: fn, del: fn }]) {
      expect(() => dedupStore({ redis: bad })).toThrow(new TypeError(redisMessage));
    }
    expect(() => dedupStore({ redis: { set: fn, get: fn, del: fn }, prefix: 5 })).toThrow(new TypeError('webhook option `store.prefix` must be a string'));
    expect(() => dedupStore({ redis: { set: fn, get: fn, del: fn }, prefix: null })).toThrow('`store.prefix`');
    expectTtlMs(dedupStore({ redis: { set: fn, get: fn, del: fn }, ttlSeconds: 90 }), 90_000);
  });

  it('takes a Redis timeoutMs from 1 to 60,000 ms and refuses any other, naming it and the range', () => {
    const redis = { set: fn, get: fn, del: fn };
    for (const bad of [0, 60_001, 1.5, '1000', null, Number.NaN]) {
      expect(() => dedupStore({ redis, timeoutMs: bad })).toThrow(new TypeError('webhook option `store.timeoutMs` must be an integer from 1 to 60000 (milliseconds)'));
    }
    for (const ok of [1, 60_000, undefined]) expect(() => dedupStore({ redis, timeoutMs: ok })).not.toThrow();
  });
});

/** The store's ttl as the stale check reads it: an event exactly that old is not stale, older is. */
function expectTtlMs(store: DedupStore, ms: number): void {
  const now = Date.now();
  expect(store.isStale(now - ms + 50)).toBe(false);
  expect(store.isStale(now - ms - 50)).toBe(true);
}
