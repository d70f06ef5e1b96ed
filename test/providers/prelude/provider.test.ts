// PreludeProvider over real HTTP: against the sandbox's V2 endpoints for every status, block
// reason, error code and fault mode it can produce, and against a small node:http stub (a fake
// upstream, playing the replies the sandbox never gives) for the wire body and the rare answers.
import { startDingSandbox, type DingSandbox } from 'passport-ding/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DingApiError, DingAuthError, DingUnavailableError, OtpUnavailableError, PreludeApiError } from '../../../lib/errors.js';
import { PreludeProvider, type PreludeProviderOptions } from '../../../lib/providers/prelude/provider.js';
import type { OtpProvider } from '../../../lib/providers/provider.js';
import { wrongCode } from '../../helpers/codes.js';
import { startUpstream, type Answer, type Received } from '../../helpers/upstream.js';
import { until } from '../../helpers/wait.js';

const PHONE = '+15551230001';
const N = {
  repeated: '+15551230002',
  spam: '+15551230003',
  blockList: '+15551230004',
  region: '+15551230005',
  line: '+15551230006',
  badNumber: '+15551230007',
  badLine: '+15551230008',
  shadow: '+15551230009',
  challenged: '+15551230010',
  throttled: '+15551230011',
  attempts: '+15551230012',
  signature: '+15551230013',
};

let sandbox: DingSandbox;
const providers: OtpProvider[] = [];

