// Abuse limits, on rate-limiter-flexible: codes sent per phone and per client IP, and wrong codes
// per phone across verifications. The strategy reserves points before it calls the provider and
// gives them back when the provider was never reached, so:
//
// - a refused request spends nothing (not even on the limit that refused it), and
// - concurrent requests cannot slip past a limit: every consume is one atomic increment in the
//   store (a Lua script in Redis), shared by all app instances when the store is Redis.
//
// A store that fails (Redis down) is a fault, never a reason to send: the caller gets a
// LimitStoreError and no code goes out.

import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { LimitStoreError } from '../errors.js';
import { ipKey, phoneKey } from './keys.js';
import type { LimitName, LimitRule, LimitSettings } from './options.js';

/** Points were reserved; `release()` gives them back (at most once). */
export interface LimitGrant {
  ok: true;
  release(): Promise<void>;
}

/** A limit is reached; try again in `retryAfter` seconds. */
export interface LimitRefusal {
  ok: false;
  /** Whole seconds until the window that refused ends, at least 1. */
  retryAfter: number;
  /** The rule that refused (`sendsPerPhone`, ...): for events, never for the client. */
  rule: string;
}

export type LimitDecision = LimitGrant | LimitRefusal;

/** A reserved wrong code; `clear()` also forgets the phone's earlier wrong codes (a right code). */
export interface FailedCheckGrant extends LimitGrant {
  clear(): Promise<void>;
}

type Entry = [limiter: RateLimiterAbstract, key: string, name: LimitName];

const NAMES: Record<LimitName, string> = {
  sendsPerPhone: 'sends-phone',
  sendsPerIp: 'sends-ip',
  failedChecksPerPhone: 'failed-checks-phone',
};

function createLimiter(store: LimitSettings['store'], name: LimitName, rule: LimitRule): RateLimiterAbstract {
  const base = { keyPrefix: `${store.prefix}${NAMES[name]}`, points: rule.points, duration: rule.durationSeconds };
  if (store.kind === 'memory') return new RateLimiterMemory(base);
  const client = store.client as { defineCommand?: unknown };
  return new RateLimiterRedis({
    ...base,
    storeClient: client,
    // node-redis 4+ has no defineCommand (ioredis does) and needs the library told so.
    useRedisPackage: typeof client.defineCommand !== 'function',
    // Fail at once while Redis is away, instead of queueing the login behind a reconnect.
    rejectIfRedisNotReady: true,
  });
}

/** A plain copy of a store error: a Redis client error can hold the connection and its options. */
function storeError(err: unknown): LimitStoreError {
  const cause = new Error(err instanceof Error ? err.message : String(err));
  if (err instanceof Error) cause.name = err.name;
  delete cause.stack;
  return new LimitStoreError('The rate-limit store failed, so no code was sent or checked', { cause });
}

/** What a turned-off failed-check rule reserves: nothing, so there is nothing to give back. */
const NOTHING_RESERVED: FailedCheckGrant = { ok: true, release: () => Promise.resolve(), clear: () => Promise.resolve() };

function secondsFrom(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export class Limits {
  readonly #limiters: Partial<Record<LimitName, RateLimiterAbstract>> = {};
  readonly #secret: Buffer | undefined;

  constructor(settings: LimitSettings) {
    this.#secret = settings.keySecret;
    for (const name of Object.keys(NAMES) as LimitName[]) {
      const rule = settings.rules[name];
      if (rule) this.#limiters[name] = createLimiter(settings.store, name, rule);
    }
  }

  /** Reserves one send for `phoneNumber` (E.164) and one for the client `ip`. */
  reserveSend(phoneNumber: string, ip: string | undefined): Promise<LimitDecision> {
    return this.#reserve([
      ['sendsPerPhone', phoneKey(phoneNumber, this.#secret)],
      ['sendsPerIp', ipKey(ip, this.#secret)],
    ]);
  }

  /**
   * Reserves one wrong code for `phoneNumber` before the code is checked. Keep it when the code
   * was wrong, `release()` it when the provider said anything else or could not be reached, and
   * `clear()` the phone's count when the code was right.
   */
  async reserveFailedCheck(phoneNumber: string): Promise<LimitRefusal | FailedCheckGrant> {
    const limiter = this.#limiters.failedChecksPerPhone;
    if (!limiter) return NOTHING_RESERVED;
    // The key is hashed once for the reservation and whatever follows it.
    const key = phoneKey(phoneNumber, this.#secret);
    let counted: RateLimiterRes;
    try {
      counted = await limiter.consume(key);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw storeError(err);
      // A refused consume still counted: give it back, best effort (refused either way).
      await limiter.reward(key).catch(() => undefined);
      return { ok: false, retryAfter: secondsFrom(err.msBeforeNext), rule: 'failedChecksPerPhone' };
    }
    let settled = false;
    const settle = (step: () => Promise<unknown>): Promise<void> => {
      if (settled) return Promise.resolve();
      settled = true;
      return step().then(
        () => undefined,
        (err: unknown) => {
          throw storeError(err);
        },
      );
    };
    return {
      ok: true,
      release: () => settle(() => limiter.reward(key)),
      // When this reservation is the whole count, giving it back clears it, and keeps the entry
      // (in memory, its expiry timer) for the phone's next login instead of making a new one.
      clear: () => settle(() => (counted.consumedPoints <= 1 ? limiter.reward(key) : limiter.delete(key))),
    };
  }

  /** A right code: the phone's owner is back, so their wrong-code count starts again. */
  async clearFailedChecks(phoneNumber: string): Promise<void> {
    const limiter = this.#limiters.failedChecksPerPhone;
    if (!limiter) return;
    try {
      await limiter.delete(phoneKey(phoneNumber, this.#secret));
    } catch (err) {
      throw storeError(err);
    }
  }

  async #reserve(wanted: Array<[LimitName, string]>): Promise<LimitDecision> {
    const entries: Entry[] = [];
    for (const [name, key] of wanted) {
      const limiter = this.#limiters[name];
      if (limiter) entries.push([limiter, key, name]);
    }
    const results = await Promise.allSettled(entries.map(([limiter, key]) => limiter.consume(key)));

    // A refused consume still counted, so it is given back with the others.
    const counted: Entry[] = [];
    let waitMs: number | undefined;
    let rule: LimitName | undefined;
    let failure: unknown;
    results.forEach((result, i) => {
      const entry = entries[i] as Entry;
      if (result.status === 'fulfilled') {
        counted.push(entry);
      } else if (result.reason instanceof RateLimiterRes) {
        counted.push(entry);
        if (waitMs === undefined || result.reason.msBeforeNext > waitMs) rule = entry[2];
        waitMs = Math.max(waitMs ?? 0, result.reason.msBeforeNext);
      } else {
        failure = result.reason;
      }
    });

    let released = false;
    const release = async (): Promise<void> => {
      if (released) return;
      released = true;
      const rewards = await Promise.allSettled(counted.map(([limiter, key]) => limiter.reward(key)));
      const failed = rewards.find((r) => r.status === 'rejected');
      if (failed) throw storeError(failed.reason);
    };

    if (failure !== undefined || waitMs !== undefined) {
      // Best effort: the request is refused either way, and a store that just failed may fail again.
      await release().catch(() => undefined);
      if (failure !== undefined) throw storeError(failure);
      return { ok: false, retryAfter: secondsFrom(waitMs ?? 0), rule: rule ?? 'limits' };
    }
    return { ok: true, release };
  }
}
