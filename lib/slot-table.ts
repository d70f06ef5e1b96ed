// A table of at most `capacity` keys, each with a value and the time it expires, in
// least-recently-used order: under the limits' memory store (./limits/memory-store.ts) and the
// check queue's ledgers (./serialize.ts), which a login reads and writes about thirty times
// between them. Slots are numbers into flat arrays allocated once (typed arrays for the order, the
// expiry times and each slot's generation: 36 bytes a slot), so a key costs its string, its Map
// entry and a few array cells, and an update is a Map lookup and a few writes.
//
// Why not lru-cache, which the other in-process tables use: its general paths (options read per
// call, background fetches, sizes, dispose hooks; a get then a set for each increment) cost more
// per login than the whole store of the 0.1.0 release did (bench/README.md, "Against the 0.1.0
// release"). This table does what those two need and nothing else: no timers, no callbacks, and it
// never reads the clock (its callers pass the time).

/** No slot: the end of the order, or a key the table does not hold. */
export const NONE = -1;

export class SlotTable<V> {
  readonly capacity: number;
  readonly #index = new Map<string, number>();
  readonly #keys: Array<string | undefined>;
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

  constructor(capacity: number) {
    this.capacity = capacity;
    // Filled: `new Array(n)` alone past about 100,000 slots is a dictionary in V8, tens of bytes a
    // key where a filled array takes 8.
    this.#keys = new Array<string | undefined>(capacity).fill(undefined);
    this.#values = new Array<V | undefined>(capacity).fill(undefined);
    this.#expires = new Float64Array(capacity);
    this.#older = new Int32Array(capacity);
    this.#newer = new Int32Array(capacity);
    this.#generations = new Uint32Array(capacity);
  }

  /** Keys held, expired ones not yet deleted included. */
  get size(): number {
    return this.#index.size;
  }

  /** The slot of `key`, expired or not, or NONE. */
  slotOf(key: string): number {
    return this.#index.get(key) ?? NONE;
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
   * Holds `key` (not held now) with `value` until `expiresAt`, as the most recently used key;
   * when the table is full, the least recently used key goes first. Returns its slot.
   */
  add(key: string, value: V, expiresAt: number): number {
    if (this.#index.size === this.capacity) this.delete(this.#oldest);
    let slot = this.#freeSlot;
    if (slot === NONE) slot = this.#used++;
    else this.#freeSlot = this.#newer[slot] as number;
    this.#keys[slot] = key;
    this.#values[slot] = value;
    this.#expires[slot] = expiresAt;
    this.#index.set(key, slot);
    this.#append(slot);
    return slot;
  }

  /** Lets go of the key in `slot` (a slot that holds one). */
  delete(slot: number): void {
    this.#index.delete(this.#keys[slot] as string);
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
