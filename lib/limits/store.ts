// What the limits need from a store, in memory (memory-store.ts) or in Redis (redis-store.ts):
// counters with a window, and marks (a short value with a lifetime). Both stores keep the same
// rules, so a test of one describes the other.

/**
 * A counter after an update: its count, and milliseconds until its window ends (0 for a counter
 * that does not exist; a store may answer 0 too for one within its hit's `points`).
 */
export interface Count {
  count: number;
  msLeft: number;
}

/**
 * A key, and its space in a memory store: there the limits keep each rule's keys in a space of
 * their own (../slot-table.ts says why), so `key` is the number's or address's key alone. Redis
 * keys name their rule, and Redis ignores `space`.
 */
export interface StoreKey {
  key: string;
  /** The memory store's space (default 0). */
  space?: number | undefined;
}

/** One counter update of a batch. */
export interface Hit extends StoreKey {
  /** Points to add: 1 to count, 0 only to read. */
  add: 0 | 1;
  windowMs: number;
  /**
   * `false`: the window starts with the first point and stays put (a fixed window).
   * `true`: every point starts the window again (the count lasts `windowMs` after the last one).
   */
  slide: boolean;
  /**
   * The rule's limit, when the caller reads `msLeft` only past it (a point over it, or a read at
   * it): within it the memory store skips the window's lookup. Absent: `msLeft` always.
   */
  points?: number;
}

export interface CounterStore {
  /** Applies the hits at once (one round trip in Redis), in order; each key's count after its hit. */
  hit(hits: readonly Hit[]): Promise<Count[]>;
  /** Takes one point off each key (a point reserved and not used); a key at 0 is deleted. */
  giveBack(keys: readonly string[]): Promise<void>;
  /** Deletes the keys. */
  forget(keys: readonly string[]): Promise<void>;
  /** Sets a mark: `value` under `key` for `ttlMs`. `space`: as in StoreKey. */
  mark(key: string, value: string, ttlMs: number, space?: number): Promise<void>;
  /** The mark's value, or undefined when there is none (or it expired). */
  readMark(key: string, space?: number): Promise<string | undefined>;
  /** Sets the mark to `next`, keeping its expiry, if it still holds `value` (someone else's newer mark stays). */
  replaceMark(key: string, value: string, next: string, space?: number): Promise<void>;
}
