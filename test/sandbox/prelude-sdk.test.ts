// Proof that the sandbox speaks Prelude Verify V2: the official client, @prelude.so/sdk 0.10.0,
// runs create, check and lookup against `sandbox.preludeUrl` over real HTTP and accepts every reply, and
// its typed errors come out for the sandbox's error answers. `maxRetries: 0`: the SDK would
// otherwise repeat a failed create (its default retries), and each create can be an SMS.
import Prelude from '@prelude.so/sdk';
import type { LookupLookupResponse } from '@prelude.so/sdk/resources/lookup';
import type { VerificationCheckResponse, VerificationCreateResponse } from '@prelude.so/sdk/resources/verification';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDingSandbox } from 'passport-ding/sandbox';
import type { DingSandbox } from 'passport-ding/sandbox';
import { wrongCode } from '../helpers/codes.js';

const PHONE = '+14155552671';
const BLOCKED = '+14155552683';
const SHADOW = '+14155552686';
const THROTTLED = '+14155552687';
const REGION = '+14155552684';
const PREMIUM = '+14155552688';
const TEMPORARY_VOIP = '+14155552689';
const MINUTE = 60_000;

// Every key and enum value the SDK's response types allow: a reply with anything else would be
// one the SDK's users could not type.
const CREATE_KEYS = ['id', 'method', 'status', 'channels', 'metadata', 'reason', 'request_id', 'silent'];
const CREATE_STATUSES = ['success', 'retry', 'blocked'];
const METHODS = ['email', 'message', 'silent', 'voice'];
const CHANNELS = ['rcs', 'silent', 'sms', 'telegram', 'viber', 'voice', 'whatsapp', 'zalo'];
const REASONS = ['expired_signature', 'in_block_list', 'invalid_phone_line', 'invalid_phone_number', 'invalid_signature', 'repeated_attempts', 'suspicious'];
const CHECK_KEYS = ['status', 'id', 'metadata', 'request_id'];
const CHECK_STATUSES = ['success', 'failure', 'expired_or_not_found'];
const LOOKUP_KEYS = ['caller_name', 'country_code', 'flags', 'line_type', 'network_info', 'original_network_info', 'phone_number'];
const LINE_TYPES = [
  'calling_cards', 'fixed_line', 'isp', 'local_rate', 'mobile', 'other', 'pager', 'payphone', 'premium_rate', 'satellite',
  'service', 'shared_cost', 'short_codes_commercial', 'toll_free', 'universal_access', 'unknown', 'vpn', 'voice_mail', 'voip',
];

function expectLookupShape(reply: LookupLookupResponse): void {
  for (const key of Object.keys(reply)) expect(LOOKUP_KEYS).toContain(key);
  if (reply.line_type !== undefined) expect(LINE_TYPES).toContain(reply.line_type);
  for (const flag of reply.flags ?? []) expect(['ported', 'temporary']).toContain(flag);
  for (const key of Object.keys(reply.network_info ?? {})) expect(['carrier_name', 'mcc', 'mnc']).toContain(key);
}

function expectCreateShape(reply: VerificationCreateResponse, newer: string[] = []): void {
  for (const key of Object.keys(reply)) expect(CREATE_KEYS).toContain(key);
  expect(reply.id).toMatch(/^vrf_[0-9a-z]{26}$/);
  expect([...CREATE_STATUSES, ...newer]).toContain(reply.status);
  expect(METHODS).toContain(reply.method);
  for (const c of reply.channels ?? []) expect(CHANNELS).toContain(c);
  if (reply.reason !== undefined) expect(REASONS).toContain(reply.reason);
  if (reply.metadata !== undefined) expect(Object.keys(reply.metadata)).toEqual(['correlation_id']);
  expect(typeof reply.request_id).toBe('string');
}

function expectCheckShape(reply: VerificationCheckResponse): void {
  for (const key of Object.keys(reply)) expect(CHECK_KEYS).toContain(key);
  expect(CHECK_STATUSES).toContain(reply.status);
  if (reply.id !== undefined) expect(reply.id).toMatch(/^vrf_/);
  expect(typeof reply.request_id).toBe('string');
}

