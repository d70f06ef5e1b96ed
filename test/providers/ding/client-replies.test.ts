// DingClient's reply checking, with replies the sandbox never sends (it keeps to the contract):
// the scripted loopback upstream (test/helpers/upstream.ts) answers each request, and records
// what the client sent so the wire format can be checked byte for byte.
import { describe, expect, it } from 'vitest';
import { DingApiError, DingUnavailableError } from '../../../lib/errors.js';
import { DingClient } from '../../../lib/providers/ding/client.js';
import { maskPhoneNumbers } from '../../../lib/providers/shared/redact.js';
import { parseDateTime } from '../../../lib/providers/shared/reply-fields.js';
import { fileUpstream, type Received } from '../../helpers/upstream.js';

const API_KEY = 'stub_key_9c1e';
const CUSTOMER = '5f0c8e2a-1b3d-4c5e-8f70-a1b2c3d4e5f6';
const AUTH = '2b1c9a8e-7d6f-4e5a-9b3c-0d1e2f3a4b5c';
const AT = '2025-03-01T10:00:00Z';

const clients: DingClient[] = [];
const upstream = fileUpstream(clients);
/** What the client sent, in order, so the wire format can be checked byte for byte. */
const sent = (): Received[] => upstream.seen;

function client(): DingClient {
  const c = new DingClient({ apiKey: API_KEY, customerUuid: CUSTOMER, baseUrl: `${upstream.url}/v1` });
  clients.push(c);
  return c;
}

function answer(body: unknown, status = 200): void {
  upstream.answer({ status, body });
}

async function malformed(p: Promise<unknown>): Promise<DingUnavailableError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DingUnavailableError);
  expect(err).toMatchObject({ reason: 'malformed_response' });
  return err as DingUnavailableError;
}

describe('what goes on the wire', () => {
  it('createAuthentication: POST, snake_case, only the fields given, JSON headers, the key', async () => {
    answer({ authentication_uuid: AUTH, status: 'pending', created_at: AT });
    await client().createAuthentication({ phoneNumber: '+15551230001', deviceType: 'IOS', isReturningUser: false, locale: 'en-US' });
    const [req] = sent();
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/v1/authentication');
    expect(req?.headers['x-api-key']).toBe(API_KEY);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers.accept).toBe('application/json');
    expect(JSON.parse(req?.text ?? '')).toEqual({
      customer_uuid: CUSTOMER,
      phone_number: '+15551230001',
      device_type: 'IOS',
      is_returning_user: false,
      locale: 'en-US',
    });
  });

  it('check, retry and feedback bodies', async () => {
    const c = client();
    answer({ authentication_uuid: AUTH, status: 'valid' });
    await c.check({ authenticationUuid: AUTH, checkCode: '012345' });
    answer({ authentication_uuid: AUTH, status: 'approved' });
    await c.retry({ authenticationUuid: AUTH });
    answer({ uuid: AUTH });
    await c.feedback({ phoneNumber: '+15551230001', status: 'not_onboarded' });
    expect(sent().map((s) => [s.method, s.url, JSON.parse(s.text)])).toEqual([
      ['POST', '/v1/check', { customer_uuid: CUSTOMER, authentication_uuid: AUTH, check_code: '012345' }],
      ['POST', '/v1/retry', { customer_uuid: CUSTOMER, authentication_uuid: AUTH }],
      ['POST', '/v1/authentication/feedback', { customer_uuid: CUSTOMER, phone_number: '+15551230001', status: 'not_onboarded' }],
    ]);
  });

  it('GETs send accept but no content type and no body; status takes no customer', async () => {
    answer({ uuid: AUTH });
    await client().getAuthenticationStatus(AUTH);
    const [req] = sent();
    expect(req?.url).toBe(`/v1/authentication/${AUTH}`);
    expect(req?.headers.accept).toBe('application/json');
    expect(req?.headers['content-type']).toBeUndefined();
    expect(req?.headers['customer-uuid']).toBeUndefined();
    expect(req?.text).toBe('');
  });

  it('lookup: percent-encoded number, customer-uuid header, ?type=cnam', async () => {
    answer({ phone_number: '+15551230001' });
    const c = client();
    await c.lookup('+15551230001', { types: ['cnam'] });
    await c.lookup('+15551230001');
    await c.lookup('+1/../check', { types: [] });
    expect(sent().map((s) => s.url)).toEqual([
      '/v1/lookup/%2B15551230001?type=cnam',
      '/v1/lookup/%2B15551230001',
      '/v1/lookup/%2B1%2F..%2Fcheck',
    ]);
    expect(sent()[0]?.headers['customer-uuid']).toBe(CUSTOMER);
    expect(sent()[0]?.headers['x-api-key']).toBe(API_KEY);
  });

  it('an id with path characters stays one path segment', async () => {
    answer({ uuid: AUTH });
    await client().getAuthenticationStatus('a/b?c#d');
    expect(sent()[0]?.url).toBe('/v1/authentication/a%2Fb%3Fc%23d');
  });
});

