// DingProvider (the OtpProvider the strategy uses) against the sandbox: each Ding status and
// documented 400 code maps to the provider's vocabulary; faults come through typed. The one
// status the sandbox never produces (check `unknown`) is played by a small node:http stub.
import { startDingSandbox, type DingSandbox } from 'passport-ding/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DingApiError, DingAuthError, DingUnavailableError } from '../../../lib/errors.js';
import { DingClient, type DingClientOptions } from '../../../lib/providers/ding/client.js';
import { DingProvider } from '../../../lib/providers/ding/provider.js';
import type { OtpProvider } from '../../../lib/providers/provider.js';
import { wrongCode } from '../../helpers/codes.js';
import { startUpstream } from '../../helpers/upstream.js';
import { until } from '../../helpers/wait.js';

const PHONE = '+15551230001';
const MISSING_UUID = '0b6f7a4e-9d7c-4a51-8e34-2f0a1b2c3d4e';

let sandbox: DingSandbox;
const providers: OtpProvider[] = [];

beforeAll(async () => {
  sandbox = await startDingSandbox({
    maxAttempts: 2,
    maxRetries: 1,
    retryCooldownSeconds: 30,
    ttlSeconds: 300,
    numbers: {
      '+15551230002': 'rate_limited',
      '+15551230003': 'spam_detected',
      '+15551230004': 'blocked_number',
      '+15551230005': 'unsupported_region',
      '+15551230006': 'invalid_line',
      '+15551230007': { lookup: { line_type: 'Voip', temporary_phone_number: true, country_code: 'CA', carrier: 'Burner' } },
    },
  });
});
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()));
  sandbox.reset();
});
afterAll(async () => {
  await sandbox.close();
});

function options(extra: Partial<DingClientOptions> = {}): DingClientOptions {
  return { apiKey: sandbox.apiKey, customerUuid: sandbox.customerUuid, baseUrl: sandbox.url, ...extra };
}

function provider(extra: Partial<DingClientOptions> = {}): DingProvider {
  const p = new DingProvider(options(extra));
  providers.push(p);
  return p;
}

async function sent(p: DingProvider, phoneNumber = PHONE): Promise<{ id: string; code: string }> {
  const result = await p.send({ phoneNumber });
  if (result.status !== 'sent') throw new Error(`expected sent, got ${result.status}`);
  return { id: result.id, code: sandbox.latestCode(phoneNumber) ?? '' };
}


describe('construction', () => {
  it('is named ding and builds its own client from options', () => {
    const p = provider();
    expect(p.name).toBe('ding');
    expect(p.client).toBeInstanceOf(DingClient);
  });

  it('takes a client to share, and closes it on close()', async () => {
    const client = new DingClient(options());
    const p = new DingProvider({ client });
    expect(p.client).toBe(client);
    expect((await p.send({ phoneNumber: PHONE })).status).toBe('sent');
    await p.close();
    await client.close();
    const err = await client.lookup(PHONE).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'connection' });
  });

  it('throws a TypeError for bad options', () => {
    expect(() => new DingProvider(undefined as unknown as DingClientOptions)).toThrow(TypeError);
    expect(() => new DingProvider({ ...options(), apiKey: '' })).toThrow(TypeError);
    expect(() => new DingProvider({ client: {} as DingClient })).toThrow(TypeError);
  });
});

