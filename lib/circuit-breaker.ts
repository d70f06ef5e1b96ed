// A circuit breaker per API client: after `failures` consecutive faults (timeouts, connection
// failures, 5xx), calls fail at once with OtpUnavailableError('circuit_open') for `cooldownMs`;
// then one call is let through as a probe (the others wait for its answer): if it succeeds the
// circuit closes, if it faults it opens for another cooldown. A dead provider is then called once
// per cooldown instead of by every login, and users get their 503 at once instead of after the
// deadline.
//
// The state machine is cockatiel's (zero dependencies, typed, maintained; its 3.x line supports
// Node 16+). What counts as a fault is decided here: a refusal (a 4xx, a refused key, a 429) means
// the provider is up and answering, so it counts as a success and ends a run of faults.

import { BrokenCircuitError, circuitBreaker, CircuitState, ConsecutiveBreaker, handleAll, type CircuitBreakerPolicy } from 'cockatiel';
import { OtpUnavailableError } from './errors.js';

/** The `circuitBreaker` option: when to open the circuit and for how long. */
export interface CircuitBreakerOptions {
  /** Consecutive faults that open the circuit. Default 5. */
  failures?: number | undefined;
  /** How long an open circuit fails fast before one probe, in milliseconds. Default 10 000. */
  cooldownMs?: number | undefined;
}

/** The circuit breaker every built-in provider gets unless told otherwise. */
// Spelled out, not Required<CircuitBreakerOptions>: under exactOptionalPropertyTypes that keeps
// the options' `| undefined`, and these values are always there.
export const DEFAULT_CIRCUIT_BREAKER: { readonly failures: number; readonly cooldownMs: number } = { failures: 5, cooldownMs: 10_000 };

/** Faults that say the provider is down or broken; everything else is an answer. */
export function isProviderFault(err: unknown): boolean {
  if (!(err instanceof OtpUnavailableError)) return false;
  if (err.reason === 'timeout' || err.reason === 'connection') return true;
  return err.reason === 'server_error' && (err.upstreamStatus === undefined || err.upstreamStatus >= 500);
}

const noop = (): Promise<void> => Promise.resolve();

/** A call's answer or refusal, carried through the policy so refusals do not count as faults. */
type Settled<T> = { value: T } | { refusal: unknown };

export class CircuitBreaker {
  readonly #service: string;
  readonly #failures: number;
  readonly #cooldownMs: number;
  readonly #policy: CircuitBreakerPolicy;
  #openedAt = 0;
  /** A fault was counted and no answer since: the next answer ends the run in cockatiel's count. */
  #faulted = false;

  /** `service` names the API in the error (`Prelude`, `Ding`). */
  constructor(service: string, options: CircuitBreakerOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('circuitBreaker must be an object or false');
    const failures = options.failures ?? DEFAULT_CIRCUIT_BREAKER.failures;
    const cooldownMs = options.cooldownMs ?? DEFAULT_CIRCUIT_BREAKER.cooldownMs;
    if (!Number.isInteger(failures) || failures < 1) throw new TypeError('circuitBreaker.failures must be a positive integer');
    if (!Number.isInteger(cooldownMs) || cooldownMs < 1) throw new TypeError('circuitBreaker.cooldownMs must be a positive integer');
    this.#service = service;
    this.#failures = failures;
    this.#cooldownMs = cooldownMs;
    this.#policy = circuitBreaker(handleAll, { halfOpenAfter: cooldownMs, breaker: new ConsecutiveBreaker(failures) });
    this.#policy.onBreak(() => {
      this.#openedAt = Date.now();
    });
  }

  /**
   * True in the usual state: a call then runs as it is and reports how it ended with settle().
   * Open and half-open, calls go through run(), so cockatiel's cooldown and probe decide.
   */
  get closed(): boolean {
    return this.#policy.state === CircuitState.Closed;
  }

  /**
   * How a call made while closed ended: `failed` with `err`, or answered. Cockatiel hears only what
   * moves its count (a fault, or the first answer after faults): its execute() would add async
   * steps and allocations to every provider call. Undefined when there is nothing to tell; else
   * await it before passing the call's outcome on.
   */
  settle(failed: boolean, err?: unknown): Promise<void> | undefined {
    if (failed && isProviderFault(err)) return this.#tell(() => Promise.reject(err), true);
    return this.#faulted ? this.#tell(noop, false) : undefined;
  }

  /** Runs `call` unless the circuit is open; an open circuit throws OtpUnavailableError('circuit_open'). */
  async run<T>(call: () => Promise<T>): Promise<T> {
    if (!this.closed) return this.#throughPolicy(call);
    let value: T;
    try {
      value = await call();
    } catch (err) {
      const telling = this.settle(true, err);
      if (telling) await telling;
      throw err;
    }
    const telling = this.settle(false);
    if (telling) await telling;
    return value;
  }

  /** Counts a fault (`fault`) or an answer in cockatiel's state machine, as if `outcome` had been the call. */
  async #tell(outcome: () => Promise<void>, fault: boolean): Promise<void> {
    this.#faulted = fault;
    // Its error (the fault told, or BrokenCircuitError when another call opened the circuit first) is no news.
    await this.#policy.execute(outcome).catch(() => undefined);
  }

  /** The call inside cockatiel's policy: it fails fast while open and lets one probe through when half-open. */
  async #throughPolicy<T>(call: () => Promise<T>): Promise<T> {
    let settled: Settled<T>;
    try {
      settled = await this.#policy.execute(async (): Promise<Settled<T>> => {
        try {
          return { value: await call() };
        } catch (err) {
          if (isProviderFault(err)) throw err;
          return { refusal: err };
        }
      });
    } catch (err) {
      if (err instanceof BrokenCircuitError) throw this.#open();
      throw err;
    }
    this.#faulted = false;
    if ('refusal' in settled) throw settled.refusal;
    return settled.value;
  }

  #open(): OtpUnavailableError {
    const leftMs = Math.max(0, this.#openedAt + this.#cooldownMs - Date.now());
    return new OtpUnavailableError(
      'circuit_open',
      `${this.#service}: not called for ${this.#cooldownMs} ms after ${this.#failures} consecutive faults`,
      { retryAfter: Math.max(1, Math.ceil(leftMs / 1000)) },
    );
  }
}
