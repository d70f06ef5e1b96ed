// Abuse limits: what may be sent (per phone, address, network, number block, country, in all),
// what may be checked (wrong codes per phone and per address, consecutive wrong codes per phone),
// the resend cooldown across sessions, and who owns a verification window. The strategy reserves
// points before it calls the provider and gives them back when the provider was never reached, so:
//
// - a refused request spends nothing (not even on the rule that refused it), and
// - concurrent requests cannot slip past a limit: every reservation is one atomic batch in the
//   store (one Lua script in Redis), shared by all app instances when the store is Redis.
//
// A store that fails (Redis down) is a fault, never a reason to send: the caller gets a
// LimitStoreError and no code goes out.

import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { LimitStoreError } from '../errors.js';
import { blockKey, ipKey, networkKey, phoneKey } from './keys.js';
import { MemoryStore } from './memory-store.js';
import type { LimitName, LimitSettings, ResolvedRule } from './options.js';
import { RedisStore } from './redis-store.js';
import type { CounterStore, Hit } from './store.js';

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
}

// Short codes keep memory keys small (each byte is kept once per sender); Redis keys say the name.
const CODES: Record<RefusingRule | 'owner', [memory: string, redis: string]> = {
  sendsPerPhone: ['P', 'sends-phone:'],
  sendsPerIp: ['I', 'sends-ip:'],
  sendsPerNetwork: ['N', 'sends-network:'],
  sendsPerNumberBlock: ['B', 'sends-block:'],
  sendsPerCountry: ['C', 'sends-country:'],
  sendsGlobal: ['G', 'sends-global'],
  failedChecksPerPhone: ['F', 'failed-checks-phone:'],
  failedChecksPerIp: ['J', 'failed-checks-ip:'],
  consecutiveFailuresPerPhone: ['X', 'consecutive-failures-phone:'],
  resendCooldown: ['R', 'resend-cooldown:'],
  owner: ['O', 'owner:'],
};

/** A store error as a plain LimitStoreError: a Redis client error can hold the connection and its options. */
function storeError(err: unknown): LimitStoreError {
  const cause = new Error(err instanceof Error ? err.message : String(err));
  if (err instanceof Error) cause.name = err.name;
  delete cause.stack;
  return new LimitStoreError('The rate-limit store failed, so no code was sent or checked', { cause });
}

async function guarded<T>(step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (err) {
    throw storeError(err);
  }
}

