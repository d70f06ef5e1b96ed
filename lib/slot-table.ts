// A table of at most `capacity` entries, each with a value and the time it expires, in
// least-recently-used order: under the limits' memory store (./limits/memory-store.ts) and the
// check queue's ledgers (./serialize.ts), which a login reads and writes about thirty times
// between them. Slots are numbers into flat arrays allocated once (typed arrays for the order, the
// expiry times, each slot's generation, its space and the next slot of its key: 41 bytes a slot),
// so an entry costs a few array cells, plus a Map entry and a string for each distinct key.
//
// An entry is a key in a space (a small integer, 0 by default): the same string in two spaces is
// two entries. The limits' memory store keeps each rule in a space of its own, so one number's
// counters (sends, resend cooldown, wrong codes, ...) are entries of one key, the number's: one
// Map entry and one stored string for all of them, chained through their slots. A login's lookups
// of one number's counters are one Map lookup and a walk of a few slots (the last key looked up is
// remembered), and a counter that comes and goes (the resend cooldown, at every login) joins or
// leaves its key's chain without touching the Map. In a server, where the Map's memory is rarely
// in the CPU cache, a Map lookup is the costly step, so a login's lookups are kept to one per key.
//
// Why not lru-cache, which the other in-process tables use: its general paths (options read per
// call, background fetches, sizes, dispose hooks; a get then a set for each increment) are work
// on every one of those thirty reads and writes that these two users never need. This table does
// what they need and nothing else: no timers, no callbacks, and it never reads the clock (its
// callers pass the time).

/** No slot: the end of the order, or a key the table does not hold. */
export const NONE = -1;

export class SlotTable<V> {
  readonly capacity: number;
  /** Key to the first slot of its chain (its entries in every space). */
  readonly #index = new Map<string, number>();
  /** Each slot's key: the one string its chain shares. */
  readonly #keys: Array<string | undefined>;
  readonly #spaces: Uint8Array;
  /** The next slot of the same key, or NONE. */
  readonly #sameKey: Int32Array;
  /** How a key is kept when it is first stored (the memory store flattens it). */
  readonly #keep: (key: string) => string;
  /** The last key looked up and the first slot of its chain (NONE: none), kept true by add and delete. */
  #lastKey: string | undefined;
  #lastFirst = NONE;
  #size = 0;
  readonly #values: Array<V | undefined>;
  readonly #expires: Float64Array;
  // The order, least recently used first: a doubly linked list through the slots. A deleted slot
  // waits in the list of free slots (through `#newer`), taken before a slot never used.
  readonly #older: Int32Array;
  readonly #newer: Int32Array;
  #freeSlot = NONE;
  /** Bumped when a slot's key leaves it, so a reference to the old key (the sweep's) can tell. */
  readonly #generations: Uint32Array;
  /** Slots below this were used at least once; the rest have never held a key. */
  #used = 0;
  #oldest = NONE;
  #newest = NONE;

  /** Spaces are numbered 0 to 255. `keep`: how a key is kept when first stored (default: as it is). */
  constructor(capacity: number, keep: (key: string) => string = (key) => key) {
    this.capacity = capacity;
    this.#keep = keep;
    this.#spaces = new Uint8Array(capacity);
    this.#sameKey = new Int32Array(capacity);
    // Filled: `new Array(n)` alone past about 100,000 slots is a dictionary in V8, tens of bytes a
    // key where a filled array takes 8.
    this.#keys = new Array<string | undefined>(capacity).fill(undefined);
    this.#values = new Array<V | undefined>(capacity).fill(undefined);
    this.#expires = new Float64Array(capacity);
    this.#older = new Int32Array(capacity);
    this.#newer = new Int32Array(capacity);
    this.#generations = new Uint32Array(capacity);
  }

  /** Entries held, expired ones not yet deleted included. */
  get size(): number {
    return this.#size;
  }

  /** Distinct keys held (a key with entries in several spaces counts once): the Map's entries. */
  get distinctKeys(): number {
    return this.#index.size;
  }