describe('@prelude.so/sdk against the sandbox', () => {
  let sandbox: DingSandbox;
  let client: Prelude;
  const target = { type: 'phone_number' as const, value: PHONE };

  beforeAll(async () => {
    sandbox = await startDingSandbox({
      ttlSeconds: 600,
      maxAttempts: 3,
      maxRetries: 1,
      numbers: { [BLOCKED]: 'blocked_number', [REGION]: 'unsupported_region', [PREMIUM]: { lookup: { line_type: 'PremiumRate' } } },
      preludeNumbers: {
        [TEMPORARY_VOIP]: { lookup: { line_type: 'voip', flags: ['temporary'] } },
        [SHADOW]: { status: 'shadow_blocked', reason: 'suspicious' },
        [THROTTLED]: { error: 'too_many_requests', httpStatus: 429 },
      },
    });
    client = new Prelude({ apiToken: sandbox.apiKey, baseURL: sandbox.preludeUrl, maxRetries: 0, timeout: 5000 });
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(() => sandbox.reset());

  it('create (success) with every SDK 0.10.0 field, then check (success)', async () => {
    const created = await client.verification.create({
      target,
      dispatch_id: '123e4567-e89b-12d3-a456-426614174000',
      metadata: { correlation_id: 'login-42' },
      options: {
        locale: 'en-US',
        template_id: 'prelude:psd2',
        variables: { app: 'Demo' },
        sender_id: 'Demo',
        code_size: 6,
        callback_url: 'https://example.com/webhooks/prelude',
        method: 'auto',
        preferred_channel: 'sms',
        app_realm: { platform: 'android', value: 'FA+9qCX9VSu' },
      },
      signals: {
        ip: '203.0.113.7',
        device_id: 'device-1',
        device_platform: 'android',
        device_model: 'Pixel 9',
        os_version: '15',
        app_version: '1.0.0',
        user_agent: 'Mozilla/5.0',
        is_trusted_user: false,
        ja4_fingerprint: 't13d1516h2_8daaf6152771_e5627efa2ab1',
      },
    });
    expectCreateShape(created);
    expect(created).toMatchObject({ status: 'success', method: 'message', channels: ['sms'], metadata: { correlation_id: 'login-42' } });

    const code = sandbox.latestCode(PHONE) ?? '';
    expect(code).toMatch(/^\d{6}$/);
    const checked = await client.verification.check({ target, code });
    expectCheckShape(checked);
    expect(checked).toMatchObject({ status: 'success', id: created.id, metadata: { correlation_id: 'login-42' } });
    expect(sandbox.stats().byOperation).toEqual({ createVerification: 1, checkVerification: 1 });
  });

  it('check (failure) for a wrong code; the right one still works', async () => {
    await client.verification.create({ target });
    const code = sandbox.latestCode(PHONE) ?? '';
    const failed = await client.verification.check({ target, code: wrongCode(code) });
    expectCheckShape(failed);
    expect(failed.status).toBe('failure');
    expect((await client.verification.check({ target, code })).status).toBe('success');
  });

  it('create inside the window (retry) keeps the id and sends a new code; past maxRetries it is blocked', async () => {
    const first = await client.verification.create({ target });
    const again = await client.verification.create({ target });
    expectCreateShape(again);
    expect(again).toMatchObject({ status: 'retry', id: first.id });
    const blocked = await client.verification.create({ target });
    expectCreateShape(blocked);
    expect(blocked).toMatchObject({ status: 'blocked', reason: 'repeated_attempts' });
    expect((await client.verification.check({ target, code: sandbox.latestCode(PHONE) ?? '' })).status).toBe('success');
  });

  it('check past the TTL (expired_or_not_found); a create then opens a new window', async () => {
    const first = await client.verification.create({ target });
    sandbox.advance(10 * MINUTE);
    const expired = await client.verification.check({ target, code: sandbox.latestCode(PHONE) ?? '' });
    expectCheckShape(expired);
    expect(expired).toEqual({ status: 'expired_or_not_found', request_id: expect.any(String) });
    const next = await client.verification.create({ target });
    expect(next.status).toBe('success');
    expect(next.id).not.toBe(first.id);
  });

  it('check after a success, after max checks, or with nothing sent: expired_or_not_found', async () => {
    expect((await client.verification.check({ target, code: '123456' })).status).toBe('expired_or_not_found');
    await client.verification.create({ target });
    const code = sandbox.latestCode(PHONE) ?? '';
    await client.verification.check({ target, code });
    expect((await client.verification.check({ target, code })).status).toBe('expired_or_not_found');
    await client.verification.create({ target });
    const next = sandbox.latestCode(PHONE) ?? '';
    const bad = wrongCode(next);
    for (let i = 0; i < 3; i += 1) expect((await client.verification.check({ target, code: bad })).status).toBe('failure');
    expect((await client.verification.check({ target, code: next })).status).toBe('expired_or_not_found');
  });

  it('blocked, and the newer shadow_blocked, come back as create statuses', async () => {
    const blocked = await client.verification.create({ target: { type: 'phone_number', value: BLOCKED } });
    expectCreateShape(blocked);
    expect(blocked).toMatchObject({ status: 'blocked', reason: 'in_block_list' });
    // Newer than 0.10.0's types, but the SDK passes it through untouched.
    const shadow = await client.verification.create({ target: { type: 'phone_number', value: SHADOW } });
    expectCreateShape(shadow, ['shadow_blocked']);
    expect(shadow).toMatchObject({ status: 'shadow_blocked', reason: 'suspicious' });
  });

  it('errors come out as the SDK typed errors, with the V2 body', async () => {
    const wrongKey = new Prelude({ apiToken: 'not-the-key', baseURL: sandbox.preludeUrl, maxRetries: 0 });
    const auth = await wrongKey.verification.create({ target }).catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(Prelude.AuthenticationError);
    expect((auth as InstanceType<typeof Prelude.AuthenticationError>).error).toEqual({ code: 'invalid_api_key', message: expect.any(String) });

    const invalid = await client.verification.create({ target: { type: 'phone_number', value: '4155552671' } }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(Prelude.BadRequestError);
    expect((invalid as InstanceType<typeof Prelude.BadRequestError>).error).toEqual({
      code: 'invalid_phone_number',
      message: expect.any(String),
      param: 'target.value',
    });

    const region = await client.verification.create({ target: { type: 'phone_number', value: REGION } }).catch((e: unknown) => e);
    expect((region as InstanceType<typeof Prelude.BadRequestError>).error).toMatchObject({ code: 'unsupported_country' });

    const throttled = await client.verification.create({ target: { type: 'phone_number', value: THROTTLED } }).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(Prelude.RateLimitError);

    sandbox.fail({ mode: 'http500', operation: 'createVerification' });
    const internal = await client.verification.create({ target }).catch((e: unknown) => e);
    expect(internal).toBeInstanceOf(Prelude.InternalServerError);
    expect((internal as InstanceType<typeof Prelude.InternalServerError>).error).toEqual({ code: 'internal', message: expect.any(String) });
    // One call each: nothing was retried behind our back.
    expect(sandbox.stats().byOperation.createVerification).toBe(5);
  });

  it('lookup: the default line, scripted lines, cnam, and an invalid number as the SDK error', async () => {
    const mobile = await client.lookup.lookup(PHONE);
    expectLookupShape(mobile);
    expect(mobile).toEqual({
      phone_number: PHONE,
      country_code: 'US',
      line_type: 'mobile',
      flags: [],
      network_info: { carrier_name: 'AT&T', mcc: '310', mnc: '410' },
    });
    const premium = await client.lookup.lookup(PREMIUM);
    expectLookupShape(premium);
    expect(premium.line_type).toBe('premium_rate');
    const voip = await client.lookup.lookup(TEMPORARY_VOIP, { type: ['cnam'] });
    expectLookupShape(voip);
    expect(voip).toMatchObject({ line_type: 'voip', flags: ['temporary'], caller_name: 'SANDBOX CALLER' });

    const invalid = await client.lookup.lookup('4155552671').catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(Prelude.BadRequestError);
    expect((invalid as InstanceType<typeof Prelude.BadRequestError>).error).toMatchObject({ code: 'invalid_phone_number', param: 'phone_number' });
    expect(sandbox.stats().byOperation).toEqual({ lookupPhoneNumber: 4 });
  });
});
