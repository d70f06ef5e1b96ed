// The provider registry's checks (lib/providers/index.ts, providerFromOptions) called directly:
// the exact TypeError for each setup that cannot work, which provider each setup builds, and what
// counts as an OtpProvider instance. Nothing here connects: building a provider opens no socket.
// registry.test.ts drives the registry through the strategy and whole logins on the sandbox.
import { afterEach, describe, expect, it } from 'vitest';
import { DingProvider } from '../../lib/providers/ding/provider.js';
import { isOtpProvider, providerFromOptions, PROVIDER_NAMES, type ProviderOptions } from '../../lib/providers/index.js';
import { PreludeProvider } from '../../lib/providers/prelude/provider.js';
import type { OtpProvider } from '../../lib/providers/provider.js';

const NO_KEY =
  "DingOtpStrategy requires `apiKey` (a Prelude V2 key; with `customerUuid`, a Ding V1 key) or a `provider`; offline, startDingSandbox() from 'passport-ding/sandbox' gives both a key and a URL";

const UUID = '6e93aa15-9177-4d09-8395-b69ce50db1c8';
const built: OtpProvider[] = [];
afterEach(async () => {
  await Promise.all(built.splice(0).map((p) => p.close()));
});

function build(options: ProviderOptions | Record<string, unknown>): OtpProvider {
  const p = providerFromOptions(options as ProviderOptions);
  built.push(p);
  return p;
}

const custom = (): OtpProvider => ({
  name: 'custom',
  send: async () => ({ status: 'rate_limited' }),
  check: async () => ({ status: 'invalid' }),
  resend: async () => ({ status: 'exhausted' }),
  close: async () => undefined,
});

describe('isOtpProvider', () => {
  it('is true for an object with send, check, resend and close', () => {
    expect(isOtpProvider(custom())).toBe(true);
  });

  it('is false without any one of them, or for what is not an object', () => {
    for (const method of ['send', 'check', 'resend', 'close'] as const) {
      expect(isOtpProvider({ ...custom(), [method]: undefined })).toBe(false);
      expect(isOtpProvider({ ...custom(), [method]: 'not a function' })).toBe(false);
    }
    const { send, check, resend, close } = custom();
    const fn = Object.assign(() => undefined, { send, check, resend, close });
    for (const value of [null, undefined, 'prelude', 42, fn]) expect(isOtpProvider(value)).toBe(false);
  });
});

