// Trusted devices in this process's memory, on lru-cache: at most `maxDevices` records, all users
// together, the least recently used forgotten first. The per-user index lives beside it and is
// kept in step by the cache's dispose hook, so it never names more devices than the cache holds
// (and so is bounded by the same number).

import { LRUCache } from 'lru-cache';
import { deleteEntry, entryCount } from '../lru-delete.js';
import type { DeviceRecord, DeviceStore } from './store.js';

/** deleteEntry()'s placeholder: no user's, and long expired. */
const PLACEHOLDER_RECORD: DeviceRecord = { user: '', phone: '', createdAt: 0, expiresAt: 0 };

export class MemoryDeviceStore implements DeviceStore {
  readonly #records: LRUCache<string, DeviceRecord>;
  /** user -> digests, oldest first; never empty (an emptied list is deleted). */
  readonly #byUser = new Map<string, string[]>();

  constructor(maxDevices: number) {
    this.#records = new LRUCache<string, DeviceRecord>({
      max: maxDevices,
      // Expired records go by this store's deletes and by eviction (../lru-delete.ts says why).
      noDeleteOnStaleGet: true,
      dispose: (record, digest, reason) => {
        // 'set' replaces a record under the same digest, which stays indexed.
        if (reason !== 'set') this.#unindex(record.user, digest);
      },
    });
  }

  /** How many devices are remembered (for tests of the bound). */
  get size(): number {
    return entryCount(this.#records);
  }

  add(digest: string, record: DeviceRecord, maxPerUser: number, now: number): Promise<void> {
    const list = this.#byUser.get(record.user) ?? [];
    // Expired ones first, then the oldest, until there is room for this one.
    for (const old of [...list]) {
      const r = this.#records.peek(old);
      if (!r || r.expiresAt <= now) this.#delete(old);
    }
    let current = this.#byUser.get(record.user) ?? [];
    while (current.length >= maxPerUser) {
      const oldest = current[0] as string;
      // delete() runs the dispose hook, which unindexes it; an entry the cache no longer holds
      // would not, so it is unindexed here too (and the loop always ends).
      if (!this.#delete(oldest)) this.#unindex(record.user, oldest);
      current = this.#byUser.get(record.user) ?? [];
    }
    // The cache's clock is its own; expiry is checked against the strategy's clock on every read,
    // and this ttl only lets the cache drop the entry once it is of no use.
    this.#records.set(digest, record, { ttl: Math.max(1, record.expiresAt - now) });
    // Read again: a full cache evicted its least recently used record in that set(), and the
    // dispose hook unindexed it; it may have been one of this user's.
    this.#byUser.set(record.user, [...(this.#byUser.get(record.user) ?? []), digest]);
    return Promise.resolve();
  }

  get(digest: string): Promise<DeviceRecord | undefined> {
    return Promise.resolve(this.#records.get(digest));
  }

  remove(digest: string): Promise<void> {
    this.#delete(digest);
    return Promise.resolve();
  }

  removeUser(user: string): Promise<number> {
    const list = this.#byUser.get(user) ?? [];
    for (const digest of list) this.#delete(digest);
    this.#byUser.delete(user);
    return Promise.resolve(list.length);
  }

  #delete(digest: string): boolean {
    return deleteEntry(this.#records, digest, PLACEHOLDER_RECORD);
  }

  #unindex(user: string, digest: string): void {
    const list = this.#byUser.get(user);
    if (!list) return;
    const rest = list.filter((d) => d !== digest);
    if (rest.length === 0) this.#byUser.delete(user);
    else this.#byUser.set(user, rest);
  }
}