function secondsFrom(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** A grant inside this module: `claim()` settles it once, for a release or a clear. */
interface Reserved extends LimitGrant {
  claim(): boolean;
}

/** One counter of a reservation: the hit (with its limit, `points`) and the rule it stands for. */
interface Counted {
  hit: Hit & { points: number };
  rule: RefusingRule;
}

/** The country of an E.164 number (ISO 3166-1 alpha-2), `ZZ` when the metadata cannot say. */
function countryOf(e164: string): string {
  return parsePhoneNumberFromString(e164)?.country ?? 'ZZ';
}

export class Limits {
  readonly #store: CounterStore;
  readonly #rules: LimitSettings['rules'];
  readonly #secret: Buffer | undefined;
  readonly #redis: boolean;
  readonly #prefix: string;

  constructor(settings: LimitSettings, now: () => number = Date.now) {
    this.#secret = settings.keySecret;
    this.#rules = settings.rules;
    this.#redis = settings.store.kind === 'redis';
    this.#prefix = settings.store.kind === 'redis' ? settings.store.prefix : '';
    this.#store = settings.store.kind === 'redis' ? new RedisStore(settings.store.client) : new MemoryStore(settings.store.maxKeys, now);
  }

  /** The store (tests read its size). */
  get store(): CounterStore {
    return this.#store;
  }

  #key(rule: RefusingRule | 'owner', key: string): string {
    const [memory, redis] = CODES[rule];
    return this.#redis ? `${this.#prefix}${redis}${key}` : `${memory}${key}`;
  }

  #counted(rule: LimitName, key: string, add: 0 | 1 = 1, slide = false, points?: number): Counted | undefined {
    const r: ResolvedRule | undefined = this.#rules[rule];
    if (!r) return undefined;
    return { hit: { key: this.#key(rule, key), add, windowMs: r.durationSeconds * 1000, slide, points: points ?? r.points }, rule };
  }

  /**
   * Reserves one send to `phoneNumber` (E.164) for the client `ip`: a point of every send rule,
   * and the number's resend cooldown (`cooldownMs`, 0 for none), which holds across sessions and,
   * with Redis, across instances. A number locked by consecutive wrong codes is refused too.
   * `country`: the number's, when the caller has it (a parse costs tens of microseconds); without
   * it, the per-country budget parses the number.
   */
  async reserveSend(phoneNumber: string, ip: string | undefined, cooldownMs = 0, country?: string): Promise<LimitDecision> {
    const secret = this.#secret;
    const phone = phoneKey(phoneNumber, secret);
    const rules = this.#rules;
    const wanted: Array<Counted | undefined> = [
      cooldownMs > 0 ? { hit: { key: this.#key('resendCooldown', phone), add: 1, windowMs: cooldownMs, slide: false, points: 1 }, rule: 'resendCooldown' } : undefined,
      this.#counted('consecutiveFailuresPerPhone', phone, 0),
      this.#counted('sendsPerPhone', phone),
      rules.sendsPerIp && this.#counted('sendsPerIp', ipKey(ip, secret)),
      rules.sendsPerNetwork && this.#counted('sendsPerNetwork', networkKey(ip, secret)),
      rules.sendsPerNumberBlock && this.#counted('sendsPerNumberBlock', blockKey(phoneNumber, rules.sendsPerNumberBlock.digits ?? 3, secret)),
      rules.sendsPerCountry && this.#country(rules.sendsPerCountry, country ?? countryOf(phoneNumber)),
      this.#counted('sendsGlobal', ''),
    ];
    const decision = await this.#reserve(wanted.filter((c): c is Counted => c !== undefined));
    return decision.ok ? { ok: true, release: decision.release } : decision;
  }

  #country(rule: ResolvedRule, country: string): Counted | undefined {
    return this.#counted('sendsPerCountry', country, 1, false, rule.countries?.get(country));
  }

  /**
   * Reserves one wrong code for `phoneNumber` from `ip` before the code is checked. Keep it when
   * the code was wrong, `release()` it when the provider said anything else or could not be
   * reached, and `clear()` it when the code was right.
   */
  async reserveFailedCheck(phoneNumber: string, ip?: string): Promise<LimitRefusal | FailedCheckGrant> {
    // The phone's key is made once for the reservation and whatever follows it.
    const phone = phoneKey(phoneNumber, this.#secret);
    const perPhone = this.#counted('failedChecksPerPhone', phone);
    const consecutive = this.#counted('consecutiveFailuresPerPhone', phone, 1, true);
    const perIp = this.#rules.failedChecksPerIp ? this.#counted('failedChecksPerIp', ipKey(ip, this.#secret)) : undefined;
    const decision = await this.#reserve([perPhone, consecutive, perIp].filter((c): c is Counted => c !== undefined));
    if (!decision.ok) return decision;
    return {
      ok: true,
      release: decision.release,
      clear: async () => {
        // The owner of the phone is back: the phone's counts start again; the address keeps its
        // other wrong codes and gets this point back; a new login may send at once.
        if (!decision.claim()) return;
        const forget = [perPhone?.hit.key, consecutive?.hit.key, this.#key('resendCooldown', phone)].filter((k): k is string => k !== undefined);
        await guarded(Promise.all([this.#store.forget(forget), perIp ? this.#store.giveBack([perIp.hit.key]) : undefined]));
      },
    };
  }

  /** A right code: the phone's wrong-code counts start again (also what `clear()` does). */
  async clearFailedChecks(phoneNumber: string): Promise<void> {
    const phone = phoneKey(phoneNumber, this.#secret);
    await guarded(this.#store.forget([this.#key('failedChecksPerPhone', phone), this.#key('consecutiveFailuresPerPhone', phone)]));
  }

  /**
   * The operator's reset of a number: its wrong-code counts (the consecutive-failure lock too),
   * its send count and resend cooldown. For a user who proved who they are another way.
   */
  async resetPhone(phoneNumber: string): Promise<void> {
    const phone = phoneKey(phoneNumber, this.#secret);
    const rules: RefusingRule[] = ['failedChecksPerPhone', 'consecutiveFailuresPerPhone', 'sendsPerPhone', 'resendCooldown'];
    await guarded(this.#store.forget(rules.map((r) => this.#key(r, phone))));
  }

  /** Makes `owner` the owner of the number's verification window for `ttlMs`. */
  async takeWindow(phoneNumber: string, owner: string, ttlMs: number): Promise<void> {
    await guarded(this.#store.mark(this.#key('owner', phoneKey(phoneNumber, this.#secret)), owner, ttlMs));
  }

  /** Whether `owner` still owns the number's window (no other session has sent to it since). */
  async ownsWindow(phoneNumber: string, owner: string | undefined): Promise<boolean> {
    if (owner === undefined) return false;
    return (await guarded(this.#store.readMark(this.#key('owner', phoneKey(phoneNumber, this.#secret))))) === owner;
  }

  /** The window is spent (a right code): `owner`'s mark goes, unless another session took it since. */
  async leaveWindow(phoneNumber: string, owner: string): Promise<void> {
    await guarded(this.#store.unmark(this.#key('owner', phoneKey(phoneNumber, this.#secret)), owner));
  }

  async #reserve(wanted: Counted[]): Promise<LimitRefusal | Reserved> {
    const counts = await guarded(this.#store.hit(wanted.map((c) => c.hit)));
    // Every counted point is given back on a refusal or a release; read-only hits hold none.
    const held = wanted.filter((c) => c.hit.add === 1).map((c) => c.hit.key);
    let refusal: LimitRefusal | undefined;
    counts.forEach(({ count, msLeft }, i) => {
      const c = wanted[i] as Counted;
      const over = c.hit.add === 1 ? count > c.hit.points : count >= c.hit.points;
      if (!over) return;
      const candidate: LimitRefusal = { ok: false, retryAfter: secondsFrom(msLeft), rule: c.rule };
      // The cooldown says more to the user (retry_too_soon) than any budget; among budgets, the longest wait.
      if (!refusal || c.rule === 'resendCooldown' || (refusal.rule !== 'resendCooldown' && candidate.retryAfter > refusal.retryAfter)) refusal = candidate;
    });

    let settled = false;
    const claim = (): boolean => {
      if (settled) return false;
      settled = true;
      return true;
    };
    const release = async (): Promise<void> => {
      if (claim()) await guarded(this.#store.giveBack(held));
    };
    if (refusal) {
      // Best effort: the request is refused either way, and a store that just failed may fail again.
      await release().catch(() => undefined);
      return refusal;
    }
    return { ok: true, release, claim };
  }
}