beforeAll(async () => {
  sandbox = await startDingSandbox({
    maxAttempts: 2,
    maxRetries: 1,
    ttlSeconds: 300,
    numbers: {
      [N.repeated]: 'rate_limited',
      [N.spam]: 'spam_detected',
      [N.blockList]: 'blocked_number',
      [N.region]: 'unsupported_region',
      [N.line]: 'invalid_line',
    },
    preludeNumbers: {
      [N.badNumber]: { status: 'blocked', reason: 'invalid_phone_number' },
      [N.badLine]: { status: 'blocked', reason: 'invalid_phone_line' },
      [N.shadow]: { status: 'shadow_blocked', reason: 'suspicious' },
      [N.challenged]: { status: 'challenged' },
      [N.throttled]: { error: 'too_many_requests', httpStatus: 429 },
      [N.attempts]: { error: 'too_many_attempts' },
      [N.signature]: { status: 'blocked', reason: 'expired_signature' },
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

function provider(extra: Partial<PreludeProviderOptions> = {}): PreludeProvider {
  const p = new PreludeProvider({ apiKey: sandbox.apiKey, baseUrl: sandbox.preludeUrl, ...extra });
  providers.push(p);
  return p;
}

async function sent(p: PreludeProvider, phoneNumber = PHONE): Promise<{ id: string; code: string }> {
  const result = await p.send({ phoneNumber });
  if (result.status !== 'sent') throw new Error(`expected sent, got ${result.status}`);
  return { id: result.id, code: sandbox.latestCode(phoneNumber) ?? '' };
}

const calls = (op: string): number => sandbox.stats().byOperation[op] ?? 0;

async function withStub(
  replies: Answer[],
  run: (p: PreludeProvider, seen: Received[]) => Promise<void>,
  extra: Partial<PreludeProviderOptions> = {},
): Promise<void> {
  const s = await startUpstream(replies);
  const p = new PreludeProvider({ apiKey: 'k_test', baseUrl: s.url, ...extra });
  try {
    await run(p, s.seen);
  } finally {
    await p.close();
    await s.close();
  }
}

const CREATED = { id: 'vrf_01jc0t6fwwfgfsq1md24mhyztj', status: 'success', method: 'message' };

describe('construction', () => {
  it('is named prelude and reports its deadline', () => {
    const p = provider({ timeoutMs: 1234 });
    expect(p.name).toBe('prelude');
    expect(p.timeoutMs).toBe(1234);
  });

  it.each([
    ['no options', undefined],
    ['no apiKey', {}],
    ['an empty apiKey', { apiKey: '' }],
    ['an apiKey with a space', { apiKey: 'a b' }],
    ['an http base URL that is not loopback', { apiKey: 'k', baseUrl: 'http://api.prelude.dev' }],
    ['a ttlSeconds of 0', { apiKey: 'k', ttlSeconds: 0 }],
    ['a codeSize of 9', { apiKey: 'k', codeSize: 9 }],
    ['an unknown method', { apiKey: 'k', method: 'sms' }],
    ['an unknown preferred channel', { apiKey: 'k', preferredChannel: 'email' }],
    ['sendExistingUser, no longer supported (existing_user is in no dated V2 release)', { apiKey: 'k', sendExistingUser: true }],
  ])('throws a TypeError for %s', (_what, options) => {
    expect(() => new PreludeProvider(options as PreludeProviderOptions)).toThrow(TypeError);
  });

  it('defaults to https://api.prelude.dev (and never connects before a call)', async () => {
    const p = new PreludeProvider({ apiKey: 'k' });
    await p.close();
  });
});

describe('send', () => {
  it('sent: a vrf_ id, our own send time, and no expiry (the strategy keeps its own)', async () => {
    const before = Date.now();
    const result = await provider().send({ phoneNumber: PHONE });
    expect(result).toMatchObject({ status: 'sent', id: expect.stringMatching(/^vrf_/) });
    if (result.status !== 'sent') return;
    expect(result.createdAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(result.expiresAt).toBeUndefined();
  });

  it('with ttlSeconds, reports the Dashboard window as the expiry', async () => {
    const result = await provider({ ttlSeconds: 120 }).send({ phoneNumber: PHONE });
    if (result.status !== 'sent') throw new Error(result.status);
    expect(result.expiresAt?.getTime()).toBe(result.createdAt.getTime() + 120_000);
  });

  it('a send inside an open window is sent with the same id (status retry)', async () => {
    const p = provider();
    const first = await sent(p);
    const second = await p.send({ phoneNumber: PHONE });
    expect(second).toMatchObject({ status: 'sent', id: first.id });
  });

  it.each([
    ['blocked repeated_attempts', N.repeated, { status: 'rate_limited' }],
    ['blocked suspicious', N.spam, { status: 'blocked', reason: 'spam' }],
    ['blocked expired_signature', N.signature, { status: 'blocked', reason: 'spam' }],
    ['blocked in_block_list', N.blockList, { status: 'blocked', reason: 'blocked_number' }],
    ['blocked invalid_phone_number', N.badNumber, { status: 'invalid_phone_number' }],
    ['blocked invalid_phone_line', N.badLine, { status: 'blocked', reason: 'invalid_line' }],
    ['400 unsupported_country', N.region, { status: 'blocked', reason: 'unsupported_region' }],
    ['400 invalid_line_type', N.line, { status: 'blocked', reason: 'invalid_line' }],
    ['400 invalid_phone_number', '+0', { status: 'invalid_phone_number' }],
    ['429', N.throttled, { status: 'rate_limited' }],
    ['400 too_many_attempts', N.attempts, { status: 'rate_limited' }],
  ])('%s -> %o', async (_what, phoneNumber, expected) => {
    expect(await provider().send({ phoneNumber })).toEqual(expected);
    // '+0' is not E.164: no code can be kept under it, and latestCode() refuses to look one up.
    if (phoneNumber !== '+0') expect(sandbox.latestCode(phoneNumber)).toBeUndefined();
  });

  it('shadow_blocked and challenged (newer statuses) are sent', async () => {
    const p = provider();
    expect(await p.send({ phoneNumber: N.shadow })).toMatchObject({ status: 'sent', id: expect.stringMatching(/^vrf_/) });
    expect(sandbox.latestCode(N.shadow)).toBeUndefined();
    const challenged = await sent(p, N.challenged);
    expect(await p.check({ id: challenged.id, phoneNumber: N.challenged, code: challenged.code })).toEqual({ status: 'valid' });
  });

  it('sends target, signals, options and metadata as V2 names them, with the Bearer key', async () => {
    await withStub(
      [{ status: 200, body: CREATED }],
      async (p, seen) => {
        await p.send({
          phoneNumber: PHONE,
          signals: {
            ip: '::ffff:198.51.100.5',
            deviceId: 'd1',
            deviceType: 'IOS',
            deviceModel: 'iPhone17,1',
            osVersion: '18.0',
            appVersion: '2.1.0',
            userAgent: 'Mozilla/5.0',
            isReturningUser: true,
          },
          locale: 'el-GR',
          correlationId: 'c-1',
          templateId: 't-1',
          senderId: 'Demo',
          callbackUrl: 'https://example.com/hook',
          appRealm: 'FA+9qCX9VSu',
        });
        expect(seen).toHaveLength(1);
        expect(seen[0]).toMatchObject({ method: 'POST', url: '/v2/verification' });
        expect(seen[0]?.headers).toMatchObject({ authorization: 'Bearer k_test', 'content-type': 'application/json', accept: 'application/json' });
        expect(seen[0]?.headers['x-api-key']).toBeUndefined();
        // isReturningUser is not sent: is_trusted_user would lower the fraud checks, existing_user is opt-in.
        expect(seen[0]?.body).toEqual({
          target: { type: 'phone_number', value: PHONE },
          signals: {
            ip: '198.51.100.5',
            device_id: 'd1',
            device_platform: 'ios',
            device_model: 'iPhone17,1',
            os_version: '18.0',
            app_version: '2.1.0',
            user_agent: 'Mozilla/5.0',
          },
          options: {
            code_size: 6,
            preferred_channel: 'whatsapp',
            locale: 'el-GR',
            template_id: 't-1',
            sender_id: 'Demo',
            callback_url: 'https://example.com/hook',
            app_realm: { platform: 'android', value: 'FA+9qCX9VSu' },
          },
          metadata: { correlation_id: 'c-1' },
        });
      },
      { codeSize: 6, preferredChannel: 'whatsapp' },
    );
  });

  it('a mapped IPv4 address goes as IPv4 in any spelling; an IPv6 zone is dropped', async () => {
    await withStub(
      [
        { status: 200, body: CREATED },
        { status: 200, body: CREATED },
        { status: 200, body: CREATED },
      ],
      async (p, seen) => {
        for (const ip of ['::FFFF:203.0.113.7', '::ffff:cb00:7107', 'FE80::1%eth0']) await p.send({ phoneNumber: PHONE, signals: { ip } });
        expect(seen.map((s) => (s.body as { signals?: { ip?: string } }).signals?.ip)).toEqual(['203.0.113.7', '203.0.113.7', 'fe80::1']);
      },
    );
  });

  it('IPv6 passes, a non-address is left out, an empty request sends the target alone', async () => {
    await withStub(
      [
        { status: 200, body: CREATED },
        { status: 200, body: CREATED },
        { status: 200, body: CREATED },
      ],
      async (p, seen) => {
        await p.send({ phoneNumber: PHONE, signals: { ip: '2001:db8::1', deviceType: 'ANDROID' } });
        await p.send({ phoneNumber: PHONE, signals: { ip: 'not an ip' } });
        await p.send({ phoneNumber: PHONE });
        expect(seen.map((s) => s.body)).toEqual([
          { target: { type: 'phone_number', value: PHONE }, signals: { ip: '2001:db8::1', device_platform: 'android' } },
          { target: { type: 'phone_number', value: PHONE } },
          { target: { type: 'phone_number', value: PHONE } },
        ]);
      },
    );
  });

  it('isReturningUser goes out as neither existing_user nor is_trusted_user; dispatchId and ja4Fingerprint do go out', async () => {
    await withStub([{ status: 200, body: CREATED }], async (p, seen) => {
      await p.send({
        phoneNumber: PHONE,
        signals: { isReturningUser: true, dispatchId: '123e4567-e89b-12d3-a456-426614174000', ja4Fingerprint: 't13d1516h2_8daaf6152771_02713d6af862' },
      });
      expect(seen[0]?.body).toEqual({
        target: { type: 'phone_number', value: PHONE },
        signals: { ja4_fingerprint: 't13d1516h2_8daaf6152771_02713d6af862' },
        dispatch_id: '123e4567-e89b-12d3-a456-426614174000',
      });
      // `integration` was removed from the spec (2026-01) and is never sent either.
      expect(JSON.stringify(seen[0]?.body)).not.toMatch(/existing_user|is_trusted_user|integration/);
    });
  });

  it('the sandbox accepts everything the provider sends', async () => {
    const result = await provider({ codeSize: 4, method: 'message', preferredChannel: 'sms' }).send({
      phoneNumber: PHONE,
      signals: {
        ip: '203.0.113.9',
        deviceType: 'WEB',
        userAgent: 'Mozilla/5.0',
        isReturningUser: true,
        dispatchId: '123e4567-e89b-12d3-a456-426614174000',
        ja4Fingerprint: 't13d1516h2_8daaf6152771_02713d6af862',
      },
      locale: 'en-US',
      correlationId: 'c-2',
      templateId: 't-2',
      senderId: 'Demo',
      callbackUrl: 'https://example.com/hook',
      appRealm: 'FA+9qCX9VSu',
    });
    expect(result.status).toBe('sent');
    expect(sandbox.latestCode(PHONE)).toMatch(/^\d{4}$/);
  });

  it('a base URL ending in /v2 (as the docs write it) is not doubled', async () => {
    await withStub([{ status: 200, body: CREATED }], async (p, seen) => {
      await p.send({ phoneNumber: PHONE });
      expect(seen[0]?.url).toBe('/v2/verification');
    });
    const s = await startUpstream([{ status: 200, body: CREATED }]);
    const p = new PreludeProvider({ apiKey: 'k', baseUrl: `${s.url}/v2/` });
    try {
      await p.send({ phoneNumber: PHONE });
      expect(s.seen[0]?.url).toBe('/v2/verification');
    } finally {
      await p.close();
      await s.close();
    }
  });

  it('rethrows API errors that are not about the number, as PreludeApiError (a DingApiError)', async () => {
    const err = await provider().send({ phoneNumber: PHONE, locale: 'not a locale' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreludeApiError);
    expect(err).toBeInstanceOf(DingApiError);
    expect(err).toMatchObject({ apiCode: 'invalid_locale', param: 'options.locale', upstreamStatus: 400, status: 502, code: 'DING_API_ERROR' });
  });
});

describe('check', () => {
  it('valid, then expired (a right code closes the window)', async () => {
    const p = provider();
    const { id, code } = await sent(p);
    expect(await p.check({ id, phoneNumber: PHONE, code })).toEqual({ status: 'valid' });
    expect(await p.check({ id, phoneNumber: PHONE, code })).toEqual({ status: 'expired' });
  });

  it('invalid, until the check limit closes the window: then expired', async () => {
    const p = provider();
    const { id, code } = await sent(p);
    expect(await p.check({ id, phoneNumber: PHONE, code: wrongCode(code) })).toEqual({ status: 'invalid' });
    expect(await p.check({ id, phoneNumber: PHONE, code: wrongCode(code) })).toEqual({ status: 'invalid' });
    expect(await p.check({ id, phoneNumber: PHONE, code })).toEqual({ status: 'expired' });
  });

  it('expired past the TTL, and with nothing sent', async () => {
    const p = provider();
    const { id, code } = await sent(p);
    sandbox.advance(300_000);
    expect(await p.check({ id, phoneNumber: PHONE, code })).toEqual({ status: 'expired' });
    expect(await p.check({ id: 'vrf_unknown', phoneNumber: '+15559990000', code: '123456' })).toEqual({ status: 'expired' });
  });

  it('checks by number: the id is not sent', async () => {
    await withStub([{ status: 200, body: { status: 'success', id: 'vrf_mine' } }], async (p, seen) => {
      expect(await p.check({ id: 'vrf_mine', phoneNumber: PHONE, code: '123456' })).toEqual({ status: 'valid' });
      expect(seen[0]).toMatchObject({ url: '/v2/verification/check', body: { target: { type: 'phone_number', value: PHONE }, code: '123456' } });
    });
  });

  // Only the documented success shape logs in: `success` with the id of this login's window.
  it.each([
    ['a success without an id', { status: 'success' }],
    ['a success about another window', { status: 'success', id: 'vrf_other' }],
    ['a success with a null id', { status: 'success', id: null }],
  ])('%s is a malformed reply, never valid', async (_what, body) => {
    await withStub([{ status: 200, body }], async (p) => {
      const err = await p.check({ id: 'vrf_mine', phoneNumber: PHONE, code: '123456' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OtpUnavailableError);
      expect(err).toMatchObject({ reason: 'malformed_response', status: 503 });
    });
  });

  it('a failure or expiry needs no id: it logs nobody in', async () => {
    await withStub(
      [
        { status: 200, body: { status: 'failure' } },
        { status: 200, body: { status: 'expired_or_not_found' } },
      ],
      async (p) => {
        expect(await p.check({ id: 'vrf_mine', phoneNumber: PHONE, code: '123456' })).toEqual({ status: 'invalid' });
        expect(await p.check({ id: 'vrf_mine', phoneNumber: PHONE, code: '123456' })).toEqual({ status: 'expired' });
      },
    );
  });

  it.each([
    ['too_many_checks', 400],
    ['too_many_checks', 429],
    ['too_many_attempts', 400],
    ['too_many_attempts', 429],
  ])('a %s error (HTTP %i) is too_many_attempts', async (code, status) => {
    await withStub([{ status, body: { code, message: 'Too many' } }], async (p) => {
      expect(await p.check({ id: 'vrf_x', phoneNumber: PHONE, code: '123456' })).toEqual({ status: 'too_many_attempts' });
    });
  });

  it('a bare 429 on check (V2 body or gateway page) is a transient fault: DingUnavailableError, never a login decision', async () => {
    await withStub(
      [
        { status: 429, body: { code: 'too_many_requests', message: 'slow down' } },
        { status: 429, body: '<html>', headers: { 'content-type': 'text/html' } },
      ],
      async (p) => {
        for (let i = 0; i < 2; i++) {
          const err = await p.check({ id: 'vrf_x', phoneNumber: PHONE, code: '123456' }).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(DingUnavailableError);
          expect(err).toMatchObject({ reason: 'server_error', upstreamStatus: 429, status: 503 });
        }
      },
    );
  });
});

describe('resend', () => {
  it('sent with the same id inside the window (retry); the new code works, the old one not', async () => {
    const p = provider();
    const { id, code: old } = await sent(p);
    expect(await p.resend({ id, phoneNumber: PHONE })).toEqual({ status: 'sent', id, channel: 'sms' });
    const code = sandbox.latestCode(PHONE) ?? '';
    if (code !== old) expect(await p.check({ id, phoneNumber: PHONE, code: old })).toEqual({ status: 'invalid' });
    expect(await p.check({ id, phoneNumber: PHONE, code })).toEqual({ status: 'valid' });
    expect(calls('createVerification')).toBe(2);
  });

  it('exhausted past the resend limit (blocked repeated_attempts); no code sent', async () => {
    const p = provider();
    const { id } = await sent(p);
    await p.resend({ id, phoneNumber: PHONE });
    const last = sandbox.latestCode(PHONE);
    expect(await p.resend({ id, phoneNumber: PHONE })).toEqual({ status: 'exhausted' });
    expect(sandbox.latestCode(PHONE)).toBe(last);
  });

  it('sent with a NEW id when the window had ended (status success: a fresh window)', async () => {
    const p = provider();
    const { id } = await sent(p);
    sandbox.advance(300_000);
    const result = await p.resend({ id, phoneNumber: PHONE });
    expect(result).toMatchObject({ status: 'sent', id: expect.stringMatching(/^vrf_/) });
    expect(result.id).not.toBe(id);
    expect(result.nextRetryAt).toBeUndefined();
    expect(result.remainingRetries).toBeUndefined();
  });

  it.each([
    ['too_many_attempts', N.attempts],
    ['blocked repeated_attempts', N.repeated],
    ['blocked (any other reason)', N.blockList],
  ])('exhausted on %s', async (_what, phoneNumber) => {
    expect(await provider().resend({ id: 'vrf_x', phoneNumber })).toEqual({ status: 'exhausted' });
  });

  it('too_soon on a bare 429 (a request-rate limit passes; the login is not locked)', async () => {
    expect(await provider().resend({ id: 'vrf_x', phoneNumber: N.throttled })).toEqual({ status: 'too_soon' });
  });

  it('without signals, sends the target only (and the provider-wide options)', async () => {
    await withStub(
      [{ status: 200, body: { ...CREATED, status: 'retry' } }],
      async (p, seen) => {
        expect(await p.resend({ id: CREATED.id, phoneNumber: PHONE })).toEqual({ status: 'sent', id: CREATED.id, channel: 'sms' });
        expect(seen[0]?.body).toEqual({ target: { type: 'phone_number', value: PHONE }, options: { method: 'voice' } });
      },
      { method: 'voice' },
    );
  });

  it('is a create: it carries the resend request\'s signals and message settings, as a send does', async () => {
    await withStub(
      [{ status: 200, body: { ...CREATED, status: 'retry' } }],
      async (p, seen) => {
        const result = await p.resend({
          id: CREATED.id,
          phoneNumber: PHONE,
          signals: { ip: '::ffff:198.51.100.9', userAgent: 'Mozilla/5.0 (resend)', deviceType: 'WEB', isReturningUser: true },
          locale: 'fr-FR',
          correlationId: 'login-7',
        });
        expect(result).toEqual({ status: 'sent', id: CREATED.id, channel: 'sms' });
        // The id is not part of a V2 create; is_trusted_user / existing_user are never sent by default.
        expect(seen[0]?.body).toEqual({
          target: { type: 'phone_number', value: PHONE },
          signals: { ip: '198.51.100.9', user_agent: 'Mozilla/5.0 (resend)', device_platform: 'web' },
          options: { locale: 'fr-FR' },
          metadata: { correlation_id: 'login-7' },
        });
      },
    );
  });
});

describe('replies off the contract are faults', () => {
  it.each([
    ['an unknown create status', { ...CREATED, status: 'approved' }],
    ['an unknown block reason', { ...CREATED, status: 'blocked', reason: 'moon_phase' }],
    ['an unknown method', { ...CREATED, method: 'pigeon' }],
    ['no id', { status: 'success', method: 'message' }],
    ['an id with spaces', { ...CREATED, id: 'vrf 1' }],
    ['a non-string correlation id', { ...CREATED, metadata: { correlation_id: 7 } }],
    ['channels that are not strings', { ...CREATED, channels: [1] }],
    ['an array', [CREATED]],
  ])('create with %s', async (_what, body) => {
    await withStub([{ status: 200, body }], async (p) => {
      const err = await p.send({ phoneNumber: PHONE }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DingUnavailableError);
      expect(err).toMatchObject({ reason: 'malformed_response' });
    });
  });

  it('newer channels and risk factors pass (they only describe the delivery)', async () => {
    await withStub([{ status: 200, body: { ...CREATED, channels: ['sms', 'carrier_pigeon'], risk_factors: ['ip_reputation'] } }], async (p) => {
      expect((await p.send({ phoneNumber: PHONE })).status).toBe('sent');
    });
  });

  it.each([
    ['an unknown check status', { status: 'expired' }],
    ['no status', { id: 'vrf_1' }],
  ])('check with %s', async (_what, body) => {
    await withStub([{ status: 200, body }], async (p) => {
      const err = await p.check({ id: 'vrf_1', phoneNumber: PHONE, code: '123456' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'OtpUnavailableError', reason: 'malformed_response' });
    });
  });

  it('an error body that is not V2 shaped is a malformed reply', async () => {
    await withStub([{ status: 400, body: { error: 'nope' } }], async (p) => {
      const err = await p.send({ phoneNumber: PHONE }).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'OtpUnavailableError', reason: 'malformed_response', upstreamStatus: 400 });
    });
  });

  it('an error message that quotes the number is masked', async () => {
    await withStub([{ status: 400, body: { code: 'invalid_template_id', message: 'bad template for +15551230001', type: 'invalid_request_error', request_id: 'req_1' } }], async (p) => {
      const err = await p.send({ phoneNumber: PHONE }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PreludeApiError);
      expect((err as PreludeApiError).apiMessage).not.toContain('15551230001');
      expect((err as PreludeApiError).apiMessage).toContain('01');
      expect((err as Error).message).not.toContain('bad template');
    });
  });

  it('other 4xx answers are typed API errors, never refusals', async () => {
    await withStub([{ status: 404, body: { code: 'not_found', message: 'Not Found' } }], async (p) => {
      const err = await p.send({ phoneNumber: PHONE }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PreludeApiError);
      expect(err).toMatchObject({ apiCode: 'not_found', upstreamStatus: 404 });
    });
  });

  it.each([
    ['invalid_phone_number', { status: 'invalid_phone_number' }],
    ['invalid_line_type', { status: 'blocked', reason: 'invalid_line' }],
    ['unsupported_country', { status: 'blocked', reason: 'unsupported_region' }],
  ])('HTTP 422 %s is a refusal like a 400', async (code, expected) => {
    await withStub([{ status: 422, body: { code, message: 'refused', param: 'target.value' } }], async (p) => {
      expect(await p.send({ phoneNumber: PHONE })).toEqual(expected);
    });
  });

  it('a 429 with a V2 body, or with a gateway body, is rate_limited at send and too_soon (transient) at resend', async () => {
    await withStub(
      [
        { status: 429, body: { code: 'too_many_requests', message: 'slow down' } },
        { status: 429, body: '<html>', headers: { 'content-type': 'text/html' } },
        { status: 429, body: { code: 'too_many_requests', message: 'slow down' } },
        { status: 429, body: '<html>', headers: { 'content-type': 'text/html' } },
      ],
      async (p) => {
        expect(await p.send({ phoneNumber: PHONE })).toEqual({ status: 'rate_limited' });
        expect(await p.send({ phoneNumber: PHONE })).toEqual({ status: 'rate_limited' });
        expect(await p.resend({ id: 'vrf_x', phoneNumber: PHONE })).toEqual({ status: 'too_soon' });
        expect(await p.resend({ id: 'vrf_x', phoneNumber: PHONE })).toEqual({ status: 'too_soon' });
      },
    );
  });

  it('too_many_attempts at resend is exhausted, at HTTP 400 or 429', async () => {
    await withStub(
      [
        { status: 400, body: { code: 'too_many_attempts', message: 'Too many' } },
        { status: 429, body: { code: 'too_many_attempts', message: 'Too many' } },
      ],
      async (p) => {
        expect(await p.resend({ id: 'vrf_x', phoneNumber: PHONE })).toEqual({ status: 'exhausted' });
        expect(await p.resend({ id: 'vrf_x', phoneNumber: PHONE })).toEqual({ status: 'exhausted' });
      },
    );
  });
});

describe('faults pass through typed', () => {
  it.each([
    ['http500', DingUnavailableError, { reason: 'server_error', upstreamStatus: 500 }],
    ['http503', DingUnavailableError, { reason: 'server_error', upstreamStatus: 503 }],
    ['timeout', DingUnavailableError, { reason: 'timeout' }],
    ['reset', DingUnavailableError, { reason: 'connection' }],
    ['bad_json', DingUnavailableError, { reason: 'malformed_response' }],
    ['unknown_status_value', DingUnavailableError, { reason: 'malformed_response' }],
    ['forbidden', DingAuthError, { upstreamStatus: 403 }],
  ] as const)('%s on send, check and resend', async (mode, kind, props) => {
    const p = provider({ timeoutMs: 300 });
    sandbox.fail({ mode, times: 3 });
    for (const call of [
      () => p.send({ phoneNumber: PHONE }),
      () => p.check({ id: 'vrf_x', phoneNumber: PHONE, code: '123456' }),
      () => p.resend({ id: 'vrf_x', phoneNumber: PHONE }),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(kind);
      expect(err).toMatchObject(props);
    }
    // Each call reached the sandbox once: a POST is never repeated, not even after a reset.
    expect(calls('createVerification')).toBe(2);
    expect(calls('checkVerification')).toBe(1);
  });

  it('a wrong key is DingAuthError (401), without the key in the error', async () => {
    const p = provider({ apiKey: 'wrong_key_123' });
    const err = await p.send({ phoneNumber: PHONE }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DingAuthError);
    expect(err).toMatchObject({ upstreamStatus: 401 });
    expect(JSON.stringify(err)).not.toContain('wrong_key_123');
    expect(String((err as Error).message)).not.toContain('wrong_key_123');
  });

  it('close() leaves no socket open', async () => {
    const p = new PreludeProvider({ apiKey: sandbox.apiKey, baseUrl: sandbox.preludeUrl, connections: 4 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => p.send({ phoneNumber: `+1555123${String(1000 + i)}` })));
    expect(sandbox.stats().connectionsOpened).toBeLessThanOrEqual(4);
    await p.close();
    await p.close();
    await until(() => sandbox.stats().openConnections === 0);
    expect(sandbox.stats().openConnections).toBe(0);
  });
});