  /** The slot of `key` in `space`, expired or not, or NONE. */
  slotOf(key: string, space = 0): number {
    let slot = this.#first(key);
    while (slot !== NONE && this.#spaces[slot] !== space) slot = this.#sameKey[slot] as number;
    return slot;
  }

  /** The first slot of `key`'s chain, or NONE. */
  #first(key: string): number {
    if (key === this.#lastKey) return this.#lastFirst;
    const first = this.#index.get(key) ?? NONE;
    this.#lastKey = key;
    this.#lastFirst = first;
    return first;
  }

  valueAt(slot: number): V | undefined {
    return this.#values[slot];
  }

  setValue(slot: number, value: V): void {
    this.#values[slot] = value;
  }

  expiresAt(slot: number): number {
    return this.#expires[slot] as number;
  }

  setExpiry(slot: number, at: number): void {
    this.#expires[slot] = at;
  }

  generation(slot: number): number {
    return this.#generations[slot] as number;
  }

  /** The least recently used slot, or NONE when the table is empty. */
  get oldest(): number {
    return this.#oldest;
  }

  /** Makes `slot` the most recently used. */
  touch(slot: number): void {
    if (slot === this.#newest) return;
    this.#unlink(slot);
    this.#append(slot);
  }

  /**
   * Holds `key` in `space` (not held there now) with `value` until `expiresAt`, as the most
   * recently used key; when the table is full, the least recently used key goes first. Returns its slot.
   */
  add(key: string, value: V, expiresAt: number, space = 0): number {
    if (this.#size === this.capacity) this.delete(this.#oldest);
    let slot = this.#freeSlot;
    if (slot === NONE) slot = this.#used++;
    else this.#freeSlot = this.#newer[slot] as number;
    const first = this.#first(key);
    if (first === NONE) {
      const kept = this.#keep(key);
      this.#keys[slot] = kept;
      this.#sameKey[slot] = NONE;
      this.#index.set(kept, slot);
      // #first(key) just looked `key` up: it is the last key, and now has this chain.
      this.#lastFirst = slot;
    } else {
      // Second in the chain: the first slot, and the Map, stay as they are.
      this.#keys[slot] = this.#keys[first];
      this.#sameKey[slot] = this.#sameKey[first] as number;
      this.#sameKey[first] = slot;
    }
    this.#values[slot] = value;
    this.#expires[slot] = expiresAt;
    this.#spaces[slot] = space;
    this.#size += 1;
    this.#append(slot);
    return slot;
  }

  /** Lets go of the key in `slot` (a slot that holds one). */
  delete(slot: number): void {
    const key = this.#keys[slot] as string;
    const first = this.#first(key);
    const next = this.#sameKey[slot] as number;
    if (slot === first) {
      if (next === NONE) this.#index.delete(key);
      else this.#index.set(key, next);
      // #first(key) just looked `key` up: the chain now starts at the next slot, or is gone.
      this.#lastFirst = next;
    } else {
      let before = first;
      while (this.#sameKey[before] !== slot) before = this.#sameKey[before] as number;
      this.#sameKey[before] = next;
    }
    this.#size -= 1;
    this.#keys[slot] = undefined;
    this.#values[slot] = undefined;
    this.#generations[slot] = ((this.#generations[slot] as number) + 1) >>> 0;
    this.#unlink(slot);
    this.#newer[slot] = this.#freeSlot;
    this.#freeSlot = slot;
  }

  #append(slot: number): void {
    this.#older[slot] = this.#newest;
    this.#newer[slot] = NONE;
    if (this.#newest === NONE) this.#oldest = slot;
    else this.#newer[this.#newest] = slot;
    this.#newest = slot;
  }

  #unlink(slot: number): void {
    const older = this.#older[slot] as number;
    const newer = this.#newer[slot] as number;
    if (older === NONE) this.#oldest = newer;
    else this.#newer[older] = newer;
    if (newer === NONE) this.#newest = older;
    else this.#older[newer] = older;
  }
}
