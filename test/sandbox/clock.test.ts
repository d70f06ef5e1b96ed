// The sandbox's clocks (lib/sandbox/core/clock.ts): `sandbox.advance()` and the public
// createTestClock() that an app and a sandbox share in tests. Their steps, their refusals with
// the exact messages, and reset().
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTestClock } from '../../lib/sandbox/index.js';
import { withSandbox } from '../helpers/sandbox-io.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('createTestClock()', () => {
  it('stands still at wall time; advance() moves both clocks, advanceProvider() the sandbox alone; reset() goes back to wall time', () => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
    const clock = createTestClock();
    expect([clock.now(), clock.providerNow()]).toEqual([1_000_000, 1_000_000]);
    vi.setSystemTime(2_000_000);
    // Wall time moved; the test clock did not.
    expect([clock.now(), clock.providerNow()]).toEqual([1_000_000, 1_000_000]);
    clock.advance(500);
    expect([clock.now(), clock.providerNow()]).toEqual([1_000_500, 1_000_500]);
    clock.advanceProvider(250);
    expect([clock.now(), clock.providerNow()]).toEqual([1_000_500, 1_000_750]);
    clock.advance(0);
    clock.advanceProvider(0);
    expect([clock.now(), clock.providerNow()]).toEqual([1_000_500, 1_000_750]);
    clock.reset();
    expect([clock.now(), clock.providerNow()]).toEqual([2_000_000, 2_000_000]);
  });

  it('refuses a negative, non-finite or non-number step, with its message, and moves nothing', () => {
    const clock = createTestClock();
    const [now, providerNow] = [clock.now(), clock.providerNow()];
    const message = 'TestClock: advance(ms) takes a non-negative finite number';
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number]) {
      expect(() => clock.advance(bad)).toThrow(new RangeError(message));
      expect(() => clock.advanceProvider(bad)).toThrow(new RangeError(message));
    }
    expect([clock.now(), clock.providerNow()]).toEqual([now, providerNow]);
  });
});

describe('sandbox.advance()', () => {
  it('adds to the sandbox clock, which follows its now() option; refuses bad steps with its message', async () => {
    let base = 5_000;
    await withSandbox(async (sb) => {
      expect(sb.now()).toBe(5_000);
      sb.advance(1_000);
      expect(sb.now()).toBe(6_000);
      base = 7_000;
      expect(sb.now()).toBe(8_000);
      sb.advance(0);
      expect(sb.now()).toBe(8_000);
      const message = 'DingSandbox: advance(ms) takes a non-negative finite number';
      for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number]) {
        expect(() => sb.advance(bad)).toThrow(new RangeError(message));
      }
      expect(sb.now()).toBe(8_000);
    }, { now: () => base });
  });
});
