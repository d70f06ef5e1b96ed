// The sandbox's options, checked once at start (lib/sandbox/options.ts): the defaults, each
// bound on both sides, and the exact TypeError or RangeError message a bad option gets, which is
// what a user reads. resolveOptions() is what startDingSandbox() calls first; the last test goes
// through startDingSandbox() itself.
import { describe, expect, it } from 'vitest';
import { startDingSandbox } from '../../lib/sandbox/index.js';
import { resolveOptions } from '../../lib/sandbox/options.js';
import type { DingSandboxOptions } from '../../lib/sandbox/types.js';

const PHONE = '+15551234567';
/** What a JavaScript caller could pass, past the types. */
const loose = (options: unknown): DingSandboxOptions => options as DingSandboxOptions;

const refused = (options: unknown, type: typeof TypeError | typeof RangeError, message: string): void => {
  let thrown: unknown;
  try {
    resolveOptions(loose(options));
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(type);
  expect((thrown as Error).message).toBe(message);
};

describe('resolveOptions: defaults', () => {
  it('with no options (or {}): loopback, port 0, random credentials, 6 digits, 10 min, 5 checks, 30 s, 3 retries, no latency, Date.now', () => {
    for (const s of [resolveOptions(), resolveOptions({})]) {
      expect(s).toEqual({
        host: '127.0.0.1',
        port: 0,
        apiKey: expect.stringMatching(/^sandbox_[0-9a-f]{32}$/),
        customerUuid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        codeLength: 6,
        ttlMs: 600_000,
        maxAttempts: 5,
        cooldownMs: 30_000,
        maxRetries: 3,
        latencyMs: 0,
        now: Date.now,
        onCode: undefined,
        numbers: new Map(),
        preludeNumbers: new Map(),
      });
    }
  });

  it('keeps what it is given; a customer UUID in upper case is lowered; seconds become ms', () => {
    const now = (): number => 42;
    const onCode = (): void => {};
    const s = resolveOptions({
      host: '::1',
      port: 65535,
      apiKey: '!~',
      customerUuid: 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE',
      codeLength: 12,
      ttlSeconds: 1.5,
      maxAttempts: 1_000_000,
      retryCooldownSeconds: 0,
      maxRetries: 0,
      latencyMs: 2 ** 31 - 1,
      now,
      onCode,
      numbers: { [PHONE]: 'rate_limited', '+15551230000': { lookup: { carrier: 'X', number_ported: true } } },
      preludeNumbers: { [PHONE]: { status: 'challenged' }, '+15551230001': { lookup: { phone_number: '+15551230001' } } },
    });
    expect(s).toEqual({
      host: '::1',
      port: 65535,
      apiKey: '!~',
      customerUuid: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
      codeLength: 12,
      ttlMs: 1500,
      maxAttempts: 1_000_000,
      cooldownMs: 0,
      maxRetries: 0,
      latencyMs: 2 ** 31 - 1,
      now,
      onCode,
      numbers: new Map<string, unknown>([
        [PHONE, 'rate_limited'],
        ['+15551230000', { lookup: { carrier: 'X', number_ported: true } }],
      ]),
      preludeNumbers: new Map<string, unknown>([
        [PHONE, { status: 'challenged' }],
        ['+15551230001', { lookup: { phone_number: '+15551230001' } }],
      ]),
    });
    expect(resolveOptions({ codeLength: 1, maxAttempts: 1, port: 0, latencyMs: 0 })).toMatchObject({ codeLength: 1, maxAttempts: 1, port: 0, latencyMs: 0 });
  });
});

describe('resolveOptions: refusals, with their messages', () => {
  it('options that are not an object', () => {
    refused(null, TypeError, 'DingSandbox: options must be an object');
    refused('x', TypeError, 'DingSandbox: options must be an object');
  });

  it('integers: each side of each bound, and a fraction', () => {
    refused({ port: -1 }, RangeError, 'DingSandbox: port must be an integer from 0 to 65535');
    refused({ port: 65536 }, RangeError, 'DingSandbox: port must be an integer from 0 to 65535');
    refused({ codeLength: 0 }, RangeError, 'DingSandbox: codeLength must be an integer from 1 to 12');
    refused({ codeLength: 13 }, RangeError, 'DingSandbox: codeLength must be an integer from 1 to 12');
    refused({ codeLength: 4.5 }, RangeError, 'DingSandbox: codeLength must be an integer from 1 to 12');
    refused({ maxAttempts: 0 }, RangeError, 'DingSandbox: maxAttempts must be an integer from 1 to 1000000');
    refused({ maxAttempts: 1_000_001 }, RangeError, 'DingSandbox: maxAttempts must be an integer from 1 to 1000000');
    refused({ maxRetries: -1 }, RangeError, 'DingSandbox: maxRetries must be an integer from 0 to 1000000');
    refused({ maxRetries: 1_000_001 }, RangeError, 'DingSandbox: maxRetries must be an integer from 0 to 1000000');
  });

  it('durations: positive or non-negative, finite, numbers, at most 2^31-1 ms', () => {
    refused({ ttlSeconds: 0 }, RangeError, 'DingSandbox: ttlSeconds must be a positive finite number');
    refused({ ttlSeconds: -1 }, RangeError, 'DingSandbox: ttlSeconds must be a positive finite number');
    refused({ ttlSeconds: Number.POSITIVE_INFINITY }, RangeError, 'DingSandbox: ttlSeconds must be a positive finite number');
    refused({ retryCooldownSeconds: -0.001 }, RangeError, 'DingSandbox: retryCooldownSeconds must be a non-negative finite number');
    refused({ latencyMs: Number.NaN }, RangeError, 'DingSandbox: latencyMs must be a non-negative finite number');
    refused({ latencyMs: 2 ** 31 }, RangeError, 'DingSandbox: latencyMs must be a non-negative finite number');
    // '5' * 1 is 5: only the type test refuses a string.
    refused({ latencyMs: '5' }, RangeError, 'DingSandbox: latencyMs must be a non-negative finite number');
    refused({ ttlSeconds: '5' }, RangeError, 'DingSandbox: ttlSeconds must be a positive finite number');
  });

  it('apiKey: a non-empty string of visible ASCII', () => {
    const message = 'DingSandbox: apiKey must be a non-empty string of visible ASCII characters';
    refused({ apiKey: '' }, TypeError, message);
    refused({ apiKey: 42 }, TypeError, message);
    refused({ apiKey: 'a b' }, TypeError, message);
    refused({ apiKey: 'ab\x7f' }, TypeError, message);
    refused({ apiKey: 'clé' }, TypeError, message);
  });

  it('customerUuid, host, now, onCode', () => {
    refused({ customerUuid: 'nope' }, TypeError, 'DingSandbox: customerUuid must be a UUID');
    refused({ customerUuid: 42 }, TypeError, 'DingSandbox: customerUuid must be a UUID');
    // A String object whose text is a UUID: the pattern test alone would stringify it.
    refused({ customerUuid: new String('11111111-2222-4333-8444-555555555555') }, TypeError, 'DingSandbox: customerUuid must be a UUID');
    refused({ host: '' }, TypeError, 'DingSandbox: host must be a string');
    refused({ host: 1 }, TypeError, 'DingSandbox: host must be a string');
    refused({ now: 1 }, TypeError, 'DingSandbox: now must be a function');
    refused({ onCode: 'log' }, TypeError, 'DingSandbox: onCode must be a function');
  });

  it('numbers: an object of E.164 keys to a named behaviour or a valid { lookup }', () => {
    refused({ numbers: 'x' }, TypeError, 'DingSandbox: numbers must be an object');
    refused({ numbers: null }, TypeError, 'DingSandbox: numbers must be an object');
    refused({ numbers: { '5551234': 'rate_limited' } }, TypeError, 'DingSandbox: numbers keys must be E.164 numbers');
    const unknown =
      'DingSandbox: unknown behaviour for a number in numbers (one of rate_limited, spam_detected, blocked_number, unsupported_region, invalid_line, undeliverable, or { lookup })';
    // A function carrying a `lookup` object is no script either.
    for (const behavior of ['explode', 42, null, {}, { lookup: null }, { lookup: 'x' }, Object.assign(() => undefined, { lookup: {} })]) {
      refused({ numbers: { [PHONE]: behavior } }, TypeError, unknown);
    }
    expect(() => resolveOptions(loose({ numbers: { [PHONE]: { lookup: { line_type: 'Landline' } } } }))).toThrow(/^DingSandbox: numbers: lookup\.line_type must be one of CallingCards, FixedLine, /);
    refused({ numbers: { [PHONE]: { lookup: { colour: 'red' } } } }, TypeError, "DingSandbox: numbers: lookup.colour is not a field of Ding's lookup answer");
  });

  it('preludeNumbers: an object of E.164 keys to a valid script', () => {
    refused({ preludeNumbers: 'x' }, TypeError, 'DingSandbox: preludeNumbers must be an object');
    refused({ preludeNumbers: null }, TypeError, 'DingSandbox: preludeNumbers must be an object');
    refused({ preludeNumbers: { '5551234': { status: 'challenged' } } }, TypeError, 'DingSandbox: preludeNumbers keys must be E.164 numbers');
    refused({ preludeNumbers: { [PHONE]: { status: 'maybe' } } }, TypeError, 'DingSandbox: unknown behaviour for a number in preludeNumbers');
    refused({ preludeNumbers: { [PHONE]: { lookup: { colour: 'red' } } } }, TypeError, "DingSandbox: preludeNumbers: lookup.colour is not a field of Prelude's lookup answer");
  });
});

it('startDingSandbox() rejects with the same message, before it listens', async () => {
  await expect(startDingSandbox({ codeLength: 13 })).rejects.toThrow(new RangeError('DingSandbox: codeLength must be an integer from 1 to 12'));
});
