// The argument checks both providers share (lib/providers/shared/credentials.ts): one rule for an API
// key, one for the strings each call takes, and the same TypeError from DingClient and
// PreludeProvider for the same bad value. No call reaches the network: each check runs first.
import { describe, expect, it } from 'vitest';
import { requireApiKey, requireString } from '../../../lib/providers/shared/credentials.js';
import { DingClient } from '../../../lib/providers/ding/client.js';
import { PreludeClient } from '../../../lib/providers/prelude/client.js';
import { PreludeProvider } from '../../../lib/providers/prelude/provider.js';

const CUSTOMER = '00000000-0000-4000-8000-000000000000';
// Unreachable on purpose: a check that let a bad value through would fail with a connection error.
const BASE = 'http://127.0.0.1:1';

describe('requireApiKey', () => {
  it.each([['k'], ['sk_live_ABC-123.x'], ['!~']])('accepts %j', (key) => {
    expect(() => requireApiKey(key, 'X')).not.toThrow();
  });

  it.each([[''], ['a b'], ['tab\there'], ['line\n'], ['é'], [undefined], [42], [null]])('refuses %j, naming the owner', (key) => {
    expect(() => requireApiKey(key, 'Owner')).toThrow(new TypeError('Owner requires an apiKey (a non-empty string without spaces)'));
  });

  it('is the check of both providers, with the same message', () => {
    expect(() => new DingClient({ apiKey: 'a b', customerUuid: CUSTOMER })).toThrow(
      new TypeError('DingClient requires an apiKey (a non-empty string without spaces)'),
    );
    expect(() => new PreludeClient({ apiKey: 'a b' })).toThrow(new TypeError('PreludeClient requires an apiKey (a non-empty string without spaces)'));
    // The provider builds its client from the same options, so the same check refuses it.
    expect(() => new PreludeProvider({ apiKey: 'a b' })).toThrow(new TypeError('PreludeClient requires an apiKey (a non-empty string without spaces)'));
  });
});

describe('requireString', () => {
  it('refuses an empty string or a non-string, by name', () => {
    expect(() => requireString('x', 'phoneNumber')).not.toThrow();
    for (const value of ['', undefined, 1, {}]) {
      expect(() => requireString(value, 'phoneNumber')).toThrow(new TypeError('phoneNumber must be a non-empty string'));
    }
  });

  it('guards the calls of both providers before any request', async () => {
    const ding = new DingClient({ apiKey: 'k', customerUuid: CUSTOMER, baseUrl: BASE });
    const prelude = new PreludeProvider({ apiKey: 'k', baseUrl: BASE });
    try {
      await expect(ding.check({ authenticationUuid: CUSTOMER, checkCode: '' })).rejects.toThrow(new TypeError('checkCode must be a non-empty string'));
      await expect(prelude.check({ id: 'vrf_x', phoneNumber: '', code: '1234' })).rejects.toThrow(new TypeError('phoneNumber must be a non-empty string'));
      await expect(prelude.client.checkVerification({ phoneNumber: '+15551230001', code: '' })).rejects.toThrow(new TypeError('code must be a non-empty string'));
    } finally {
      await ding.close();
      await prelude.close();
    }
  });
});
