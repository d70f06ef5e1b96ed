// Abuse limits: what may be sent (per phone, address, network, number block, country, in all),
// what may be checked (wrong codes per phone and per address, consecutive wrong codes per phone,
// and with Redis each verification's wrong codes), the resend cooldown across sessions, and who
// owns a verification window. The strategy reserves points before it calls the provider and gives
// them back when the provider was never reached, so:
//
// - a refused request spends nothing (not even on the rule that refused it), and
// - concurrent requests cannot slip past a limit: every reservation is one atomic batch in the
//   store (one Lua script in Redis), shared by all app instances when the store is Redis.
//
// A store that fails (Redis down) is a fault, never a reason to send: the caller gets a
// LimitStoreError and no code goes out.

import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { LimitStoreError } from '../errors.js';
import { blockKey, ipKey, networkKey, phoneKey, verificationKey } from './keys.js';
import { MemoryStore } from './memory-store.js';
import type { LimitName, LimitSettings, ResolvedRule } from './options.js';
import { RedisStore } from './redis-store.js';
import type { Count, CounterStore, Hit, StoreKey } from './store.js';

/** Points were reserved; `release()` gives them back (at most once). */
export interface LimitGrant {
  ok: true;
  release(): Promise<void>;
}

/**
 * What refused: a limit rule (see `LimitName`), or `resendCooldown` (a code went to this number
 * less than `resendCooldownSeconds` ago, from any session). For events and logs only: the
 * client's answer never says which rule refused.
 */
export type RefusingRule = LimitName | 'resendCooldown';

/** A limit is reached; try again in `retryAfter` seconds. */
export interface LimitRefusal {
  ok: false;
  /** Whole seconds until the window that refused ends, at least 1. */
  retryAfter: number;
  /** The rule that refused, a plain string for events (e.g. `'sendsPerNumberBlock'`). */
  rule: RefusingRule;
}

export type LimitDecision = LimitGrant | LimitRefusal;

/** A reserved wrong code; `clear()` is a right code: the phone's wrong-code counts start again. */
export interface FailedCheckGrant extends LimitGrant {
  clear(): Promise<void>;
  /**
   * Wrong codes the verification has left if this one is wrong, as the shared store counts them
   * across instances (see `reserveFailedCheck`); undefined when the store does not count them.
   */
  attemptsLeft: number | undefined;
}

/**
 * The verification's own wrong-code budget (`maxAttempts`) is spent, on this instance or another
 * sharing the store: nothing more of it may be checked.
 */
export interface AttemptsSpent {
  ok: false;
  attemptsSpent: true;
}

/** One verification, as `reserveFailedCheck` counts its wrong codes: its provider id, its budget and how long it lives. */
export interface VerificationBudget {
  id: string;
  maxAttempts: number;
  /** Until the verification expires: the count is kept that long. */
  windowMs: number;
}

// Where each rule's keys go: in memory a space of the store (from 1; 0 is for plain keys), so a
// rule's key is the number's or address's key itself (../slot-table.ts says why); in Redis a key
// prefix that says the rule's name.
const CODES: Record<RefusingRule | 'owner' | 'verificationAttempts', [memorySpace: number, redis: string]> = {
  sendsPerPhone: [1, 'sends-phone:'],
  sendsPerIp: [2, 'sends-ip:'],
  sendsPerNetwork: [3, 'sends-network:'],
  sendsPerNumberBlock: [4, 'sends-block:'],
  sendsPerCountry: [5, 'sends-country:'],
  sendsGlobal: [6, 'sends-global'],
  failedChecksPerPhone: [7, 'failed-checks-phone:'],
  failedChecksPerIp: [8, 'failed-checks-ip:'],
  consecutiveFailuresPerPhone: [9, 'consecutive-failures-phone:'],
  resendCooldown: [10, 'resend-cooldown:'],
  owner: [11, 'owner:'],
  verificationAttempts: [12, 'attempts:'],
};

/** A store error as a plain LimitStoreError: a Redis client error can hold the connection and its options. */
function storeError(err: unknown): LimitStoreError {
  const cause = new Error(err instanceof Error ? err.message : String(err));
  if (err instanceof Error) cause.name = err.name;
  delete cause.stack;
  return new LimitStoreError('The rate-limit store failed, so no code was sent or checked', { cause });
}

/**
 * What a store step taken once the provider has sent the code (Prelude: recording who owns the
 * number's window) fails with: still a LimitStoreError (503), but not "no code was sent", since
 * the code went out, as the step's event says (`maybeSent`). Any other error as it is.
 */
