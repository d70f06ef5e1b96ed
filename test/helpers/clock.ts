// One clock for the sandbox and the strategy: the sandbox's `advance()` moves its own clock, and
// `advance` here moves both, so expiry and cooldowns are tested without sleeping.
import type { DingSandbox } from 'passport-ding/sandbox';

export interface TestClock {
  now: () => number;
  advance: (ms: number) => void;
}

export function linkedClock(sandbox: DingSandbox): TestClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms: number) {
      sandbox.advance(ms);
      offset += ms;
    },
  };
}
