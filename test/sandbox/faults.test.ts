// The core's fault queue (lib/sandbox/core/faults.ts), which `sandbox.fail()` fills: first in,
// first out, each fault for its next N matching calls, and the exact messages of its refusals.
import { describe, expect, it } from 'vitest';
import { FaultQueue } from '../../lib/sandbox/core/faults.js';
import { withSandbox } from '../helpers/sandbox-io.js';

const MODES = 'http500, http503, timeout, reset, bad_json, forbidden, unknown_status_value';

describe('FaultQueue', () => {
  it('a fault for any operation, then one for a named one: each call takes the first that matches, for its times', () => {
    const q = new FaultQueue(['create', 'check']);
    expect(q.take('create')).toBeUndefined();
    q.add({ mode: 'http503', operation: 'check', times: 2 });
    q.add({ mode: 'reset' });
    expect(q.take('create')).toBe('reset');
    expect(q.take('create')).toBeUndefined();
    expect(q.take('check')).toBe('http503');
    q.add({ mode: 'http500', times: 1 });
    expect(q.take('check')).toBe('http503');
    expect(q.take('check')).toBe('http500');
    expect(q.take('check')).toBeUndefined();
    q.add({ mode: 'timeout', times: 3 });
    q.clear();
    expect(q.take('create')).toBeUndefined();
  });

  it('refuses a fault that is not an object, an unknown mode, a bad count or an unknown operation, with its message', () => {
    const q = new FaultQueue(['create', 'check']);
    const mode = `DingSandbox: fail() mode must be one of ${MODES}`;
    for (const bad of [null, 'http500', { mode: 'explode' }, {}]) {
      expect(() => q.add(bad as never)).toThrow(new TypeError(mode));
    }
    for (const times of [0, -1, 1.5]) {
      expect(() => q.add({ mode: 'http500', times })).toThrow(new RangeError('DingSandbox: fail() times must be a positive integer'));
    }
    expect(() => q.add({ mode: 'http500', operation: 'sendSms' })).toThrow(new TypeError('DingSandbox: fail() operation must be one of create, check'));
    // Nothing refused was armed.
    expect(q.take('create')).toBeUndefined();
  });
});

it('sandbox.fail() names both APIs\' operations in its refusal', async () => {
  await withSandbox(async (sb) => {
    // @ts-expect-error: an unknown operation, as a JavaScript caller could pass
    expect(() => sb.fail({ mode: 'http500', operation: 'sendSms' })).toThrow(/^DingSandbox: fail\(\) operation must be one of .*create.*createVerification/);
  });
});
