// One clock for the sandbox and the strategy. It stands still (wall time at the last reset) and
// moves only when a test says so, so expiry and cooldowns are tested exactly and without sleeping. `advanceProvider` moves the sandbox's
// clock alone, to make the provider decide before the strategy does. `reset` puts both back.

export interface TestClock {
  /** The strategy's clock (epoch ms). */
  now: () => number;
  /** The sandbox's clock (epoch ms): pass as its `now` option. */
  providerNow: () => number;
  advance: (ms: number) => void;
  advanceProvider: (ms: number) => void;
  reset: () => void;
}

export function testClock(): TestClock {
  let base = Date.now();
  let offset = 0;
  let providerOnly = 0;
  return {
    now: () => base + offset,
    providerNow: () => base + offset + providerOnly,
    advance: (ms) => {
      offset += ms;
    },
    advanceProvider: (ms) => {
      providerOnly += ms;
    },
    reset: () => {
      base = Date.now();
      offset = 0;
      providerOnly = 0;
    },
  };
}
