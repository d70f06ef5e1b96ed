// PreludeClient's own checks and names, exactly: the TypeError for each bad option or argument
// (raised before any request), where the /v2 prefix goes for each form of base URL, the lookup
// path, empty signals left off, the operation each fault message names, the refused-key hint, and
// the API key redacted from an API error text. Against the scripted loopback upstream.
import { describe, expect, it } from 'vitest';
import { OtpApiError, OtpAuthError } from '../../../lib/errors.js';
import { PreludeClient, type PreludeClientOptions } from '../../../lib/providers/prelude/client.js';
import { failure } from '../../helpers/errors.js';
import { fileUpstream } from '../../helpers/upstream.js';

const API_KEY = 'stub_key_7a20c4e9';
const PHONE = '+33612345678';
const CREATED = { id: 'vrf_1', status: 'success', method: 'message' };

const clients: PreludeClient[] = [];
const upstream = fileUpstream(clients);

function client(options: Partial<PreludeClientOptions> = {}): PreludeClient {
  const c = new PreludeClient({ apiKey: API_KEY, baseUrl: upstream.url, circuitBreaker: false, ...options });
  clients.push(c);
  return c;
}

describe('construction', () => {
  it.each<[string, unknown, string]>([
    ['no options', undefined, 'PreludeClient requires options'],
    ['null', null, 'PreludeClient requires options'],
    ['no apiKey', {}, 'PreludeClient requires an apiKey (a non-empty string without spaces)'],
  ])('%s: %s', (_what, options, message) => {
    expect(() => new PreludeClient(options as PreludeClientOptions)).toThrow(new TypeError(message));
  });

  it('adds /v2 unless the base path already ends in it', async () => {
    upstream.answer({ status: 200, body: CREATED });
    for (const path of ['', '/', '/v2', '/v2/', '/v2//', '/v2/proxy', '/api/v2', '/v20']) {
      await client({ baseUrl: `${upstream.url}${path}` }).createVerification({ phoneNumber: PHONE });
    }
    expect(upstream.seen.map((r) => r.url)).toEqual([
      '/v2/verification',
      '/v2/verification',
      '/v2/verification',
      '/v2/verification',
      '/v2/verification',
      '/v2/proxy/v2/verification',
      '/api/v2/verification',
      '/v20/v2/verification',
    ]);
  });

  it('refuses a base path ending in /v1 (Ding V1, the sandbox url), naming sandbox.preludeUrl', () => {
    const message =
      "PreludeClient: `baseUrl` ends in /v1, the Ding V1 API (the sandbox's `sandbox.url`); Prelude Verify V2 takes `sandbox.preludeUrl` or https://api.prelude.dev";
    for (const path of ['/v1', '/v1/', '/v1//', '/api/v1']) {
      expect(() => client({ baseUrl: `${upstream.url}${path}` }), path).toThrow(new TypeError(message));
    }
    expect(() => new PreludeClient({ apiKey: API_KEY, baseUrl: 'https://api.ding.live/v1' })).toThrow(new TypeError(message));
  });

  it('a /v1 elsewhere in the path is no Ding base: /v2 is added as for any other path', async () => {
    upstream.answer({ status: 200, body: CREATED });
    for (const path of ['/v1/proxy', '/v10', '/v1x']) {
      await client({ baseUrl: `${upstream.url}${path}` }).createVerification({ phoneNumber: PHONE });
    }
    expect(upstream.seen.map((r) => r.url)).toEqual(['/v1/proxy/v2/verification', '/v10/v2/verification', '/v1x/v2/verification']);
  });

  it('a base URL that is not a string, or does not parse, gets the HTTP layer\'s message, not the /v1 one', () => {
    // A URL object ending in /v1: only a string is read as a base, so the type message comes first.
    expect(() => client({ baseUrl: new URL(`${upstream.url}/v1`) as unknown as string })).toThrow(
      new TypeError('baseUrl must be a non-empty string'),
    );
    expect(() => client({ baseUrl: 'not a url' })).toThrow(new TypeError('baseUrl must be an absolute URL'));
  });
});

