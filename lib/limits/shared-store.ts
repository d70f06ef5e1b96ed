// One memory store for the limits of several strategies in a process: a login strategy and a
// phone-change (or second-factor) strategy each build their own store by default, so each keeps
// its own budget per number and address, and together they allow twice the sends. Passed as
// `limits.store` to each, this one store counts them together, as a Redis store shared by both
// would.

import { DEFAULT_MAX_KEYS, isMaxKeys, MAX_KEYS_RANGE, MemoryStore } from './memory-store.js';

/** Options of `memoryLimitStore()`. */
export interface MemoryLimitStoreOptions {
  /** At most this many keys at once, the least recently used dropped when full. Default 200,000, at most 10,000,000. */
  maxKeys?: number | undefined;
  /** The clock, epoch ms (default `Date.now`): the same one as the strategies' `now` option, if they set one. */
  now?: (() => number) | undefined;
}

/** A memory store for `limits.store` that several strategies of one process share. */
export class SharedLimitStore {
  /** @internal The counters. */
  readonly memory: MemoryStore;

  /** The `keySecret` of the first strategy built on this store; `null` until one is. */
  #secret: Buffer | undefined | null = null;

  /** @internal Use `memoryLimitStore()`. */
  constructor(memory: MemoryStore) {
    this.memory = memory;
  }

  /**
   * @internal Whether a strategy keying its limits with `secret` finds the keys the others on this
   * store write: true until a strategy is built on it, then only for that strategy's secret (or,
   * if it had none, for none).
   */
  acceptsSecret(secret: Buffer | undefined): boolean {
    if (this.#secret === null) return true;
    if (this.#secret === undefined || secret === undefined) return this.#secret === secret;
    return this.#secret.equals(secret);
  }

  /**
   * @internal A strategy on this store was built (nothing refused it) with `secret`: the first one
   * makes it the store's.
   */
  takeSecret(secret: Buffer | undefined): void {
    if (this.#secret === null) this.#secret = secret;
  }

  /** Keys held now. */
  get size(): number {
    return this.memory.size;
  }
}

/**
 * A memory store for the limits, to pass as `limits.store` to several strategies of this process
 * (login and phone change) so they count one budget per number and address. One process only:
 * several instances share limits through Redis (`{ redis: client }`).
 */
export function memoryLimitStore(options: MemoryLimitStoreOptions = {}): SharedLimitStore {
  if (options === null || typeof options !== 'object') throw new TypeError('memoryLimitStore: options must be an object');
  const { maxKeys = DEFAULT_MAX_KEYS, now = Date.now } = options;
  if (!isMaxKeys(maxKeys)) throw new TypeError(`memoryLimitStore: \`maxKeys\` must be ${MAX_KEYS_RANGE}`);
  if (typeof now !== 'function') throw new TypeError('memoryLimitStore: `now` must be a function');
  return new SharedLimitStore(new MemoryStore(maxKeys, now));
}
