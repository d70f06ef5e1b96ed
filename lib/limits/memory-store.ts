// The memory store: one table (../slot-table.ts) of at most `maxKeys` keys for every rule and mark.
//
// Bounded: when full, the least recently used key goes, so a flood of new keys (an SMS-pumping
// run rotating numbers and addresses) ages out quiet keys while keys in use stay (docs/limits.md
// says what that trades). Compact: the counters of one number (or address) share one short key
// and its map entry, about 100 bytes of heap, and each counter is a small integer in a slot of the
// table's arrays (41 bytes a slot, allocated when the store is built) and of the sweep's round
// (below; 8 bytes a slot).
//
// No timer per key, and no pause: a read treats an expired key as absent, and every key stored
// anew also looks at the oldest entries of a round over all stored keys (a ring of slots in the
// order they were stored): an expired key goes, a live one goes to the back of the round.
// A whole-store sweep would free the same memory but walk every key at once: about a microsecond
// per key, so a store filled to the default cap by a pumping run would stall the event loop for a
// few hundred milliseconds at each sweep.

import { NONE, SlotTable } from '../slot-table.js';
import type { Count, CounterStore, Hit, StoreKey } from './store.js';

/** A hit that takes its answer in itself (`countSync`): the count after it and the wait. */
export interface Tally extends Hit {
  count: number | undefined;
  msLeft: number;
}

/**
 * Keys of the round looked at per key stored anew, so the round moves twice as fast as keys are
 * stored: expired keys go within a round, and the store does not grow past the keys still live.
 * Only new keys pay: a write to a key already held adds nothing for the round to catch up with.
 */
const SWEEP_STEPS_PER_KEY = 2;

/** The memory store's default `maxKeys`. */
export const DEFAULT_MAX_KEYS = 200_000;

/**
 * The largest `maxKeys`. The table allocates its slot arrays for every slot when the store is
 * built, 49 bytes a slot with the sweep's round: 10 million slots take about 490 MB at startup,
 * and a bound past that would exhaust the heap before the first login. A store that big belongs in Redis.
 */
export const MAX_MAX_KEYS = 10_000_000;
const MIN_MAX_KEYS = 100;

/** What a `maxKeys` must be, as an error message says it. */
export const MAX_KEYS_RANGE = `an integer from ${MIN_MAX_KEYS} to ${MAX_MAX_KEYS}`;

/** Whether `value` is a `maxKeys` the store takes. */
export function isMaxKeys(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= MIN_MAX_KEYS && (value as number) <= MAX_MAX_KEYS;
}

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

/**
 * The sweep's round: slots in the order their keys were stored, each with the slot's generation
 * then (a slot whose key went since has another), in a ring of at most `capacity` entries.
 */
class Round {
  readonly #slots: Int32Array;
  readonly #generations: Uint32Array;
  #first = 0;
  #length = 0;

  constructor(capacity: number) {
    this.#slots = new Int32Array(capacity);
    this.#generations = new Uint32Array(capacity);
  }

  get length(): number {
    return this.#length;
  }

