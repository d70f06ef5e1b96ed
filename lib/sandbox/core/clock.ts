// The sandbox clock: the caller's clock (Date.now by default) plus whatever `advance()` added,
// so tests can step past expiry and cooldowns without sleeping.
export interface SandboxClock {
  now(): number;
  advance(ms: number): void;
}

export function createClock(base: () => number): SandboxClock {
  let offset = 0;
  return {
    now: () => base() + offset,
    advance(ms: number) {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
        throw new RangeError('DingSandbox: advance(ms) takes a non-negative finite number');
      }
      offset += ms;
    },
  };
}

/** RFC 3339, UTC, with `Z` (e.g. 2025-01-02T03:04:05.678Z). */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * One clock for an app and a sandbox in tests, when the sandbox's own (`sandbox.now`, which
 * follows wall time) is not enough: this one stands still (at wall time when made or reset) and
 * moves only when told, so expiry and cooldowns are tested exactly. `advanceProvider` moves the
 * sandbox's side alone, to make the provider decide before the app does.
 *
 *   const clock = createTestClock();
 *   const sandbox = await startDingSandbox({ now: clock.providerNow });
 *   new DingOtpStrategy({ ..., now: clock.now }, verify);
 */
export interface TestClock {
  /** The app's clock (epoch ms): pass as the strategy's `now` option. */
  now: () => number;
  /** The sandbox's clock (epoch ms): pass as startDingSandbox's `now` option. */
  providerNow: () => number;
  /** Moves both clocks forward by `ms`. */
  advance: (ms: number) => void;
  /** Moves the sandbox's clock alone by `ms`. */
  advanceProvider: (ms: number) => void;
  /** Both clocks back to wall time now, with no offset. */
  reset: () => void;
}

/** A clock for the app and the sandbox that stands still until told (see `TestClock`). */
export function createTestClock(): TestClock {
  let base = Date.now();
  let offset = 0;
  let providerOnly = 0;
  const step = (ms: number): number => {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new RangeError('TestClock: advance(ms) takes a non-negative finite number');
    }
    return ms;
  };
  return {
    now: () => base + offset,
    providerNow: () => base + offset + providerOnly,
    advance: (ms) => {
      offset += step(ms);
    },
    advanceProvider: (ms) => {
      providerOnly += step(ms);
    },
    reset: () => {
      base = Date.now();
      offset = 0;
      providerOnly = 0;
    },
  };
}