describe('replies that are accepted', () => {
  it('pending create without expires_at (optional since 2023)', async () => {
    answer({ authentication_uuid: AUTH, status: 'pending', created_at: AT });
    expect(await client().createAuthentication({ phoneNumber: '+15551230001' })).toEqual({
      status: 'pending',
      authenticationUuid: AUTH,
      createdAt: new Date(AT),
    });
  });

  it('refused create with no id or times at all', async () => {
    answer({ status: 'spam_detected' });
    expect(await client().createAuthentication({ phoneNumber: '+15551230001' })).toEqual({ status: 'spam_detected' });
  });

  it('JSON null as an absent optional field', async () => {
    answer({ authentication_uuid: AUTH, status: 'pending', created_at: AT, expires_at: null });
    const auth = await client().createAuthentication({ phoneNumber: '+15551230001' });
    expect(auth).not.toHaveProperty('expiresAt');
  });

  it('unknown extra fields are ignored', async () => {
    answer({ authentication_uuid: AUTH, status: 'valid', extra: { nested: true } });
    expect(await client().check({ authenticationUuid: AUTH, checkCode: '1' })).toEqual({ authenticationUuid: AUTH, status: 'valid' });
  });

  it.each(['unknown', 'valid', 'invalid', 'without_attempt', 'rate_limited', 'already_validated', 'expired_auth'])(
    'check status %s',
    async (status) => {
      answer({ authentication_uuid: AUTH, status });
      expect(await client().check({ authenticationUuid: AUTH, checkCode: '1' })).toEqual({ authenticationUuid: AUTH, status });
    },
  );

  it('the echo may differ in case only', async () => {
    answer({ authentication_uuid: AUTH.toUpperCase(), status: 'valid' });
    expect((await client().check({ authenticationUuid: AUTH, checkCode: '1' })).status).toBe('valid');
  });

  it('retry with every field, offsets and nanoseconds', async () => {
    answer({
      authentication_uuid: AUTH,
      status: 'denied',
      created_at: '2025-03-01T10:00:00.123456789Z',
      next_retry_at: '2025-03-01T12:00:30+02:00',
      remaining_retry: 0,
    });
    expect(await client().retry({ authenticationUuid: AUTH })).toEqual({
      authenticationUuid: AUTH,
      status: 'denied',
      createdAt: new Date('2025-03-01T10:00:00.123Z'),
      nextRetryAt: new Date('2025-03-01T10:00:30Z'),
      remainingRetry: 0,
    });
  });

  it('status with every event kind, a newer channel and a wider device type', async () => {
    answer({
      uuid: AUTH,
      phone_number: '+15551230001',
      created_at: AT,
      signals: { device_type: 'IPADOS', is_returning_user: false },
      events: [
        { type: 'attempt', created_at: AT, id: 'a1', content: 'Your code is 123456', sender_id: 'Acme', capability: 'telegram', attempt_number: 1, status: 'pending' },
        { type: 'delivery_status', created_at: AT, status: 'in_transit', attempt_id: 'a1', attempt_number: 1, originated_at: AT },
        { type: 'check', created_at: AT, id: 'c1', code: '123456', status: 'valid' },
        { type: 'balance_update', created_at: AT, balance_update_type: 'attempt_success', amount: -0.05 },
      ],
    });
    const status = await client().getAuthenticationStatus(AUTH);
    expect(status.signals).toEqual({ deviceType: 'IPADOS', isReturningUser: false });
    expect(status.events).toEqual([
      { type: 'attempt', createdAt: new Date(AT), id: 'a1', content: 'Your code is 123456', senderId: 'Acme', capability: 'telegram', attemptNumber: 1, status: 'pending' },
      { type: 'delivery_status', createdAt: new Date(AT), status: 'in_transit', attemptId: 'a1', attemptNumber: 1, originatedAt: new Date(AT) },
      { type: 'check', createdAt: new Date(AT), id: 'c1', code: '123456', status: 'valid' },
      { type: 'balance_update', createdAt: new Date(AT), balanceUpdateType: 'attempt_success', amount: -0.05 },
    ]);
  });

  it('status without events gives an empty list', async () => {
    answer({});
    expect(await client().getAuthenticationStatus(AUTH)).toEqual({ events: [] });
  });

  it('feedback without a uuid', async () => {
    answer({});
    expect(await client().feedback({ phoneNumber: '+15551230001', status: 'onboarded' })).toEqual({});
  });

  it('400 without doc_url is still the API error', async () => {
    answer({ code: 'negative_balance', message: 'top up' }, 400);
    const err = await client().createAuthentication({ phoneNumber: '+15551230001' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DingApiError);
    expect(err).toMatchObject({ apiCode: 'negative_balance', apiMessage: 'top up', docUrl: undefined });
  });

  it('the API error message does not repeat a full phone number', async () => {
    answer({ code: 'invalid_phone_number', message: '+15551230001 is not a valid phone number', doc_url: 'https://d' }, 400);
    const err = await client().createAuthentication({ phoneNumber: '+15551230001' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ apiCode: 'invalid_phone_number', docUrl: 'https://d' });
    expect((err as DingApiError).apiMessage).not.toContain('15551230001');
    expect((err as DingApiError).apiMessage).toContain('01 is not a valid phone number');
  });
});

describe('replies that are malformed', () => {
  const create = (c: DingClient) => c.createAuthentication({ phoneNumber: '+15551230001' });
  const check = (c: DingClient) => c.check({ authenticationUuid: AUTH, checkCode: '1' });
  const retry = (c: DingClient) => c.retry({ authenticationUuid: AUTH });
  const status = (c: DingClient) => c.getAuthenticationStatus(AUTH);
  const lookup = (c: DingClient) => c.lookup('+15551230001');
  const feedback = (c: DingClient) => c.feedback({ phoneNumber: '+15551230001', status: 'onboarded' });

  it.each<[string, unknown, (c: DingClient) => Promise<unknown>]>([
    ['an array', [], create],
    ['a string', 'pending', create],
    ['null', null, check],
    ['create without status', { authentication_uuid: AUTH, created_at: AT }, create],
    ['create with an unknown status', { authentication_uuid: AUTH, status: 'approved', created_at: AT }, create],
    ['pending create without an id', { status: 'pending', created_at: AT }, create],
    ['pending create with an id that is not a UUID', { authentication_uuid: 'abc', status: 'pending', created_at: AT }, create],
    ['pending create without created_at', { authentication_uuid: AUTH, status: 'pending' }, create],
    ['a zone-less timestamp', { authentication_uuid: AUTH, status: 'pending', created_at: '2025-03-01T10:00:00' }, create],
    ['a date-only timestamp', { authentication_uuid: AUTH, status: 'pending', created_at: '2025-03-01' }, create],
    ['an impossible date', { authentication_uuid: AUTH, status: 'pending', created_at: '2025-02-30T10:00:00Z' }, create],
    ['an epoch number as a date', { authentication_uuid: AUTH, status: 'pending', created_at: 1740823200 }, create],
    ['check without status', { authentication_uuid: AUTH }, check],
    ['check with an unknown status', { status: 'expired' }, check],
    ['check status of the wrong case', { status: 'VALID' }, check],
    ['check about another authentication', { authentication_uuid: '00000000-0000-4000-8000-000000000000', status: 'valid' }, check],
    // A bare `valid` names no authentication: believing it would log in whoever posted any code.
    ['check valid without the authentication id', { status: 'valid' }, check],
    ['check invalid without the authentication id', { status: 'invalid' }, check],
    ['retry without status', { authentication_uuid: AUTH }, retry],
    ['retry with an unknown status', { status: 'queued' }, retry],
    ['retry with a negative count', { status: 'approved', remaining_retry: -1 }, retry],
    ['retry with a fractional count', { status: 'approved', remaining_retry: 1.5 }, retry],
    ['retry with a count as a string', { status: 'approved', remaining_retry: '2' }, retry],
    ['retry about another authentication', { authentication_uuid: '00000000-0000-4000-8000-000000000000', status: 'approved' }, retry],
    ['feedback uuid of the wrong type', { uuid: 42 }, feedback],
    ['status with an unknown event type', { events: [{ type: 'sms_sent', created_at: AT }] }, status],
    ['status with an event that is not an object', { events: ['attempt'] }, status],
    ['status with events that are not a list', { events: {} }, status],
    ['status with an unknown capability', { events: [{ type: 'attempt', capability: 'pigeon' }] }, status],
    ['status with an unknown device type', { signals: { device_type: 'PALM' } }, status],
    ['status with signals that are not an object', { signals: 'none' }, status],
    ['lookup with an unknown line type', { line_type: 'Landline' }, lookup],
    ['lookup with a boolean as a string', { number_ported: 'false' }, lookup],
  ])('%s', async (_name, body, call) => {
    answer(body);
    const err = await malformed(call(client()));
    // The message names the field, never the value it held.
    expect(err.message).not.toContain('+15551230001');
  });

  it.each<[string, unknown]>([
    ['an error code the contract does not list', { code: 'too_many_cats', message: 'x', doc_url: 'y' }],
    ['an error without a message', { code: 'bad_request' }],
    ['a gateway body', { message: 'Bad Request' }],
    ['a doc_url of the wrong type', { code: 'bad_request', message: 'x', doc_url: 5 }],
  ])('a 400 with %s', async (_name, body) => {
    answer(body, 400);
    const err = await malformed(client().createAuthentication({ phoneNumber: '+15551230001' }));
    expect(err.upstreamStatus).toBe(400);
  });
});

describe('parseDateTime', () => {
  it.each([
    ['2023-11-07T05:31:56Z', '2023-11-07T05:31:56.000Z'],
    ['2023-11-07t05:31:56z', '2023-11-07T05:31:56.000Z'],
    ['2023-11-07 05:31:56Z', '2023-11-07T05:31:56.000Z'],
    ['2023-11-07T05:31:56.5Z', '2023-11-07T05:31:56.500Z'],
    ['2023-11-07T05:31:56.123456789Z', '2023-11-07T05:31:56.123Z'],
    ['2023-11-07T05:31:56-05:30', '2023-11-07T11:01:56.000Z'],
    ['2024-02-29T00:00:00+00:00', '2024-02-29T00:00:00.000Z'],
  ])('%s', (input, iso) => {
    expect(parseDateTime(input)?.toISOString()).toBe(iso);
  });

  it.each([
    '2023-11-07T05:31:56',
    '2023-11-07T05:31:56+0000',
    '2023-11-07',
    '2023-02-29T00:00:00Z',
    '2023-13-01T00:00:00Z',
    '2023-11-07T24:00:00Z',
    '2023-11-07T05:60:00Z',
    '2023-11-07T05:31:56+24:00',
    'Tue, 07 Nov 2023 05:31:56 GMT',
    '',
  ])('refuses %s', (input) => {
    expect(parseDateTime(input)).toBeUndefined();
  });
});

describe('maskPhoneNumbers', () => {
  it('keeps the last two digits of anything E.164-like', () => {
    expect(maskPhoneNumbers('+15551230001 is not valid')).toBe('+•••••••••01 is not valid');
    expect(maskPhoneNumbers('+0 is not a valid phone number')).toBe('+0 is not a valid phone number');
    expect(maskPhoneNumbers('no number here')).toBe('no number here');
  });

  it.each([
    ['15551230001 is not valid', '•••••••••01 is not valid'],
    ['0015551230001 is not valid', '•••••••••••01 is not valid'],
    ['number 555 123 0001 refused', 'number ••• ••• ••01 refused'],
    ['number +1 (555) 123-0001 refused', 'number +• (•••) •••-••01 refused'],
    ['call 555.123.0001.', 'call •••.•••.••01.'],
    ['+33 6 12 34 56 78 is blocked', '+•• • •• •• •• 78 is blocked'],
    ['two: 0612345678 and 0798765432', 'two: ••••••••78 and ••••••••32'],
  ])('masks digit runs with or without +, separators inside: %s', (input, masked) => {
    expect(maskPhoneNumbers(input)).toBe(masked);
  });

  it('leaves runs of fewer than 6 digits alone (sizes, counts)', () => {
    expect(maskPhoneNumbers('code_size must be 4 to 8, got 12345')).toBe('code_size must be 4 to 8, got 12345');
    expect(maskPhoneNumbers('HTTP 429 after 3 tries')).toBe('HTTP 429 after 3 tries');
  });

  it('masks long separated runs in one pass (no backtracking blow-up on hostile input)', () => {
    const hostile = `${'1 '.repeat(20_000)}x${'1-('.repeat(20_000)}`;
    const masked = maskPhoneNumbers(hostile);
    // Two runs, each keeping its last two digits.
    expect(masked.match(/1/g)).toHaveLength(4);
    expect(masked.length).toBe(hostile.length);
  });
});