  /** Adds an entry at the back; when full, the oldest entry leaves first, unchecked. */
  push(slot: number, generation: number): void {
    const capacity = this.#slots.length;
    if (this.#length === capacity) this.#first = (this.#first + 1) % capacity;
    else this.#length += 1;
    const at = (this.#first + this.#length - 1) % capacity;
    this.#slots[at] = slot;
    this.#generations[at] = generation;
  }

  /** The front entry's slot and generation (only while length > 0). */
  frontSlot(): number {
    return this.#slots[this.#first] as number;
  }

  frontGeneration(): number {
    return this.#generations[this.#first] as number;
  }

  dropFront(): void {
    this.#first = (this.#first + 1) % this.#slots.length;
    this.#length -= 1;
  }
}

export class MemoryStore implements CounterStore {
  readonly #table: SlotTable<number | string>;
  readonly #round: Round;
  readonly #now: () => number;
  /** The wait #hitOne() answered with its count. */
  #msLeft = 0;

  constructor(maxKeys: number, now: () => number = Date.now) {
    this.#table = new SlotTable<number | string>(maxKeys, flat);
    // The round holds at most maxKeys entries: past that, the oldest entry leaves it unchecked (its
    // key, if still stored, then goes by eviction, as the cap bounds it anyway).
    this.#round = new Round(maxKeys);
    this.#now = now;
  }

  /** The bound: at most this many keys. */
  get maxKeys(): number {
    return this.#table.capacity;
  }

  /** Keys held now (expired ones not yet swept included). */
  get size(): number {
    return this.#table.size;
  }

  hit(hits: readonly Hit[]): Promise<Count[]> {
    return Promise.resolve(this.hitSync(hits));
  }

  // The same three steps at once, for the limits (./limits.ts), which need no promise from memory.
  hitSync(hits: readonly Hit[]): Count[] {
    const now = this.#now();
    const counts: Count[] = [];
    for (const h of hits) counts.push({ count: this.#hitOne(h, now), msLeft: this.#msLeft });
    return counts;
  }

  /** hitSync() with each answer written into its hit: no answer objects (the limits' reservations). */
  countSync(hits: readonly Tally[]): void {
    const now = this.#now();
    for (const h of hits) {
      h.count = this.#hitOne(h, now);
      h.msLeft = this.#msLeft;
    }
  }

  giveBackSync(keys: readonly StoreKey[]): void {
    const now = this.#now();
    for (const { key, space = 0 } of keys) this.#giveBackOne(key, space, now);
  }

  forgetSync(keys: readonly StoreKey[]): void {
    for (const { key, space = 0 } of keys) this.#forgetOne(key, space);
  }

  #giveBackOne(key: string, space: number, now: number): void {
    const table = this.#table;
    const slot = this.#live(key, space, now);
    if (slot === NONE) return;
    const count = table.valueAt(slot);
    if (typeof count !== 'number') return;
    if (count <= 1) table.delete(slot);
    else table.setValue(slot, count - 1);
  }

  #forgetOne(key: string, space: number): void {
    const slot = this.#table.slotOf(key, space);
    if (slot !== NONE) this.#table.delete(slot);
  }

  /** The count after the hit; its wait goes to #msLeft (no answer object: the callers make theirs, or none). */
  #hitOne({ key, space = 0, add, windowMs, slide, points }: Hit, now: number): number {
    const table = this.#table;
    const slot = this.#live(key, space, now);
    const current = slot === NONE ? undefined : table.valueAt(slot);
    const count = typeof current === 'number' ? current : 0;
    if (add === 0) {
      this.#msLeft = count === 0 || (points !== undefined && count < points) ? 0 : table.expiresAt(slot) - now;
      return count;
    }
    const next = count + add;
    if (count === 0) {
      this.#store(key, space, next, now + windowMs, now);
      this.#msLeft = windowMs;
      return next;
    }
    table.setValue(slot, next);
    if (slide) {
      table.setExpiry(slot, now + windowMs);
      this.#msLeft = windowMs;
      return next;
    }
    // Within its limit nobody reads the wait: skip the subtraction's read of the expiry.
    this.#msLeft = points !== undefined && next <= points ? 0 : table.expiresAt(slot) - now;
    return next;
  }

  giveBack(keys: readonly string[]): Promise<void> {
    const now = this.#now();
    for (const key of keys) this.#giveBackOne(key, 0, now);
    return Promise.resolve();
  }

  forget(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.#forgetOne(key, 0);
    return Promise.resolve();
  }

  mark(key: string, value: string, ttlMs: number, space = 0): Promise<void> {
    const now = this.#now();
    this.#store(key, space, value, now + ttlMs, now);
    return Promise.resolve();
  }

  readMark(key: string, space = 0): Promise<string | undefined> {
    const slot = this.#live(key, space, this.#now());
    const value = slot === NONE ? undefined : this.#table.valueAt(slot);
    return Promise.resolve(typeof value === 'string' ? value : undefined);
  }

  replaceMark(key: string, value: string, next: string, space = 0): Promise<void> {
    const slot = this.#live(key, space, this.#now());
    if (slot !== NONE && this.#table.valueAt(slot) === value) this.#table.setValue(slot, next);
    return Promise.resolve();
  }

  /**
   * The slot of `key` while its window is open, made the most recently used; NONE for a key not
   * held or expired (an expired key stays until the sweep, a delete or eviction takes it).
   * A window of `windowMs` ends at its start + windowMs exactly, as the session's own `nextRetryAt`.
   */
  #live(key: string, space: number, now: number): number {
    const table = this.#table;
    const slot = table.slotOf(key, space);
    if (slot === NONE || table.expiresAt(slot) <= now) return NONE;
    table.touch(slot);
    return slot;
  }

  /** Stores a value anew (over an expired one, if any) and puts its slot at the back of the round, after moving the round on. */
  #store(key: string, space: number, value: number | string, expiresAt: number, now: number): void {
    this.#sweep(SWEEP_STEPS_PER_KEY, now);
    const table = this.#table;
    let slot = table.slotOf(key, space);
    if (slot === NONE) {
      // The table stores a key it does not hold yet flat (flat(), its `keep`).
      slot = table.add(key, value, expiresAt, space);
    } else {
      table.setValue(slot, value);
      table.setExpiry(slot, expiresAt);
      table.touch(slot);
    }
    this.#round.push(slot, table.generation(slot));
  }

  /** Looks at `steps` entries of the round: gone or expired keys leave it, live ones go to its back. */
  #sweep(steps: number, now: number): void {
    const round = this.#round;
    const table = this.#table;
    for (let i = 0; i < steps && round.length > 0; i++) {
      const slot = round.frontSlot();
      const generation = round.frontGeneration();
      round.dropFront();
      // Another generation: the key this entry was for went (deleted, evicted), and the slot may hold another key now.
      if (table.generation(slot) !== generation) continue;
      if (table.expiresAt(slot) <= now) table.delete(slot);
      else round.push(slot, generation);
    }
  }
}