export function failedAfterSend(err: unknown): unknown {
  return err instanceof LimitStoreError ? new LimitStoreError('The rate-limit store failed after the code was sent', { cause: err.cause, codeSent: true }) : err;
}

async function guarded<T>(step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (err) {
    throw storeError(err);
  }
}

const keyOf = (where: StoreKey): string => where.key;

const ATTEMPTS_SPENT: AttemptsSpent = { ok: false, attemptsSpent: true };

function secondsFrom(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * One counter of a reservation: the store's hit, with its limit (`points`) and the rule it stands
 * for, and once the store has answered the count after the hit and the wait it reported. A class,
 * so every counter of every rule has one shape: the store reads them all at one site.
 */
class Counted implements Hit {
  readonly key: string;
  readonly space: number | undefined;
  readonly add: 0 | 1;
  readonly windowMs: number;
  readonly slide: boolean;
  readonly points: number;
  readonly rule: RefusingRule | 'verificationAttempts';
  /** The count after the hit, once the store has answered. */
  count: number | undefined = undefined;
  msLeft = 0;

  constructor(key: string, space: number | undefined, add: 0 | 1, windowMs: number, slide: boolean, points: number, rule: RefusingRule | 'verificationAttempts') {
    this.key = key;
    this.space = space;
    this.add = add;
    this.windowMs = windowMs;
    this.slide = slide;
    this.points = points;
    this.rule = rule;
  }
}

/** Reserved points: `release()` gives back the counted ones, at most once. */
class Reservation implements LimitGrant {
  readonly ok = true;
  #settled = false;
  readonly #limits: Limits;
  readonly #counted: readonly Counted[];

  constructor(limits: Limits, counted: readonly Counted[]) {
    this.#limits = limits;
    this.#counted = counted;
  }

  async release(): Promise<void> {
    if (!this.settle()) return;
    // Every counted point is given back; read-only hits hold none.
    const held: Counted[] = [];
    for (const c of this.#counted) if (c.add === 1) held.push(c);
    await this.#limits.giveBack(held);
  }

  /** True the first time: a reservation is released or cleared once, whichever comes first. */
  protected settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    return true;
  }
}

/** A reserved wrong code: `clear()` is a right code (the phone's counts start again). */
class FailedCheckReservation extends Reservation implements FailedCheckGrant {
  readonly #limits: Limits;
  readonly #forget: StoreKey[];
  readonly #perIp: StoreKey | undefined;
  readonly #attempts: Counted | undefined;

  constructor(limits: Limits, counted: readonly Counted[], forget: StoreKey[], perIp: StoreKey | undefined, attempts: Counted | undefined) {
    super(limits, counted);
    this.#limits = limits;
    this.#forget = forget;
    this.#perIp = perIp;
    this.#attempts = attempts;
  }

  get attemptsLeft(): number | undefined {
    const attempts = this.#attempts;
    return attempts?.count === undefined ? undefined : Math.max(0, attempts.points - attempts.count);
  }

  clear(): Promise<void> {
    // The owner of the phone is back: the phone's counts start again; the address keeps its
    // other wrong codes and gets this point back; a new login may send at once.
    // Not async: forgetAndGiveBack() answers with a promise, rejected rather than thrown.
    if (!this.settle()) return Promise.resolve();
    return this.#limits.forgetAndGiveBack(this.#forget, this.#perIp === undefined ? [] : [this.#perIp]);
  }
}

/** The country of an E.164 number (ISO 3166-1 alpha-2), `ZZ` when the metadata cannot say. */
function countryOf(e164: string): string {
  return parsePhoneNumberFromString(e164)?.country ?? 'ZZ';
}

/**
 * The mark a window's owner leaves when its right code gives the window back: never an owner
 * token (those are base64url, ./window.ts), so no session owns it.
 */
function givenBack(owner: string): string {
  return `given back by ${owner}`;
}

export class Limits {
  readonly #store: CounterStore;
  /** The store when it is the memory one: it answers at once, so no promise is made or awaited. */
  readonly #memory: MemoryStore | undefined;
  readonly #rules: LimitSettings['rules'];
  readonly #secret: Buffer | undefined;
  readonly #redis: boolean;
  readonly #prefix: string;

  constructor(settings: LimitSettings, now: () => number = Date.now) {
    this.#secret = settings.keySecret;
    this.#rules = settings.rules;
    this.#redis = settings.store.kind === 'redis';
    this.#prefix = settings.store.kind === 'redis' ? settings.store.prefix : '';
    if (settings.store.kind === 'redis') {
      this.#memory = undefined;
      this.#store = new RedisStore(settings.store.client, settings.store.timeoutMs);
    } else {
      // A shared store (memoryLimitStore()) runs on its own clock, given where it was made.
      this.#memory = settings.store.shared?.memory ?? new MemoryStore(settings.store.maxKeys, now);
      this.#store = this.#memory;
    }
  }

  /** The store (tests read its size). */
  get store(): CounterStore {
    return this.#store;
  }

  /** The store's key of `rule` for `key` (a number's or an address's key): see CODES. */
  #key(rule: keyof typeof CODES, key: string): StoreKey {
    const [space, redis] = CODES[rule];
    return this.#redis ? { key: `${this.#prefix}${redis}${key}` } : { key, space };
  }

  /** A counter of `rule` for `key` (as #key() places it). */
  #counter(rule: RefusingRule | 'verificationAttempts', key: string, add: 0 | 1, windowMs: number, slide: boolean, points: number): Counted {
    const [space, redis] = CODES[rule];
    return this.#redis ? new Counted(`${this.#prefix}${redis}${key}`, undefined, add, windowMs, slide, points, rule) : new Counted(key, space, add, windowMs, slide, points, rule);
  }

  /** Adds a counter of `rule` for `key` to `wanted`, if the rule is on; returns it. */
  #count(wanted: Counted[], rule: LimitName, key: string, add: 0 | 1 = 1, slide = false, points?: number): Counted | undefined {
    const r: ResolvedRule | undefined = this.#rules[rule];
    if (!r) return undefined;
    const counted = this.#counter(rule, key, add, r.durationSeconds * 1000, slide, points ?? r.points);
    wanted.push(counted);
    return counted;
  }

  /**
   * Reserves one send to `phoneNumber` (E.164) for the client `ip`: a point of every send rule,
   * and the number's resend cooldown (`cooldownMs`, 0 for none), which holds across sessions and,
   * with Redis, across instances. A number locked by consecutive wrong codes is refused too.
   * `country`: the number's, when the caller has it (a parse costs tens of microseconds); without
   * it, the per-country budget parses the number.
   */
  reserveSend(phoneNumber: string, ip: string | undefined, cooldownMs = 0, country?: string): Promise<LimitDecision> {
    // Not async (a promise fewer per send from memory); a throw still comes back as a rejection.
    try {
      const secret = this.#secret;
      const phone = phoneKey(phoneNumber, secret);
      const rules = this.#rules;
      const wanted: Counted[] = [];
      if (cooldownMs > 0) wanted.push(this.#counter('resendCooldown', phone, 1, cooldownMs, false, 1));
      this.#count(wanted, 'consecutiveFailuresPerPhone', phone, 0);
      this.#count(wanted, 'sendsPerPhone', phone);
      if (rules.sendsPerIp) this.#count(wanted, 'sendsPerIp', ipKey(ip, secret));
      if (rules.sendsPerNetwork) this.#count(wanted, 'sendsPerNetwork', networkKey(ip, secret));
      if (rules.sendsPerNumberBlock) this.#count(wanted, 'sendsPerNumberBlock', blockKey(phoneNumber, rules.sendsPerNumberBlock.digits ?? 3, secret));
      if (rules.sendsPerCountry) {
        const where = country ?? countryOf(phoneNumber);
        this.#count(wanted, 'sendsPerCountry', where, 1, false, rules.sendsPerCountry.countries?.get(where));
      }
      this.#count(wanted, 'sendsGlobal', '');
      return this.#reserve(wanted, new Reservation(this, wanted));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Reserves one wrong code for `phoneNumber` from `ip` before the code is checked. Keep it when
   * the code was wrong, `release()` it when the provider said anything else or could not be
   * reached, and `clear()` it when the code was right.
   *
   * With `verification`, and a Redis store, the verification's own wrong codes are counted there
   * too, against `maxAttempts`: each instance's check queue counts only what reached it, so two
   * instances would otherwise check up to twice the budget of one verification between them.
   * Past it: `AttemptsSpent`. (In one process the check queue's count is exact already.)
   */
  reserveFailedCheck(phoneNumber: string, ip?: string): Promise<LimitRefusal | FailedCheckGrant>;
  reserveFailedCheck(phoneNumber: string, ip: string | undefined, verification: VerificationBudget): Promise<LimitRefusal | AttemptsSpent | FailedCheckGrant>;
  reserveFailedCheck(phoneNumber: string, ip?: string, verification?: VerificationBudget): Promise<LimitRefusal | AttemptsSpent | FailedCheckGrant> {
    // Not async (a promise fewer per check from memory); a throw still comes back as a rejection.
    try {
      // The phone's key is made once for the reservation and whatever follows it.
      const phone = phoneKey(phoneNumber, this.#secret);
      const wanted: Counted[] = [];
      let attempts: Counted | undefined;
      if (verification !== undefined && this.#redis) {
        attempts = this.#counter('verificationAttempts', verificationKey(verification.id, this.#secret), 1, verification.windowMs, false, verification.maxAttempts);
        wanted.push(attempts);
      }
      const perPhone = this.#count(wanted, 'failedChecksPerPhone', phone);
      const consecutive = this.#count(wanted, 'consecutiveFailuresPerPhone', phone, 1, true);
      const perIp = this.#rules.failedChecksPerIp ? this.#count(wanted, 'failedChecksPerIp', ipKey(ip, this.#secret)) : undefined;
      // A right code forgets the phone's counts and its resend cooldown (and the verification's
      // count, of no use any more); the address gets its point back.
      const forget = [this.#key('resendCooldown', phone)];
      if (perPhone) forget.push(perPhone);
      if (consecutive) forget.push(consecutive);
      if (attempts) forget.push(attempts);
      const decision = this.#reserve(wanted, new FailedCheckReservation(this, wanted, forget, perIp, attempts));
      return attempts === undefined ? decision : spentOr(decision, attempts);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * A new send got verification `id` back: its own wrong-code count (Redis only, see
   * `reserveFailedCheck`) starts again, as the session's does.
   */
  async restartVerification(id: string): Promise<void> {
    if (!this.#redis) return;
    await this.forgetAndGiveBack([this.#key('verificationAttempts', verificationKey(id, this.#secret))], []);
  }

  /** A right code: the phone's wrong-code counts start again (also what `clear()` does). */
  async clearFailedChecks(phoneNumber: string): Promise<void> {
    const phone = phoneKey(phoneNumber, this.#secret);
    await this.forgetAndGiveBack([this.#key('failedChecksPerPhone', phone), this.#key('consecutiveFailuresPerPhone', phone)], []);
  }

  /**
   * The operator's reset of a number: its wrong-code counts (the consecutive-failure lock too),
   * its send count and resend cooldown. For a user who proved who they are another way.
   */
  async resetPhone(phoneNumber: string): Promise<void> {
    const phone = phoneKey(phoneNumber, this.#secret);
    const rules: RefusingRule[] = ['failedChecksPerPhone', 'consecutiveFailuresPerPhone', 'sendsPerPhone', 'resendCooldown'];
    await this.forgetAndGiveBack(rules.map((r) => this.#key(r, phone)), []);
  }

  /** Where the owner of the number's verification window is marked. */
  #ownerKey(phoneNumber: string): StoreKey {
    return this.#key('owner', phoneKey(phoneNumber, this.#secret));
  }

  /** Makes `owner` the owner of the number's verification window for `ttlMs`. */
  async takeWindow(phoneNumber: string, owner: string, ttlMs: number): Promise<void> {
    const { key, space } = this.#ownerKey(phoneNumber);
    await guarded(this.#store.mark(key, owner, ttlMs, space));
  }

  /**
   * Who holds the number's window: `owner` ('owner'); nobody, since `owner`'s right code gave it
   * back ('given back'); another session, which has sent to it since ('other'); or nobody at all
   * ('none': lapsed with its code, or a store that restarted empty).
   */
  async windowHolder(phoneNumber: string, owner: string | undefined): Promise<'owner' | 'given back' | 'other' | 'none'> {
    const { key, space } = this.#ownerKey(phoneNumber);
    const mark = await guarded(this.#store.readMark(key, space));
    if (mark === undefined) return 'none';
    if (owner === undefined) return 'other';
    return mark === owner ? 'owner' : mark === givenBack(owner) ? 'given back' : 'other';
  }

  /**
   * The window is spent (a right code): `owner`'s mark becomes a "given back by `owner`" mark, for
   * the rest of its life, unless another session took it since. Not deleted: a request of the
   * owner's session still on its way (a double tap on another instance) must tell this apart from
   * a window it lost, which it clears from its session (../actions/verify.ts).
   */
  async leaveWindow(phoneNumber: string, owner: string): Promise<void> {
    const { key, space } = this.#ownerKey(phoneNumber);
    await guarded(this.#store.replaceMark(key, owner, givenBack(owner), space));
  }

  /** For reservations: one point back on each key. */
  async giveBack(keys: readonly StoreKey[]): Promise<void> {
    if (keys.length === 0) return;
    const memory = this.#memory;
    if (!memory) return guarded(this.#store.giveBack(keys.map(keyOf)));
    try {
      memory.giveBackSync(keys);
    } catch (err) {
      throw storeError(err);
    }
  }

  /**
   * For reservations: deletes `forget` and gives one point back on each of `giveBack`. Not async
   * (a right code's clear() from memory makes no async step); a failure is a rejection all the same.
   */
  forgetAndGiveBack(forget: readonly StoreKey[], giveBack: readonly StoreKey[]): Promise<void> {
    const memory = this.#memory;
    if (!memory) return forgetAndGiveBackIn(this.#store, forget, giveBack);
    try {
      memory.forgetSync(forget);
      memory.giveBackSync(giveBack);
    } catch (err) {
      return Promise.reject(storeError(err));
    }
    return Promise.resolve();
  }

  /**
   * Hits `wanted` and decides; a verification's count is the caller's to read (`count`), never a
   * refusal here. From memory the counts come at once (a failure there is a bug, not an outage,
   * but reads the same), and a grant is a promise already resolved: no async step per reservation.
   */
  #reserve<R extends Reservation>(wanted: Counted[], reservation: R): Promise<LimitRefusal | R> {
    const memory = this.#memory;
    if (!memory) return reserveWith(guarded(this.#store.hit(wanted)), wanted, reservation);
    try {
      memory.countSync(wanted);
    } catch (err) {
      return Promise.reject(storeError(err));
    }
    const refusal = refusalOf(wanted);
    return refusal ? refused(reservation, refusal) : Promise.resolve(reservation);
  }
}

/** forgetAndGiveBack() in a store that answers later (Redis). */
async function forgetAndGiveBackIn(store: CounterStore, forget: readonly StoreKey[], giveBack: readonly StoreKey[]): Promise<void> {
  await guarded(Promise.all([store.forget(forget.map(keyOf)), giveBack.length > 0 ? store.giveBack(giveBack.map(keyOf)) : undefined]));
}

/** #reserve() with a store's answer to come (Redis). */
async function reserveWith<R extends Reservation>(answer: Promise<Count[]>, wanted: Counted[], reservation: R): Promise<LimitRefusal | R> {
  const counts = await answer;
  for (let i = 0; i < wanted.length; i++) {
    const c = wanted[i] as Counted;
    const { count, msLeft } = counts[i] as Count;
    c.count = count;
    c.msLeft = msLeft;
  }
  const refusal = refusalOf(wanted);
  return refusal ? refused(reservation, refusal) : reservation;
}

/** The refusal the counts of `wanted` (counted) call for, if any. */
function refusalOf(wanted: readonly Counted[]): LimitRefusal | undefined {
  let refusal: LimitRefusal | undefined;
  for (const c of wanted) {
    const count = c.count as number;
    const over = c.add === 1 ? count > c.points : count >= c.points;
    if (!over || c.rule === 'verificationAttempts') continue;
    const candidate: LimitRefusal = { ok: false, retryAfter: secondsFrom(c.msLeft), rule: c.rule };
    // The cooldown says more to the user (retry_too_soon) than any budget; among budgets, the longest wait.
    if (!refusal || c.rule === 'resendCooldown' || (refusal.rule !== 'resendCooldown' && candidate.retryAfter > refusal.retryAfter)) refusal = candidate;
  }
  return refusal;
}

/** A refused reservation gives its points back (best effort: the request is refused either way, and a store that just failed may fail again). */
async function refused(reservation: Reservation, refusal: LimitRefusal): Promise<LimitRefusal> {
  await reservation.release().catch(() => undefined);
  return refusal;
}

/** The check's decision, unless the verification is spent: no wait makes it checkable again, so that beats any budget's refusal. */
async function spentOr(decision: Promise<LimitRefusal | FailedCheckGrant>, attempts: Counted): Promise<LimitRefusal | AttemptsSpent | FailedCheckGrant> {
  const answer = await decision;
  if (attempts.count !== undefined && attempts.count > attempts.points) {
    if (answer.ok) await answer.release().catch(() => undefined);
    return ATTEMPTS_SPENT;
  }
  return answer;
}
