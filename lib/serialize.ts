// Checks of one pending verification, one at a time in this process.
//
// Every request carries its own copy of the session, loaded before it started, so concurrent
// wrong codes from one session would all see the same "5 attempts left" and could spend 10
// provider attempts between them. Here they queue per verification id, and a small ledger keeps
// what this process learned from each check: the fewest attempts left, or that the verification
// is finished (validated, expired, dropped). A queued request then decides from that, not from its
// stale copy, and the provider sees no more checks than the budget allows.
//
// Resends of one verification queue the same way (a double-click must not pay for two SMS), and
// a second ledger keeps the cooldown and count the last resend left, for the same reason.
//
// Across processes the queue sees nothing: with a Redis limit store each wrong code of a
// verification is counted there too (../limits/limits.ts, reserveFailedCheck), and the per-phone
// failed-check limit and the provider's own attempt limit hold as well.
//
// Bounded, since every key here comes from a session (user input): the two ledgers keep at most
// `maxEntries` ids each (default 10,000; expired ones go first, then the oldest, and a request
// whose id went falls back to its session's own count), and the queue holds one entry per id with a check or resend
// running or waiting, each waiting one a request in flight: at most as many as the server has
// requests open, and gone when they settle.

import { NONE, SlotTable } from './slot-table.js';

/** What this process learned from resends of one verification (see `resent`). */
export interface ResendState {
  nextRetryAt: number;
  remainingRetries?: number;
}

/** The attempts ledger's value once a verification is finished (otherwise: the fewest attempts left seen). */
const FINISHED = -1;

export class CheckSerializer {
  readonly #tails = new Map<string, Promise<void>>();
  /** Per verification id: the fewest attempts left seen, or FINISHED; it expires with the verification. */
  readonly #ledger: SlotTable<number>;
  readonly #resends: SlotTable<ResendState>;

  /** `maxEntries` bounds each ledger; the oldest entries go first (they fall back to the session's count). */
  constructor(maxEntries = 10_000) {
    this.#ledger = new SlotTable(maxEntries);
    this.#resends = new SlotTable(maxEntries);
  }

  /** Runs `task` after every earlier task for `id` has settled. */
  run<T>(id: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(id);
    // Nothing queued (the usual case): start now rather than a microtask later.
    const result = previous ? previous.then(task) : task();
    // Settles once the task has, either way; the last task of an id takes the id out of the map.
    const settle = (): void => {
      if (this.#tails.get(id) === tail) this.#tails.delete(id);
    };
    const tail: Promise<void> = result.then(settle, settle);
    this.#tails.set(id, tail);
    return result;
  }

  /**
   * Attempts left for `id`: the session's count, or fewer when this process has seen more wrong
   * codes; `'finished'` when a check here already ended the verification.
   */
  attemptsLeft(id: string, fromSession: number, now: number): number | 'finished' {
    const ledger = this.#ledger;
    const slot = ledger.slotOf(id);
    if (slot === NONE || ledger.expiresAt(slot) <= now) return fromSession;
    const left = ledger.valueAt(slot) as number;
    if (left === FINISHED) return 'finished';
    return Math.min(fromSession, left);
  }

  /** A wrong code: `left` attempts remain for `id` until `until` (epoch ms). */
  recordLeft(id: string, left: number, until: number, now: number): void {
    bounded(this.#ledger, id, Math.max(0, left), until, now);
  }

  /**
   * A new send got `id` back (Prelude keeps one id for every send within its window): the code
   * just sent starts with the session's fresh count, not with what this process saw of the id's
   * earlier codes.
   */
  restart(id: string): void {
    const slot = this.#ledger.slotOf(id);
    if (slot !== NONE) this.#ledger.delete(slot);
  }

  /** The verification ended (validated, expired, dropped): later checks must not reach the provider. */
  finish(id: string, until: number, now: number): void {
    bounded(this.#ledger, id, FINISHED, until, now);
  }

  /**
   * The resend state for `id`: the session's, or a later cooldown and fewer resends left when a
   * resend in this process already moved them on.
   */
  resendState(id: string, fromSession: ResendState, now: number): ResendState {
    const resends = this.#resends;
    const slot = resends.slotOf(id);
    if (slot === NONE || resends.expiresAt(slot) <= now) return fromSession;
    const entry = resends.valueAt(slot) as ResendState;
    const state: ResendState = { nextRetryAt: Math.max(fromSession.nextRetryAt, entry.nextRetryAt) };
    const counts = [fromSession.remainingRetries, entry.remainingRetries].filter((n): n is number => n !== undefined);
    if (counts.length > 0) state.remainingRetries = Math.min(...counts);
    return state;
  }

  /** A resend of `id` (sent or refused by the provider) left this state, of use until `until`. */
  resent(id: string, state: ResendState, until: number, now: number): void {
    const entry: ResendState = { nextRetryAt: state.nextRetryAt };
    if (state.remainingRetries !== undefined) entry.remainingRetries = state.remainingRetries;
    bounded(this.#resends, id, entry, until, now);
  }

  /** Entries in the ledger and ids with tasks queued or running (for tests). */
  get size(): { ledger: number; queued: number } {
    return { ledger: this.#ledger.size, queued: this.#tails.size };
  }
}

/**
 * Sets `id` newest in `table` (reads do not touch, so the order is that of the last write), which
 * drops the oldest entry past the bound, then drops expired entries from the oldest end. A bounded
 * `Map` would do the same in insertion order, but finding its oldest entry (its first key) steps
 * over every slot deleted since the table was last rebuilt: at the bound, each insert costs time
 * in proportion to the bound (about 11 µs at 10,000 entries), where the table's list costs none.
 */
function bounded<V>(table: SlotTable<V>, id: string, value: V, until: number, now: number): void {
  const slot = table.slotOf(id);
  if (slot === NONE) table.add(id, value, until);
  else {
    table.setValue(slot, value);
    table.setExpiry(slot, until);
    table.touch(slot);
  }
  for (let oldest = table.oldest; oldest !== NONE && table.expiresAt(oldest) <= now; oldest = table.oldest) table.delete(oldest);
}
