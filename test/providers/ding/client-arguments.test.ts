// DingClient's own checks and names, exactly: the TypeError for each bad option or argument
// (raised before any request), the operation each fault message names, the refused-key hint, and
// the API key redacted from an API error text. Against the scripted loopback upstream.
import { describe, expect, it } from 'vitest';
import { OtpApiError, OtpAuthError } from '../../../lib/errors.js';
import { DingClient, type DingClientOptions } from '../../../lib/providers/ding/client.js';
import { failure } from '../../helpers/errors.js';
import { fileUpstream } from '../../helpers/upstream.js';

const API_KEY = 'stub_key_51d7e0a3';
const CUSTOMER = '5f0c8e2a-1b3d-4c5e-8f70-a1b2c3d4e5f6';
const AUTH = '2b1c9a8e-7d6f-4e5a-9b3c-0d1e2f3a4b5c';
const PHONE = '+15551230001';

const clients: DingClient[] = [];
const upstream = fileUpstream(clients);

function client(options: Partial<DingClientOptions> = {}): DingClient {
  const c = new DingClient({ apiKey: API_KEY, customerUuid: CUSTOMER, baseUrl: `${upstream.url}/v1`, circuitBreaker: false, ...options });
  clients.push(c);
  return c;
}

describe('construction', () => {
  it.each<[string, unknown, string]>([
    ['no options', undefined, 'DingClient requires options'],
    ['null', null, 'DingClient requires options'],
    ['no apiKey', { customerUuid: CUSTOMER }, 'DingClient requires an apiKey (a non-empty string without spaces)'],
    ['no customerUuid', { apiKey: API_KEY }, 'DingClient requires a customerUuid (a UUID)'],
    ['a numeric customerUuid', { apiKey: API_KEY, customerUuid: 42 }, 'DingClient requires a customerUuid (a UUID)'],
    ['a customerUuid that is not a UUID', { apiKey: API_KEY, customerUuid: `x${CUSTOMER}` }, 'DingClient requires a customerUuid (a UUID)'],
    ['a customerUuid in a list', { apiKey: API_KEY, customerUuid: [CUSTOMER] }, 'DingClient requires a customerUuid (a UUID)'],
  ])('%s: %s', (_what, options, message) => {
    expect(() => new DingClient(options as DingClientOptions)).toThrow(new TypeError(message));
  });

  it('takes a customer UUID in capitals', async () => {
    upstream.answer({ status: 200, body: { uuid: AUTH } });
    await client({ customerUuid: CUSTOMER.toUpperCase() }).feedback({ phoneNumber: PHONE, status: 'onboarded' });
    expect(upstream.seen[0]?.body).toMatchObject({ customer_uuid: CUSTOMER.toUpperCase() });
  });
});

describe('each argument is checked by name before any request', () => {
  it.each<[string, (c: DingClient) => Promise<unknown>, string]>([
    ['createAuthentication()', (c) => c.createAuthentication(undefined as never), 'phoneNumber must be a non-empty string'],
    ['check()', (c) => c.check(undefined as never), 'authenticationUuid must be a non-empty string'],
    ['check() without a code', (c) => c.check({ authenticationUuid: AUTH, checkCode: '' }), 'checkCode must be a non-empty string'],
    ['retry()', (c) => c.retry(undefined as never), 'authenticationUuid must be a non-empty string'],
    ['feedback()', (c) => c.feedback(undefined as never), 'phoneNumber must be a non-empty string'],
    ['feedback() without a status', (c) => c.feedback({ phoneNumber: PHONE, status: '' as never }), 'status must be a non-empty string'],
    ['getAuthenticationStatus()', (c) => c.getAuthenticationStatus(''), 'authenticationUuid must be a non-empty string'],
    ['lookup()', (c) => c.lookup(''), 'phoneNumber must be a non-empty string'],
  ])('%s', async (_what, call, message) => {
    const err = await failure(call(client()));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe(message);
    expect(upstream.seen).toHaveLength(0);
  });
});

describe('what a fault says', () => {
  it.each<[string, (c: DingClient) => Promise<unknown>]>([
    ['createAuthentication', (c) => c.createAuthentication({ phoneNumber: PHONE })],
    ['check', (c) => c.check({ authenticationUuid: AUTH, checkCode: '1234' })],
    ['retry', (c) => c.retry({ authenticationUuid: AUTH })],
    ['feedback', (c) => c.feedback({ phoneNumber: PHONE, status: 'onboarded' })],
    ['getAuthenticationStatus', (c) => c.getAuthenticationStatus(AUTH)],
    ['lookup', (c) => c.lookup(PHONE)],
  ])('%s: names Ding and the operation', async (operation, call) => {
    upstream.answer({ status: 500, body: {} });
    expect((await failure(call(client()))).message).toBe(`Ding ${operation}: unexpected HTTP 500`);
  });

  it('a refused key: the hint given, with the status', async () => {
    upstream.answer({ status: 401, body: {} });
    const err = await failure(client({ authErrorHint: 'Try a V2 key' }).check({ authenticationUuid: AUTH, checkCode: '1234' }));
    expect(err).toBeInstanceOf(OtpAuthError);
    expect(err.message).toBe('Try a V2 key (HTTP 401)');
  });

  it('an API error that quotes the key keeps it out', async () => {
    upstream.answer({ status: 400, body: { code: 'bad_request', message: `bad key ${API_KEY}`, doc_url: `https://docs.test/${API_KEY}` } });
    const err = await failure(client().createAuthentication({ phoneNumber: PHONE }));
    expect(err).toBeInstanceOf(OtpApiError);
    expect(err).toMatchObject({ apiMessage: 'bad key [redacted]', docUrl: 'https://docs.test/[redacted]' });
  });
});
