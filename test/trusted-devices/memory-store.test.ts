// MemoryDeviceStore on its own: the per-user index beside the LRU cache, kept in step with it.
// The strategy-level tests (trusted-devices.test.ts) reach it through logins; these pin the
// store's own edges: expiry, the per-user bound, eviction by the global bound, and forgetting.
import { describe, expect, it } from 'vitest';
import { MemoryDeviceStore } from '../../lib/trusted-devices/memory-store.js';
import type { DeviceRecord } from '../../lib/trusted-devices/store.js';

const DAY = 86_400_000;
const NOW = 1_700_000_000_000;
const record = (user: string, expiresAt = NOW + DAY): DeviceRecord => ({ user, phone: 'p', createdAt: NOW, expiresAt });

describe('MemoryDeviceStore: the per-user index and the global bound', () => {
  // add() once read the user's list before `#records.set()`, which may evict the least recently
  // used record; when that record was the same user's, the dispose hook unindexed it and add()
  // then wrote the list read before the eviction back: the index named a device no longer held.
  it('a device evicted by its own user’s add leaves the index: forgetting the user counts only what is held', async () => {
    const store = new MemoryDeviceStore(2);
    for (const digest of ['d1', 'd2', 'd3']) await store.add(digest, record('alice'), 10, NOW);
    expect(store.size).toBe(2);
    expect(await store.get('d1')).toBeUndefined();
    expect(await store.removeUser('alice')).toBe(2);
  });

  it('a device evicted by its own user’s add does not stay in the index once the rest are gone (the index is bounded by maxDevices)', async () => {
    const store = new MemoryDeviceStore(2);
    for (const digest of ['d1', 'd2', 'd3']) await store.add(digest, record('alice'), 10, NOW);
    // Two other users' devices push out alice's two remaining ones.
    await store.add('b1', record('bob'), 10, NOW);
    await store.add('c1', record('carol'), 10, NOW);
    expect(await store.get('d2')).toBeUndefined();
    expect(await store.get('d3')).toBeUndefined();
    expect(await store.removeUser('alice')).toBe(0);
  });

  it('a device evicted by its own user’s add does not count against maxDevicesPerUser (no live device forgotten for it)', async () => {
    const store = new MemoryDeviceStore(3);
    await store.add('b1', record('bob'), 3, NOW);
    await store.add('d1', record('alice'), 3, NOW);
    await store.add('d2', record('alice'), 3, NOW);
    // Reads make d2 the least recently used: alice's next device evicts it (the global bound).
    await store.get('b1');
    await store.get('d1');
    await store.add('d3', record('alice'), 3, NOW);
    expect(await store.get('d2')).toBeUndefined();
    // alice holds 2 of her 3: a fourth device fits without forgetting d1 (the global bound
    // evicts the least recently used, bob's b1).
    await store.add('d4', record('alice'), 3, NOW);
    expect(await store.get('d1')).toBeDefined();
    expect(await store.removeUser('alice')).toBe(3);
  });
});

describe('MemoryDeviceStore: expiry and forgetting', () => {
  it('a user whose own devices the global bound pushes out goes on adding devices (making room for one always ends)', async () => {
    const store = new MemoryDeviceStore(2);
    for (const digest of ['d1', 'd2', 'd3', 'd4', 'd5']) await store.add(digest, record('alice'), 3, NOW);
    expect(store.size).toBe(2);
    expect(await store.get('d4')).toBeDefined();
    expect(await store.get('d5')).toBeDefined();
  });

  it('expired devices go before the oldest live one when a user is at maxDevicesPerUser (expiry at `now` itself included)', async () => {
    const store = new MemoryDeviceStore(10);
    // The oldest lives longest (a later device was remembered with a test number's shorter trust).
    await store.add('long', record('alice', NOW + 30 * DAY), 3, NOW);
    await store.add('short', record('alice', NOW + DAY), 3, NOW);
    await store.add('edge', record('alice', NOW + 2 * DAY), 3, NOW);
    await store.add('new', record('alice', NOW + 32 * DAY), 3, NOW + 2 * DAY);
    expect(await store.get('long')).toBeDefined();
    expect(await store.get('new')).toBeDefined();
    expect(await store.get('short')).toBeUndefined();
    expect(await store.get('edge')).toBeUndefined();
    expect(store.size).toBe(2);
    expect(await store.removeUser('alice')).toBe(2);
  });

  it('past maxDevicesPerUser the oldest go, as many as it takes, and other users keep theirs', async () => {
    const store = new MemoryDeviceStore(10);
    await store.add('b1', record('bob'), 3, NOW);
    for (const digest of ['d1', 'd2', 'd3']) await store.add(digest, record('alice'), 3, NOW);
    // A lower bound (the option changed between restarts of a shared store) drops two at once.
    await store.add('d4', record('alice'), 2, NOW);
    expect([await store.get('d1'), await store.get('d2')]).toEqual([undefined, undefined]);
    expect(await store.get('d3')).toBeDefined();
    expect(await store.get('d4')).toBeDefined();
    expect(await store.get('b1')).toBeDefined();
    expect(store.size).toBe(3);
  });

  it('with maxDevicesPerUser 1 a new device replaces the only one', async () => {
    const store = new MemoryDeviceStore(10);
    await store.add('d1', record('alice'), 1, NOW);
    await store.add('d2', record('alice'), 1, NOW);
    expect(await store.get('d1')).toBeUndefined();
    expect(await store.get('d2')).toBeDefined();
    expect(await store.removeUser('alice')).toBe(1);
  });

  it('forgetting the only device, then filling the store, keeps working (the placeholder entry is evicted cleanly)', async () => {
    const store = new MemoryDeviceStore(2);
    await store.add('d1', record('alice'), 10, NOW);
    await store.remove('d1');
    expect(store.size).toBe(0);
    await store.add('d2', record('bob'), 10, NOW);
    await store.add('d3', record('carol'), 10, NOW);
    expect(store.size).toBe(2);
    expect(await store.get('d2')).toBeDefined();
    expect(await store.get('d3')).toBeDefined();
    expect(await store.removeUser('alice')).toBe(0);
    expect(await store.removeUser('bob')).toBe(1);
  });

  it('remove forgets one device and keeps the user’s others; removeUser counts and forgets them all', async () => {
    const store = new MemoryDeviceStore(10);
    for (const digest of ['d1', 'd2', 'd3']) await store.add(digest, record('alice'), 10, NOW);
    await store.remove('d2');
    expect(await store.get('d2')).toBeUndefined();
    expect(store.size).toBe(2);
    expect(await store.removeUser('alice')).toBe(2);
    expect(store.size).toBe(0);
    expect(await store.removeUser('alice')).toBe(0);
  });

  it('a user’s first device beside another user’s only one, with a per-user bound of 1, evicts nothing from a store of 2', async () => {
    // add() deletes nothing for a user with no devices; a delete of a digest the cache does not
    // hold would still put the placeholder entry in (lru-delete.ts), and at two slots that evicts
    // the other user's device.
    const store = new MemoryDeviceStore(2);
    await store.add('b1', record('bob'), 1, NOW);
    await store.add('d1', record('alice'), 1, NOW);
    expect(await store.get('b1')).toBeDefined();
    expect(await store.get('d1')).toBeDefined();
    expect(store.size).toBe(2);
    expect(await store.removeUser('bob')).toBe(1);
  });
});