describe('send', () => {
  it('sent, with the id and times', async () => {
    const result = await provider().send({ phoneNumber: PHONE });
    expect(result).toMatchObject({ status: 'sent', id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    if (result.status !== 'sent') return;
    expect(result.createdAt).toBeInstanceOf(Date);
    expect(result.expiresAt?.getTime()).toBe(result.createdAt.getTime() + 300_000);
  });

  it.each([
    ['+15551230002', { status: 'rate_limited' }],
    ['+15551230003', { status: 'blocked', reason: 'spam' }],
    ['+15551230004', { status: 'blocked', reason: 'blocked_number' }],
    ['+15551230005', { status: 'blocked', reason: 'unsupported_region' }],
    ['+15551230006', { status: 'blocked', reason: 'invalid_line' }],
    ['+0', { status: 'invalid_phone_number' }],
  ])('%s -> %o', async (phoneNumber, expected) => {
    expect(await provider().send({ phoneNumber })).toEqual(expected);
  });

  it('passes the signals Ding knows; IPv4 only, IPv4-mapped IPv6 unwrapped, user agent dropped', async () => {
    const p = provider();
    const cases = [
      ['198.51.100.4', '198.51.100.4'],
      ['::ffff:198.51.100.5', '198.51.100.5'],
      ['::FFFF:198.51.100.6', '198.51.100.6'],
      ['0:0:0:0:0:ffff:c633:6407', '198.51.100.7'],
      ['2001:db8::1', undefined],
      ['not an ip', undefined],
    ] as const;
    for (const [ip, expected] of cases) {
      const result = await p.send({
        phoneNumber: PHONE,
        signals: { ip, deviceType: 'WEB', deviceId: 'd1', deviceModel: 'm', osVersion: 'o', appVersion: 'a', userAgent: 'Mozilla/5.0', isReturningUser: true },
        locale: 'de-DE',
        correlationId: 'c-1',
        templateId: 't-1',
      });
      if (result.status !== 'sent') throw new Error(result.status);
      const status = await p.client.getAuthenticationStatus(result.id);
      expect(status.signals?.ip).toBe(expected);
      expect(status.signals).toMatchObject({ deviceType: 'WEB', deviceId: 'd1', deviceModel: 'm', osVersion: 'o', appVersion: 'a', isReturningUser: true });
      expect(status).toMatchObject({ correlationId: 'c-1', templateId: 't-1' });
    }
  });

  it('rethrows API errors that are not about the number', async () => {
    const err = await provider({ customerUuid: MISSING_UUID }).send({ phoneNumber: PHONE }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DingApiError);
    expect(err).toMatchObject({ apiCode: 'account_invalid' });
  });

  it('rethrows app_realm errors (an app bug, not a user refusal)', async () => {
    const err = await provider().send({ phoneNumber: PHONE, appRealm: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ apiCode: 'app_realm_require_device_type' });
  });
});

describe('send: a pending reply without expires_at', () => {
  it('is sent by SMS, with no expiry of its own (the strategy then applies ttlSeconds)', async () => {
    const stub = await startUpstream({ status: 200, body: { authentication_uuid: MISSING_UUID, status: 'pending', created_at: '2026-12-04T06:00:00Z' } });
    const p = new DingProvider({ apiKey: 'k', customerUuid: MISSING_UUID, baseUrl: `${stub.url}/v1` });
    try {
      const result = await p.send({ phoneNumber: PHONE });
      expect(result).toMatchObject({ status: 'sent', id: MISSING_UUID, channel: 'sms' });
      expect(result).not.toHaveProperty('expiresAt');
    } finally {
      await p.close();
      await stub.close();
    }
  });
});

describe('check', () => {
  it('valid, then already_validated', async () => {
    const p = provider();
    const { id, code } = await sent(p);
    expect(await p.check({ id, phoneNumber: PHONE, code })).toEqual({ status: 'valid' });
    expect(await p.check({ id, phoneNumber: PHONE, code })).toEqual({ status: 'already_validated' });
  });

  it('invalid, then too_many_attempts', async () => {
    const p = provider();
    const { id, code } = await sent(p);
    expect(await p.check({ id, phoneNumber: PHONE, code: wrongCode(code) })).toEqual({ status: 'invalid' });
    expect(await p.check({ id, phoneNumber: PHONE, code: wrongCode(code) })).toEqual({ status: 'invalid' });
    expect(await p.check({ id, phoneNumber: PHONE, code })).toEqual({ status: 'too_many_attempts' });
  });

  it('expired', async () => {
    const p = provider();
    const { id, code } = await sent(p);
    sandbox.advance(300_000);
    expect(await p.check({ id, phoneNumber: PHONE, code })).toEqual({ status: 'expired' });
  });

  it('no_attempt', async () => {
    const p = provider();
    const auth = await p.client.createAuthentication({ phoneNumber: '+15551230002' });
    expect(await p.check({ id: auth.authenticationUuid ?? '', phoneNumber: '+15551230002', code: '123456' })).toEqual({ status: 'no_attempt' });
  });

  it.each([MISSING_UUID, 'stale-id'])('not_found for %s', async (id) => {
    expect(await provider().check({ id, phoneNumber: PHONE, code: '123456' })).toEqual({ status: 'not_found' });
  });

  it('unknown stays unknown (never success)', async () => {
    const stub = await startUpstream({ status: 200, body: { authentication_uuid: MISSING_UUID, status: 'unknown' } });
    const p = new DingProvider({ apiKey: 'k', customerUuid: MISSING_UUID, baseUrl: `${stub.url}/v1` });
    try {
      expect(await p.check({ id: MISSING_UUID, phoneNumber: PHONE, code: '123456' })).toEqual({ status: 'unknown' });
    } finally {
      await p.close();
      await stub.close();
    }
  });
});

describe('resend', () => {
  it('too_soon during the cooldown, sent after it, exhausted when spent', async () => {
    const p = provider();
    const { id } = await sent(p);
    const tooSoon = await p.resend({ id, phoneNumber: PHONE });
    expect(tooSoon).toMatchObject({ status: 'too_soon', remainingRetries: 1 });
    expect(tooSoon.nextRetryAt).toBeInstanceOf(Date);
    // Only a resend that went out says how it went.
    expect(tooSoon).not.toHaveProperty('channel');
    sandbox.advance(30_000);
    expect(await p.resend({ id, phoneNumber: PHONE })).toMatchObject({ status: 'sent', remainingRetries: 0, channel: 'sms' });
    sandbox.advance(30_000);
    const exhausted = await p.resend({ id, phoneNumber: PHONE });
    expect(exhausted).toMatchObject({ status: 'exhausted', remainingRetries: 0 });
    expect(exhausted).not.toHaveProperty('channel');
  });

  it('expired', async () => {
    const p = provider();
    const { id } = await sent(p);
    sandbox.advance(300_000);
    expect((await p.resend({ id, phoneNumber: PHONE })).status).toBe('expired');
  });

  it('already_validated', async () => {
    const p = provider();
    const { id, code } = await sent(p);
    await p.check({ id, phoneNumber: PHONE, code });
    expect((await p.resend({ id, phoneNumber: PHONE })).status).toBe('already_validated');
  });

  it('no_attempt', async () => {
    const p = provider();
    const auth = await p.client.createAuthentication({ phoneNumber: '+15551230003' });
    expect((await p.resend({ id: auth.authenticationUuid ?? '', phoneNumber: '+15551230003' })).status).toBe('no_attempt');
  });

  it('not_found for an unknown id', async () => {
    expect(await provider().resend({ id: MISSING_UUID, phoneNumber: PHONE })).toEqual({ status: 'not_found' });
  });
});

describe('lookup', () => {
  it('LineInfo from the lookup reply', async () => {
    const p = provider();
    expect(await p.lookup(PHONE)).toEqual({ phoneNumber: PHONE, countryCode: 'US', lineType: 'Mobile', temporary: false, carrier: 'AT&T' });
    expect(await p.lookup('+15551230007')).toEqual({
      phoneNumber: '+15551230007',
      countryCode: 'CA',
      lineType: 'Voip',
      temporary: true,
      carrier: 'Burner',
    });
  });
});

describe('faults pass through typed', () => {
  it.each([
    ['http500', DingUnavailableError, { reason: 'server_error' }],
    ['timeout', DingUnavailableError, { reason: 'timeout' }],
    ['reset', DingUnavailableError, { reason: 'connection' }],
    ['bad_json', DingUnavailableError, { reason: 'malformed_response' }],
    ['unknown_status_value', DingUnavailableError, { reason: 'malformed_response' }],
    ['forbidden', DingAuthError, { upstreamStatus: 403 }],
  ] as const)('%s', async (mode, kind, props) => {
    const p = provider({ timeoutMs: 300 });
    sandbox.fail({ mode, times: 3 });
    for (const call of [
      () => p.send({ phoneNumber: PHONE }),
      () => p.check({ id: MISSING_UUID, phoneNumber: PHONE, code: '123456' }),
      () => p.resend({ id: MISSING_UUID, phoneNumber: PHONE }),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(kind);
      expect(err).toMatchObject(props);
    }
  });

  it('close() leaves no socket open', async () => {
    const p = new DingProvider(options({ connections: 4 }));
    await Promise.all(Array.from({ length: 12 }, () => p.send({ phoneNumber: PHONE })));
    expect(sandbox.stats().connectionsOpened).toBeLessThanOrEqual(4);
    await p.close();
    await until(() => sandbox.stats().openConnections === 0);
    expect(sandbox.stats().openConnections).toBe(0);
  });
});