describe('which provider a setup builds', () => {
  it('names the built-in providers in registry order', () => {
    expect(PROVIDER_NAMES).toEqual(['prelude', 'ding']);
  });

  it('an instance is taken as it is', () => {
    const p = custom();
    expect(providerFromOptions({ provider: p })).toBe(p);
  });

  it('apiKey alone is Prelude, with customerUuid it is Ding; a name wins over both', () => {
    expect(build({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9/' })).toBeInstanceOf(PreludeProvider);
    expect(build({ apiKey: 'k', customerUuid: UUID, baseUrl: 'http://127.0.0.1:9/v1' })).toBeInstanceOf(DingProvider);
    expect(build({ provider: 'prelude', apiKey: 'k' })).toBeInstanceOf(PreludeProvider);
    expect(build({ provider: 'ding', apiKey: 'k', customerUuid: UUID, timeoutMs: 1234 })).toMatchObject({ name: 'ding', client: { timeoutMs: 1234 } });
  });

  it('a Ding V1 baseUrl may end in /v1 or /v1/', () => {
    for (const baseUrl of ['https://api.ding.live/v1', 'https://api.ding.live/v1/', 'http://127.0.0.1:9/x/v1']) {
      expect(build({ apiKey: 'k', customerUuid: UUID, baseUrl })).toBeInstanceOf(DingProvider);
    }
  });
});

describe('a setup that cannot work is a TypeError saying what to fix', () => {
  const instance = custom();
  it.each<[string, Record<string, unknown>, string]>([
    ['a name in capitals', { provider: 'Prelude', apiKey: 'k' }, "DingOtpStrategy: `provider` must be 'prelude' or 'ding', or an OtpProvider instance (did you mean 'prelude'?)"],
    ['a name with spaces', { provider: ' ding ', apiKey: 'k' }, "DingOtpStrategy: `provider` must be 'prelude' or 'ding', or an OtpProvider instance (did you mean 'ding'?)"],
    ['an unknown name', { provider: 'twilio' }, "DingOtpStrategy: `provider` must be 'prelude' or 'ding', or an OtpProvider instance"],
    ['a name from Object.prototype', { provider: 'toString', apiKey: 'k' }, "DingOtpStrategy: `provider` must be 'prelude' or 'ding', or an OtpProvider instance"],
    ['an instance with an apiKey', { provider: instance, apiKey: 'k' }, 'DingOtpStrategy takes either `provider` or `apiKey` (+ `customerUuid`), not both'],
    ['an instance with a customerUuid', { provider: instance, customerUuid: UUID }, 'DingOtpStrategy takes either `provider` or `apiKey` (+ `customerUuid`), not both'],
    ...(['baseUrl', 'timeoutMs', 'circuitBreaker'] as const).map((key): [string, Record<string, unknown>, string] => [
      `an instance with ${key}`,
      { provider: instance, [key]: key === 'circuitBreaker' ? false : key === 'timeoutMs' ? 1000 : 'https://x.test' },
      'DingOtpStrategy: `baseUrl`, `timeoutMs` and `circuitBreaker` belong to the provider; pass them to its constructor, not with a `provider` instance',
    ]),
    ['an object that is not a provider', { provider: { send: () => undefined } }, "DingOtpStrategy: `provider` must be 'prelude' or 'ding', or implement send, check, resend and close"],
    ['an object that only reads as a name', { provider: { toString: () => 'prelude' } }, "DingOtpStrategy: `provider` must be 'prelude' or 'ding', or implement send, check, resend and close"],
    ['no apiKey', {}, NO_KEY],
    ['an empty apiKey', { apiKey: '' }, NO_KEY],
    ['a numeric apiKey', { apiKey: 42 }, NO_KEY],
    ['a numeric customerUuid', { apiKey: 'k', customerUuid: 42 }, 'DingOtpStrategy: `customerUuid` must be a string'],
    ['a customerUuid with Prelude', { provider: 'prelude', apiKey: 'k', customerUuid: UUID }, "DingOtpStrategy: Prelude V2 takes no `customerUuid`; remove it with provider 'prelude'"],
    ["provider 'ding' without a customerUuid", { provider: 'ding', apiKey: 'k' }, "DingOtpStrategy with provider 'ding' requires `apiKey` and `customerUuid` (Ding V1 credentials)"],
    ['an empty customerUuid', { apiKey: 'k', customerUuid: '' }, "DingOtpStrategy with provider 'ding' requires `apiKey` and `customerUuid` (Ding V1 credentials)"],
    ['a customerUuid that is not a UUID', { apiKey: 'k', customerUuid: `${UUID}0` }, 'DingOtpStrategy: `customerUuid` must be your Ding customer UUID (32 hex digits as 8-4-4-4-12, from the Ding dashboard)'],
    ...['https://api.ding.live', 'https://api.ding.live/v1x', 'https://api.ding.live/v1//', 'not a url'].map((baseUrl): [string, Record<string, unknown>, string] => [
      `a Ding baseUrl ${baseUrl}`,
      { apiKey: 'k', customerUuid: UUID, baseUrl },
      "DingOtpStrategy: a Ding V1 `baseUrl` ends in /v1 (https://api.ding.live/v1, or the sandbox's `url`)",
    ]),
    ['a Ding baseUrl that is not a string', { apiKey: 'k', customerUuid: UUID, baseUrl: 42 }, 'DingOtpStrategy: baseUrl must be a non-empty string'],
    ['a client check, prefixed', { apiKey: 'k', timeoutMs: -1 }, 'DingOtpStrategy: timeoutMs must be a positive integer'],
    ['a circuit breaker check, prefixed', { apiKey: 'k', circuitBreaker: { failures: 0 } }, 'DingOtpStrategy: circuitBreaker.failures must be a positive integer'],
  ])('%s', (_what, options, message) => {
    expect(() => build(options)).toThrow(new TypeError(message));
  });
});