describe('each argument is checked by name before any request', () => {
  it.each<[string, (c: PreludeClient) => Promise<unknown>, string]>([
    ['createVerification()', (c) => c.createVerification(undefined as never), 'phoneNumber must be a non-empty string'],
    ['checkVerification()', (c) => c.checkVerification(undefined as never), 'phoneNumber must be a non-empty string'],
    ['checkVerification() without a code', (c) => c.checkVerification({ phoneNumber: PHONE, code: '' }), 'code must be a non-empty string'],
    ['lookup()', (c) => c.lookup(''), 'phoneNumber must be a non-empty string'],
  ])('%s', async (_what, call, message) => {
    const err = await failure(call(client()));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe(message);
    expect(upstream.seen).toHaveLength(0);
  });
});

describe('what goes on the wire', () => {
  it('signals with nothing set, or only absent values, send no signals', async () => {
    upstream.answer({ status: 200, body: CREATED });
    const c = client();
    await c.createVerification({ phoneNumber: PHONE, signals: {} });
    await c.createVerification({
      phoneNumber: PHONE,
      signals: { ip: undefined, deviceId: undefined, devicePlatform: undefined, deviceModel: undefined, osVersion: undefined, appVersion: undefined, userAgent: undefined, ja4Fingerprint: undefined },
    });
    for (const r of upstream.seen) expect(r.text).toBe(JSON.stringify({ target: { type: 'phone_number', value: PHONE } }));
  });

  it('a WebOTP domain goes as app_realm web', async () => {
    upstream.answer({ status: 200, body: CREATED });
    await client().createVerification({ phoneNumber: PHONE, webOtpDomain: 'example.com' });
    expect(upstream.seen[0]?.body).toEqual({ target: { type: 'phone_number', value: PHONE }, options: { app_realm: { platform: 'web', value: 'example.com' } } });
  });

  it('lookup: the leading + as it is, every other + encoded, cnam only when true', async () => {
    upstream.answer({ status: 200, body: {} });
    const c = client();
    await c.lookup(PHONE);
    await c.lookup('+33+6', { cnam: true });
    await c.lookup(PHONE, { cnam: 'yes' as never });
    await c.lookup('33+6');
    expect(upstream.seen.map((r) => r.url)).toEqual([`/v2/lookup/${PHONE}`, '/v2/lookup/+33%2B6?type=cnam', `/v2/lookup/${PHONE}`, '/v2/lookup/33%2B6']);
  });
});

describe('what a fault says', () => {
  it.each<[string, (c: PreludeClient) => Promise<unknown>]>([
    ['createVerification', (c) => c.createVerification({ phoneNumber: PHONE })],
    ['checkVerification', (c) => c.checkVerification({ phoneNumber: PHONE, code: '1234' })],
    ['lookup', (c) => c.lookup(PHONE)],
  ])('%s: names Prelude and the operation', async (operation, call) => {
    upstream.answer({ status: 500, body: {} });
    expect((await failure(call(client()))).message).toBe(`Prelude ${operation}: unexpected HTTP 500`);
  });

  it('a refused key: the hint given, with the status', async () => {
    upstream.answer({ status: 403, body: {} });
    const err = await failure(client({ authErrorHint: 'Try a V1 key' }).createVerification({ phoneNumber: PHONE }));
    expect(err).toBeInstanceOf(OtpAuthError);
    expect(err.message).toBe('Try a V1 key (HTTP 403)');
  });

  it.each([400, 404, 409, 422, 429])('the error body of HTTP %i is the API error, the key kept out of it', async (status) => {
    upstream.answer({ status, body: { code: 'some_code', message: `key ${API_KEY} refused`, param: `p ${API_KEY}` } });
    const err = await failure(client().createVerification({ phoneNumber: PHONE }));
    expect(err).toBeInstanceOf(OtpApiError);
    expect(err).toMatchObject({ apiCode: 'some_code', upstreamStatus: status, apiMessage: 'key [redacted] refused', param: 'p [redacted]' });
  });
});
