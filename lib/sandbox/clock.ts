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
