// The sandbox's state machine and options, over real HTTP on 127.0.0.1. Time moves with a test
// clock (`now`) and `advance()`, never with sleeps.
import { Agent, request } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startDingSandbox, type CodeEvent, type DingSandbox, type DingSandboxOptions } from 'passport-ding/sandbox';
import { wrongCode } from '../helpers/codes.js';
import { createClock } from '../../lib/sandbox/core/clock.js';
import { createDingModule, SandboxState } from '../../lib/sandbox/ding/index.js';
import { matchIn } from '../../lib/sandbox/core/routes.js';
import { DING_ROUTES } from '../../lib/sandbox/ding/routes.js';

const agent = new Agent();
const started: DingSandbox[] = [];
const T0 = Date.parse('2025-03-01T12:00:00.000Z');

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});
afterAll(() => agent.close());

type Body = Record<string, unknown>;

async function start(options: DingSandboxOptions = {}): Promise<DingSandbox> {
  const sandbox = await startDingSandbox({ now: () => T0, ...options });
  started.push(sandbox);
  return sandbox;
}

async function post(sb: DingSandbox, path: string, body: Body): Promise<{ status: number; body: Body }> {
  const res = await request(`${sb.url}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': sb.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    dispatcher: agent,
  });
  return { status: res.statusCode, body: (await res.body.json()) as Body };
}

async function get(sb: DingSandbox, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Body }> {
  const res = await request(`${sb.url}${path}`, { headers: { 'x-api-key': sb.apiKey, ...headers }, dispatcher: agent });
  return { status: res.statusCode, body: (await res.body.json()) as Body };
}

async function create(sb: DingSandbox, phone: string, extra: Body = {}): Promise<Body> {
  const res = await post(sb, '/authentication', { customer_uuid: sb.customerUuid, phone_number: phone, ...extra });
  expect(res.status).toBe(200);
  return res.body;
}

async function check(sb: DingSandbox, uuid: unknown, code: string | undefined): Promise<string> {
  const res = await post(sb, '/check', { customer_uuid: sb.customerUuid, authentication_uuid: uuid, check_code: code ?? '' });
  expect(res.status).toBe(200);
  expect(res.body.authentication_uuid).toBe(uuid);
  return res.body.status as string;
}

async function retry(sb: DingSandbox, uuid: unknown): Promise<Body> {
  const res = await post(sb, '/retry', { customer_uuid: sb.customerUuid, authentication_uuid: uuid });
  expect(res.status).toBe(200);
  return res.body;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const PHONE = '+15551234567';

describe('startDingSandbox', () => {
  it('listens on an ephemeral loopback port with random credentials by default', async () => {
    const a = await start();
    const b = await start();
    expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(a.url).toBe(`http://127.0.0.1:${a.port}/v1`);
    expect(a.port).not.toBe(b.port);
    expect(a.apiKey).toMatch(/^sandbox_[0-9a-f]{32}$/);
    expect(a.customerUuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.apiKey).not.toBe(b.apiKey);
    expect(a.customerUuid).not.toBe(b.customerUuid);
  });

  it('uses the credentials it is given', async () => {
    const sb = await start({ apiKey: 'test-key', customerUuid: '11111111-2222-4333-8444-555555555555' });
    expect(sb.apiKey).toBe('test-key');
    expect(sb.customerUuid).toBe('11111111-2222-4333-8444-555555555555');
    expect((await create(sb, PHONE)).status).toBe('pending');
  });

  it('refuses bad options up front', async () => {
    await expect(startDingSandbox({ codeLength: 0 })).rejects.toThrow(RangeError);
    await expect(startDingSandbox({ codeLength: 4.5 })).rejects.toThrow(RangeError);
    await expect(startDingSandbox({ ttlSeconds: 0 })).rejects.toThrow(RangeError);
    await expect(startDingSandbox({ maxAttempts: 0 })).rejects.toThrow(RangeError);
    await expect(startDingSandbox({ retryCooldownSeconds: -1 })).rejects.toThrow(RangeError);
    await expect(startDingSandbox({ latencyMs: Number.NaN })).rejects.toThrow(RangeError);
    await expect(startDingSandbox({ port: 70000 })).rejects.toThrow(RangeError);
    await expect(startDingSandbox({ customerUuid: 'nope' })).rejects.toThrow(TypeError);
    await expect(startDingSandbox({ apiKey: '' })).rejects.toThrow(TypeError);
    await expect(startDingSandbox({ numbers: { '5551234': 'rate_limited' } })).rejects.toThrow(TypeError);
    // @ts-expect-error: an unknown behaviour, as a JavaScript caller could pass
    await expect(startDingSandbox({ numbers: { '+15551234567': 'explode' } })).rejects.toThrow(TypeError);
  });

  it('rejects when the port is taken', async () => {
    const sb = await start();
    await expect(startDingSandbox({ port: sb.port })).rejects.toThrow(/EADDRINUSE/);
  });

  it('on an IPv6 host, its URLs put the address in brackets, and they answer', async (ctx) => {
    const sb = await start({ host: '::1' }).catch((err: NodeJS.ErrnoException) => {
      // A machine without IPv6 loopback cannot run this one.
      if (err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT') ctx.skip();
      throw err;
    });
    expect(sb.url).toBe(`http://[::1]:${sb.port}/v1`);
    expect(sb.preludeUrl).toBe(`http://[::1]:${sb.port}`);
    await create(sb, PHONE);
    expect(sb.latestCode(PHONE)).toMatch(/^\d+$/);
  });
});

describe('create', () => {
  it('answers pending with RFC 3339 UTC times: expires_at = created_at + ttl', async () => {
    const sb = await start({ ttlSeconds: 90 });
    const body = await create(sb, PHONE);
    expect(body).toEqual({
      authentication_uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 'pending',
      created_at: iso(T0),
      expires_at: iso(T0 + 90_000),
    });
  });

  it('sends a random code of codeLength digits, through onCode and latestCode', async () => {
    const events: CodeEvent[] = [];
    const sb = await start({ codeLength: 8, onCode: (e) => events.push(e) });
    const body = await create(sb, PHONE);
    expect(events).toEqual([{ phoneNumber: PHONE, code: expect.stringMatching(/^\d{8}$/), authenticationUuid: body.authentication_uuid, kind: 'send', channel: 'sms', method: 'message', message: `Your verification code is ${events[0]?.code}.` }]);
    expect(sb.latestCode(PHONE)).toBe(events[0]?.code);
    expect(sb.latestCode('+15550000000')).toBeUndefined();
  });

  it('latestCode() and latestDelivery() throw a TypeError naming E.164 for a number not written in E.164 (was a silent undefined)', async () => {
    const sb = await start();
    await create(sb, PHONE);
    // The array's text is E.164: only the type test refuses it.
    for (const typed of ['(415) 555-2671', '4155552671', '+1 415 555 2671', '', 14155552671 as unknown as string, [PHONE] as unknown as string]) {
      expect(() => sb.latestCode(typed)).toThrow(TypeError);
      expect(() => sb.latestCode(typed)).toThrow(/latestCode\(\) takes an E\.164 number/);
      expect(() => sb.latestDelivery(typed)).toThrow(/latestDelivery\(\) takes an E\.164 number/);
    }
    expect(sb.latestDelivery(PHONE)?.code).toBe(sb.latestCode(PHONE));
    expect(sb.latestCode(PHONE)).toMatch(/^\d+$/);
    expect(sb.latestCode('+15550000000')).toBeUndefined();
    expect(sb.latestDelivery('+15550000000')).toBeUndefined();
  });

  it('codes are not predictable: many sends give many different codes', async () => {
    const sb = await start();
    const codes = new Set<string>();
    for (let i = 0; i < 20; i++) {
      await create(sb, PHONE);
      codes.add(sb.latestCode(PHONE) ?? '');
    }
    expect(codes.size).toBeGreaterThan(15);
  });

  it('a repeated create for the same number opens a new, independent authentication', async () => {
    const sb = await start();
    const first = await create(sb, PHONE);
    const firstCode = sb.latestCode(PHONE);
    const second = await create(sb, PHONE);
    expect(second.authentication_uuid).not.toBe(first.authentication_uuid);
    expect(sb.latestCode(PHONE)).not.toBeUndefined();
    expect(await check(sb, second.authentication_uuid, sb.latestCode(PHONE))).toBe('valid');
    expect(await check(sb, first.authentication_uuid, firstCode)).toBe('valid');
  });

  it('a throwing onCode does not break the answer', async () => {
    const sb = await start({
      onCode: () => {
        throw new Error('callback bug');
      },
    });
    expect((await create(sb, PHONE)).status).toBe('pending');
  });
});

describe('check', () => {
  it('valid once, then already_validated (even with a wrong code)', async () => {
    const sb = await start();
    const { authentication_uuid: id } = await create(sb, PHONE);
    const code = sb.latestCode(PHONE);
    expect(await check(sb, id, wrongCode(code))).toBe('invalid');
    expect(await check(sb, id, code)).toBe('valid');
    expect(await check(sb, id, code)).toBe('already_validated');
    expect(await check(sb, id, wrongCode(code))).toBe('already_validated');
  });

  it('a code of another length, or an empty one, is invalid', async () => {
    const sb = await start({ maxAttempts: 10 });
    const { authentication_uuid: id } = await create(sb, PHONE);
    const code = sb.latestCode(PHONE) ?? '';
    expect(await check(sb, id, code + '0')).toBe('invalid');
    expect(await check(sb, id, code.slice(1))).toBe('invalid');
    expect(await check(sb, id, '')).toBe('invalid');
    expect(await check(sb, id, code)).toBe('valid');
  });

  it('after maxAttempts wrong checks: rate_limited, also for the right code', async () => {
    const sb = await start({ maxAttempts: 3 });
    const { authentication_uuid: id } = await create(sb, PHONE);
    const code = sb.latestCode(PHONE);
    for (let i = 0; i < 3; i++) expect(await check(sb, id, wrongCode(code))).toBe('invalid');
    expect(await check(sb, id, code)).toBe('rate_limited');
    expect(await check(sb, id, wrongCode(code))).toBe('rate_limited');
  });

  it('expired_auth from expires_at on; valid just before', async () => {
    const sb = await start({ ttlSeconds: 60, maxAttempts: 10 });
    const { authentication_uuid: id } = await create(sb, PHONE);
    const code = sb.latestCode(PHONE);
    sb.advance(59_999);
    expect(await check(sb, id, wrongCode(code))).toBe('invalid');
    sb.advance(1);
    expect(await check(sb, id, code)).toBe('expired_auth');
  });

  it('uses the now() option as its clock', async () => {
    let now = T0;
    const sb = await start({ ttlSeconds: 10, now: () => now });
    const { authentication_uuid: id } = await create(sb, PHONE);
    now += 10_000;
    expect(await check(sb, id, sb.latestCode(PHONE))).toBe('expired_auth');
  });

  it('accepts the authentication UUID in upper case', async () => {
    const sb = await start();
    const { authentication_uuid: id } = await create(sb, PHONE);
    const res = await post(sb, '/check', {
      customer_uuid: sb.customerUuid.toUpperCase(),
      authentication_uuid: String(id).toUpperCase(),
      check_code: sb.latestCode(PHONE) ?? '',
    });
    expect(res.body).toEqual({ authentication_uuid: id, status: 'valid' });
  });

  it('parallel checks with the right code: exactly one valid', async () => {
    const sb = await start();
    const { authentication_uuid: id } = await create(sb, PHONE);
    const code = sb.latestCode(PHONE);
    const results = await Promise.all(Array.from({ length: 8 }, () => check(sb, id, code)));
    expect(results.filter((r) => r === 'valid')).toHaveLength(1);
    expect(results.filter((r) => r === 'already_validated')).toHaveLength(7);
  });
});

describe('retry', () => {
  it('denied during the cooldown of the first send, without a new code', async () => {
    const events: CodeEvent[] = [];
    const sb = await start({ retryCooldownSeconds: 30, onCode: (e) => events.push(e) });
    const { authentication_uuid: id } = await create(sb, PHONE);
    const code = sb.latestCode(PHONE);
    sb.advance(29_999);
    expect(await retry(sb, id)).toEqual({
      authentication_uuid: id,
      status: 'denied',
      created_at: iso(T0 + 29_999),
      next_retry_at: iso(T0 + 30_000),
      remaining_retry: 3,
    });
    expect(events).toHaveLength(1);
    expect(sb.latestCode(PHONE)).toBe(code);
  });

  it('approved after the cooldown: a new code, the old one stops working, a new cooldown', async () => {
    const events: CodeEvent[] = [];
    const sb = await start({ retryCooldownSeconds: 30, maxRetries: 3, maxAttempts: 5, onCode: (e) => events.push(e) });
    const { authentication_uuid: id } = await create(sb, PHONE);
    const oldCode = sb.latestCode(PHONE) ?? '';
    sb.advance(30_000);
    expect(await retry(sb, id)).toEqual({
      authentication_uuid: id,
      status: 'approved',
      created_at: iso(T0 + 30_000),
      next_retry_at: iso(T0 + 60_000),
      remaining_retry: 2,
    });
    expect(events.map((e) => e.kind)).toEqual(['send', 'retry']);
    const newCode = sb.latestCode(PHONE);
    expect(newCode).toBe(events[1]?.code);
    if (newCode !== oldCode) expect(await check(sb, id, oldCode)).toBe('invalid');
    expect(await check(sb, id, newCode)).toBe('valid');
  });

  it('rate_limited once maxRetries are spent; remaining_retry counts down to 0', async () => {
    const sb = await start({ retryCooldownSeconds: 5, maxRetries: 2 });
    const { authentication_uuid: id } = await create(sb, PHONE);
    const remaining: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      sb.advance(5_000);
      const body = await retry(sb, id);
      remaining.push([body.status, body.remaining_retry]);
    }
    expect(remaining).toEqual([
      ['approved', 1],
      ['approved', 0],
      ['rate_limited', 0],
    ]);
  });

  it('maxRetries 0 and cooldown 0: the first retry is rate_limited', async () => {
    const sb = await start({ retryCooldownSeconds: 0, maxRetries: 0 });
    const { authentication_uuid: id } = await create(sb, PHONE);
    expect((await retry(sb, id)).status).toBe('rate_limited');
  });

  it('already_validated, expired_auth, and rate_limited once checks are spent', async () => {
    const sb = await start({ retryCooldownSeconds: 0, ttlSeconds: 60, maxAttempts: 1 });
    const a = await create(sb, PHONE);
    await check(sb, a.authentication_uuid, sb.latestCode(PHONE));
    expect((await retry(sb, a.authentication_uuid)).status).toBe('already_validated');
    const b = await create(sb, PHONE);
    await check(sb, b.authentication_uuid, wrongCode(sb.latestCode(PHONE)));
    expect((await retry(sb, b.authentication_uuid)).status).toBe('rate_limited');
    const c = await create(sb, PHONE);
    sb.advance(60_000);
    expect((await retry(sb, c.authentication_uuid)).status).toBe('expired_auth');
  });

  it('parallel retries after the cooldown: exactly one approved', async () => {
    const sb = await start({ retryCooldownSeconds: 10 });
    const { authentication_uuid: id } = await create(sb, PHONE);
    sb.advance(10_000);
    const results = await Promise.all(Array.from({ length: 6 }, () => retry(sb, id)));
    expect(results.filter((r) => r.status === 'approved')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'denied')).toHaveLength(5);
  });
});

describe('scripted numbers', () => {
  const numbers = {
    '+15550000001': 'rate_limited',
    '+15550000002': 'spam_detected',
    '+15550000003': 'blocked_number',
    '+15550000004': 'unsupported_region',
    '+15550000005': 'invalid_line',
  } as const;

  it('rate_limited / spam_detected: 200, no code sent; check without_attempt, retry no_attempt', async () => {
    const events: CodeEvent[] = [];
    const sb = await start({ numbers, onCode: (e) => events.push(e) });
    for (const phone of ['+15550000001', '+15550000002'] as const) {
      const body = await create(sb, phone);
      expect(body.status).toBe(numbers[phone]);
      expect(body.expires_at).toBe(iso(T0 + 600_000));
      expect(sb.latestCode(phone)).toBeUndefined();
      expect(await check(sb, body.authentication_uuid, '123456')).toBe('without_attempt');
      expect((await retry(sb, body.authentication_uuid)).status).toBe('no_attempt');
    }
    expect(events).toEqual([]);
  });

  it('blocked_number / unsupported_region / invalid_line: 400 with that code', async () => {
    const sb = await start({ numbers });
    for (const phone of ['+15550000003', '+15550000004', '+15550000005'] as const) {
      const res = await post(sb, '/authentication', { customer_uuid: sb.customerUuid, phone_number: phone });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        code: numbers[phone],
        message: expect.any(String),
        doc_url: `https://docs.prelude.so/verify/v1/documentation/errors#${numbers[phone]}`,
      });
    }
    expect(sb.latestCode('+15550000003')).toBeUndefined();
  });
});

describe('authentication status', () => {
  it('echoes signals, template and correlation ids, and logs events without the code', async () => {
    const sb = await start({ retryCooldownSeconds: 0 });
    const { authentication_uuid: id } = await create(sb, PHONE, {
      ip: '203.0.113.9',
      device_type: 'ANDROID',
      device_id: 'dev',
      app_realm: 'hash',
      is_returning_user: false,
      template_id: 'tpl',
      correlation_id: 'corr',
      sender_id: 'Acme',
    });
    const first = sb.latestCode(PHONE) ?? '';
    await check(sb, id, wrongCode(first));
    await retry(sb, id);
    const second = sb.latestCode(PHONE) ?? '';
    await check(sb, id, second);
    const { status, body } = await get(sb, `/authentication/${String(id)}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      uuid: id,
      phone_number: PHONE,
      template_id: 'tpl',
      correlation_id: 'corr',
      created_at: iso(T0),
      signals: { ip: '203.0.113.9', device_type: 'ANDROID', device_id: 'dev', app_realm: 'hash', is_returning_user: false },
    });
    const events = body.events as Body[];
    expect(events.map((e) => `${String(e.type)}:${String(e.status ?? e.balance_update_type)}`)).toEqual([
      'balance_update:authentication',
      'attempt:delivered',
      'delivery_status:delivered',
      'check:invalid',
      'attempt:delivered',
      'delivery_status:delivered',
      'check:valid',
    ]);
    expect(events[1]).toMatchObject({ content: 'Your code is ••••••', sender_id: 'Acme', capability: 'text', attempt_number: 1 });
    expect(events[4]).toMatchObject({ attempt_number: 2 });
    expect(events[2]?.attempt_id).toBe(events[1]?.id);
    const text = JSON.stringify(body);
    expect(text).not.toContain(first);
    expect(text).not.toContain(second);
  });

  it('needs no customer UUID; unknown or malformed ids are invalid_auth_uuid', async () => {
    const sb = await start();
    for (const id of ['00000000-0000-4000-8000-000000000000', 'nope', '%E0%A4%A']) {
      const res = await get(sb, `/authentication/${id}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('invalid_auth_uuid');
    }
  });
});

describe('feedback', () => {
  it('needs an authentication for the number; each status once per number', async () => {
    const sb = await start();
    const send = (status: string, phone = PHONE) => post(sb, '/authentication/feedback', { customer_uuid: sb.customerUuid, phone_number: phone, status });
    expect((await send('onboarded')).body.code).toBe('no_associated_auth_found');
    await create(sb, PHONE);
    const ok = await send('onboarded');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ uuid: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect((await send('onboarded')).body.code).toBe('duplicated_feedback_status');
    expect((await send('not_onboarded')).status).toBe(200);
    expect((await send('finished')).body.code).toBe('invalid_feedback_status');
  });
});

describe('lookup', () => {
  const lookup = (sb: DingSandbox, phone: string, query = '') => get(sb, `/lookup/${encodeURIComponent(phone)}${query}`, { 'customer-uuid': sb.customerUuid });

  it('a mobile line on a carrier of the calling code; caller_name only with type=cnam', async () => {
    const sb = await start();
    expect((await lookup(sb, PHONE)).body).toEqual({
      phone_number: PHONE,
      mcc: '310',
      mnc: '410',
      carrier: 'AT&T',
      country_code: 'US',
      number_ported: false,
      temporary_phone_number: false,
      line_type: 'Mobile',
    });
    expect((await lookup(sb, '+447700900123')).body).toMatchObject({ country_code: 'GB', mcc: '234' });
    expect((await lookup(sb, '+351912345678')).body).toMatchObject({ country_code: 'PT' });
    // Bangladesh: a country the carrier table lacks; its country still, no carrier.
    const bd = (await lookup(sb, '+8801712345678')).body;
    expect(bd).toMatchObject({ country_code: 'BD' });
    expect(bd).not.toHaveProperty('carrier');
    expect((await lookup(sb, PHONE, '?type=cnam')).body.caller_name).toEqual(expect.any(String));
  });

  it('accepts the number unencoded too', async () => {
    const sb = await start();
    const res = await get(sb, `/lookup/${PHONE}`, { 'customer-uuid': sb.customerUuid });
    expect(res.body.phone_number).toBe(PHONE);
  });

  it('scripted lookups override the defaults; invalid_line numbers look like landlines', async () => {
    const sb = await start({
      numbers: {
        '+15550000005': 'invalid_line',
        '+15550000009': { lookup: { line_type: 'Voip', number_ported: true, caller_name: 'ACME' } },
      },
    });
    expect((await lookup(sb, '+15550000005')).body.line_type).toBe('FixedLine');
    const scripted = (await lookup(sb, '+15550000009')).body;
    expect(scripted).toMatchObject({ line_type: 'Voip', number_ported: true, country_code: 'US' });
    expect(scripted).not.toHaveProperty('caller_name');
    expect((await lookup(sb, '+15550000009', '?type=cnam')).body.caller_name).toBe('ACME');
  });
});

describe('reset and advance', () => {
  it('reset forgets authentications, codes, feedback and faults, not the credentials', async () => {
    const sb = await start();
    const { authentication_uuid: id } = await create(sb, PHONE);
    const { apiKey, customerUuid } = sb;
    sb.fail({ mode: 'http500', times: 5 });
    sb.reset();
    expect(sb.latestCode(PHONE)).toBeUndefined();
    expect(sb.apiKey).toBe(apiKey);
    expect(sb.customerUuid).toBe(customerUuid);
    const res = await post(sb, '/check', { customer_uuid: customerUuid, authentication_uuid: id, check_code: '123456' });
    expect(res).toEqual({ status: 400, body: expect.objectContaining({ code: 'invalid_auth_uuid' }) });
    const fb = await post(sb, '/authentication/feedback', { customer_uuid: customerUuid, phone_number: PHONE, status: 'onboarded' });
    expect(fb.body.code).toBe('no_associated_auth_found');
  });

  it('advance refuses negative or non-finite steps', async () => {
    const sb = await start();
    expect(() => sb.advance(-1)).toThrow(RangeError);
    expect(() => sb.advance(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

// Every V1 refusal with its status, code and exact message (the spec leaves `message` free, so the
// sandbox's own words are pinned here: an emptied one, or one from the wrong check, shows), every
// fault mode's answer exactly, and the few answers the tests above look at only in part. Each
// sandbox is started inside its test, where a mutation run sees what the test reaches.
describe('V1 sandbox, each refusal and answer exactly', () => {
  const OTHER_CUSTOMER = '11111111-2222-4333-8444-555555555555';
  const UNKNOWN_AUTH = '00000000-0000-4000-8000-000000000000';
  const refused = (code: string, message: string) => ({
    status: 400,
    body: { code, message, doc_url: `https://docs.prelude.so/verify/v1/documentation/errors#${code}` },
  });
  const badRequest = (message: string) => refused('bad_request', message);

  it('create: missing and ill-typed fields, then the customer, then each format, in that order', async () => {
    const sb = await start();
    const cases: Array<[Body, ReturnType<typeof refused>]> = [
      [{ customer_uuid: undefined }, badRequest('customer_uuid is required and must be a string')],
      [{ phone_number: 15551234567 }, badRequest('phone_number is required and must be a string')],
      [{ ip: 5 }, badRequest('ip must be a string')],
      [{ locale: null }, badRequest('locale must be a string')],
      [{ is_returning_user: 'yes' }, badRequest('is_returning_user must be a boolean')],
      [{ customer_uuid: OTHER_CUSTOMER }, refused('account_invalid', 'customer_uuid is not a valid account')],
      [{ customer_uuid: OTHER_CUSTOMER, phone_number: '+123' }, refused('account_invalid', 'customer_uuid is not a valid account')],
      [{ phone_number: '+123' }, refused('invalid_phone_number', 'phone_number is not a valid phone number')],
      [{ ip: '::1' }, badRequest('ip must be an IPv4 address')],
      [{ device_type: 'PHONE' }, badRequest('device_type must be one of IOS, ANDROID, WEB')],
      [{ callback_url: 'ftp://example.com/hooks' }, badRequest('callback_url must be an http(s) URL')],
      [{ locale: 'en_US' }, badRequest('locale must be a BCP-47 language tag')],
      [{ app_realm: 'FA+9qCX9VSu' }, refused('app_realm_require_device_type', 'app_realm requires device_type')],
      [{ app_realm: 'FA+9qCX9VSu', device_type: 'IOS' }, refused('unsupported_app_realm_device_type', 'app_realm is only supported with device_type ANDROID')],
      [{ app_realm: 'FA+9qCX9VSu', device_type: 'WEB' }, refused('unsupported_app_realm_device_type', 'app_realm is only supported with device_type ANDROID')],
    ];
    for (const [extra, expected] of cases) {
      expect([extra, await post(sb, '/authentication', { customer_uuid: sb.customerUuid, phone_number: PHONE, ...extra })]).toEqual([extra, expected]);
    }
    // Nothing refused was sent.
    expect(sb.latestCode(PHONE)).toBeUndefined();
    expect((await create(sb, PHONE, { app_realm: 'FA+9qCX9VSu', device_type: 'ANDROID' })).status).toBe('pending');
  });

  it('check and retry: missing fields, the customer, a malformed id, an unknown one', async () => {
    const sb = await start();
    const { authentication_uuid: id } = await create(sb, PHONE);
    const base = { customer_uuid: sb.customerUuid, authentication_uuid: id, check_code: '000000' };
    const checks: Array<[Body, ReturnType<typeof refused>]> = [
      [{ check_code: undefined }, badRequest('check_code is required and must be a string')],
      [{ authentication_uuid: 5 }, badRequest('authentication_uuid is required and must be a string')],
      [{ customer_uuid: OTHER_CUSTOMER }, refused('account_invalid', 'customer_uuid is not a valid account')],
      [{ customer_uuid: OTHER_CUSTOMER, authentication_uuid: 'nope' }, refused('account_invalid', 'customer_uuid is not a valid account')],
      [{ authentication_uuid: 'nope' }, refused('invalid_auth_uuid', 'authentication_uuid is not a valid UUID')],
      [{ authentication_uuid: UNKNOWN_AUTH }, refused('invalid_auth_uuid', 'authentication_uuid does not match any authentication')],
    ];
    for (const [extra, expected] of checks) expect([extra, await post(sb, '/check', { ...base, ...extra })]).toEqual([extra, expected]);
    const retries: Array<[Body, ReturnType<typeof refused>]> = [
      [{ customer_uuid: undefined }, badRequest('customer_uuid is required and must be a string')],
      [{ customer_uuid: OTHER_CUSTOMER }, refused('account_invalid', 'customer_uuid is not a valid account')],
      [{ authentication_uuid: 'nope' }, refused('invalid_auth_uuid', 'authentication_uuid is not a valid UUID')],
      [{ authentication_uuid: UNKNOWN_AUTH }, refused('invalid_auth_uuid', 'authentication_uuid does not match any authentication')],
    ];
    for (const [extra, expected] of retries) {
      expect([extra, await post(sb, '/retry', { customer_uuid: sb.customerUuid, authentication_uuid: id, ...extra })]).toEqual([extra, expected]);
    }
    // None of them counted as a check or a retry.
    expect(await check(sb, id, sb.latestCode(PHONE))).toBe('valid');
  });

  it('feedback: missing fields, the customer, the number, the status, then the number\'s authentications', async () => {
    const sb = await start();
    const send = (extra: Body) => post(sb, '/authentication/feedback', { customer_uuid: sb.customerUuid, phone_number: PHONE, status: 'onboarded', ...extra });
    const cases: Array<[Body, ReturnType<typeof refused>]> = [
      [{ status: undefined }, badRequest('status is required and must be a string')],
      [{ customer_uuid: OTHER_CUSTOMER }, refused('account_invalid', 'customer_uuid is not a valid account')],
      [{ phone_number: '15551234567' }, refused('invalid_phone_number', 'phone_number is not a valid E.164 phone number')],
      [{ status: 'finished' }, refused('invalid_feedback_status', 'status must be one of onboarded, not_onboarded')],
      [{}, refused('no_associated_auth_found', 'no authentication found for this phone number')],
    ];
    for (const [extra, expected] of cases) expect([extra, await send(extra)]).toEqual([extra, expected]);
    await create(sb, PHONE);
    expect((await send({})).status).toBe(200);
    expect(await send({})).toEqual(refused('duplicated_feedback_status', 'this feedback status was already sent for this phone number'));
  });

  it('authentication status: a malformed id, an unknown one', async () => {
    const sb = await start();
    for (const id of ['nope', '%E0%A4%A']) expect(await get(sb, `/authentication/${id}`)).toEqual(refused('invalid_auth_uuid', 'auth_uuid is not a valid UUID'));
    expect(await get(sb, `/authentication/${UNKNOWN_AUTH}`)).toEqual(refused('invalid_auth_uuid', 'authentication_uuid does not match any authentication'));
  });

  it('lookup: no or an empty customer-uuid header, another customer, a number not in E.164, a type other than cnam', async () => {
    const sb = await start();
    const path = `/lookup/${encodeURIComponent(PHONE)}`;
    expect(await get(sb, path)).toEqual(badRequest('the customer-uuid header is required'));
    expect(await get(sb, path, { 'customer-uuid': '' })).toEqual(badRequest('the customer-uuid header is required'));
    expect(await get(sb, path, { 'customer-uuid': OTHER_CUSTOMER })).toEqual(refused('account_invalid', 'customer_uuid is not a valid account'));
    const as = { 'customer-uuid': sb.customerUuid };
    for (const number of ['15551234567', '%E0%A4%A']) {
      expect(await get(sb, `/lookup/${number}`, as)).toEqual(refused('invalid_phone_number', 'phone_number is not a valid E.164 phone number'));
    }
    for (const query of ['?type=carrier', '?type=cnam,carrier', '?type=cnam&type=']) expect(await get(sb, `${path}${query}`, as)).toEqual(badRequest('type must be cnam'));
    expect((await get(sb, `${path}?type=cnam&type=cnam`, as)).body.caller_name).toBe('SANDBOX CALLER');
  });

  it('scripted refusals say what the number is', async () => {
    const sb = await start({ numbers: { '+15550000003': 'blocked_number', '+15550000004': 'unsupported_region', '+15550000005': 'invalid_line' } });
    const send = (phone: string) => post(sb, '/authentication', { customer_uuid: sb.customerUuid, phone_number: phone });
    expect(await send('+15550000003')).toEqual(refused('blocked_number', 'the phone number is blocked'));
    expect(await send('+15550000004')).toEqual(refused('unsupported_region', 'the phone number is in an unsupported region'));
    expect(await send('+15550000005')).toEqual(refused('invalid_line', 'the phone number line type is not supported'));
  });

  it('a scripted lookup without caller_name keeps the default CNAM name; without type=cnam there is none', async () => {
    const sb = await start({ numbers: { '+15550000009': { lookup: { line_type: 'Voip' } } } });
    const as = { 'customer-uuid': sb.customerUuid };
    expect((await get(sb, '/lookup/%2B15550000009?type=cnam', as)).body).toMatchObject({ line_type: 'Voip', caller_name: 'SANDBOX CALLER' });
    expect((await get(sb, '/lookup/%2B15550000009', as)).body).not.toHaveProperty('caller_name');
  });

  it('the attempt event names the sender "Sandbox" when the create named none', async () => {
    const sb = await start();
    const { authentication_uuid: id } = await create(sb, PHONE);
    const events = (await get(sb, `/authentication/${String(id)}`)).body.events as Body[];
    expect(events[1]).toEqual({
      type: 'attempt',
      created_at: iso(T0),
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      content: 'Your code is ••••••',
      sender_id: 'Sandbox',
      capability: 'text',
      attempt_number: 1,
      status: 'delivered',
    });
  });

  it('onCode\'s message carries the Android app hash on its last line when the create had an app_realm', async () => {
    const events: CodeEvent[] = [];
    const sb = await start({ onCode: (e) => events.push(e) });
    await create(sb, PHONE, { app_realm: 'FA+9qCX9VSu', device_type: 'ANDROID' });
    const code = sb.latestCode(PHONE) ?? '';
    expect(events.map((e) => e.message)).toEqual([`Your verification code is ${code}.\n\nFA+9qCX9VSu`]);
  });

  it('each fault mode\'s answer, exactly', async () => {
    const sb = await start();
    const raw = async (path: string, body: string) => {
      const res = await request(`${sb.url}${path}`, { method: 'POST', headers: { 'x-api-key': sb.apiKey, 'content-type': 'application/json' }, body, dispatcher: agent });
      return { status: res.statusCode, type: res.headers['content-type'], text: await res.body.text() };
    };
    sb.fail({ mode: 'http500' });
    expect(await post(sb, '/authentication', { customer_uuid: sb.customerUuid, phone_number: PHONE })).toEqual({
      status: 500,
      body: { code: 'internal_server_error', message: 'Internal server error', doc_url: 'https://docs.prelude.so/verify/v1/documentation/errors#internal_server_error' },
    });
    sb.fail({ mode: 'bad_json' });
    expect(await raw('/authentication', JSON.stringify({ customer_uuid: sb.customerUuid, phone_number: PHONE }))).toEqual({
      status: 200,
      type: 'application/json',
      text: '{"authentication_uuid": "',
    });
    // A fault takes a call whose body is not JSON as well: the fault answers, not the body's 400.
    sb.fail({ mode: 'http503' });
    expect(await raw('/check', 'not json')).toEqual({ status: 503, type: 'application/json', text: '{"message":"Service Unavailable"}' });
    expect(sb.latestCode(PHONE)).toBeUndefined();
  });

  it('unknown_status_value: one off-contract value per operation, the rest in shape; check and retry echo the request\'s id', async () => {
    const sb = await start();
    const uuid = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const at = iso(T0);
    const id = 'c0ffee00-0000-4000-8000-000000000001';
    sb.fail({ mode: 'unknown_status_value', times: 6 });
    expect(await post(sb, '/authentication', { customer_uuid: sb.customerUuid, phone_number: PHONE, authentication_uuid: 5 })).toEqual({
      status: 200,
      body: { authentication_uuid: uuid, status: 'approved', created_at: at, expires_at: at },
    });
    expect(await post(sb, '/check', { authentication_uuid: id })).toEqual({ status: 200, body: { authentication_uuid: id, status: 'expired' } });
    expect(await post(sb, '/retry', { authentication_uuid: id })).toEqual({
      status: 200,
      body: { authentication_uuid: id, status: 'queued', created_at: at, next_retry_at: at, remaining_retry: 1 },
    });
    expect(await post(sb, '/authentication/feedback', {})).toEqual({ status: 200, body: { uuid: 42 } });
    expect(await get(sb, `/authentication/${id}`)).toEqual({
      status: 200,
      body: { uuid, phone_number: '+15555550100', created_at: at, signals: {}, events: [{ type: 'sms_sent', created_at: at }] },
    });
    expect(await get(sb, '/lookup/%2B15551234567')).toEqual({ status: 200, body: { phone_number: '+15555550100', country_code: 'US', line_type: 'Landline' } });
    expect((await create(sb, PHONE)).status).toBe('pending');
  });
});

// The module and the state through their own functions, for what HTTP cannot reach.
describe('the V1 module and state without HTTP', () => {
  const settings = { codeLength: 6, ttlMs: 600_000, maxAttempts: 1000, cooldownMs: 30_000, maxRetries: 3, onCode: undefined };
  const clock = createClock(() => T0);

  it('an error inside the sandbox answers a V1 500 with internal_server_error', () => {
    const module = createDingModule({ apiKey: 'k', customerUuid: '11111111-2222-4333-8444-555555555555', settings, clock, numbers: new Map(), deliver: () => {} });
    expect(module.internalError()).toEqual({
      status: 500,
      body: { code: 'internal_server_error', message: 'sandbox error', doc_url: 'https://docs.prelude.so/verify/v1/documentation/errors#internal_server_error' },
    });
  });

  it('a state with no webhook sender takes a callback_url; latestCode() is the number\'s newest code', () => {
    const state = new SandboxState(settings, clock);
    const created = state.create({ customer_uuid: 'x', phone_number: PHONE, callback_url: 'http://127.0.0.1:9/hooks' });
    expect(created.status).toBe('pending');
    expect(state.latestCode(PHONE)).toMatch(/^\d{6}$/);
    expect(state.latestCode('+15550000000')).toBeUndefined();
  });

  it('the V1 route table: the fixed feedback path before the parametrised one, each operation\'s method, raw path parameters', () => {
    const match = (method: string, path: string) => matchIn(DING_ROUTES, method, path);
    expect(match('POST', '/v1/authentication')).toEqual({ operation: 'createAuthentication', method: 'POST', param: '' });
    expect(match('POST', '/v1/authentication/feedback')).toEqual({ operation: 'feedback', method: 'POST', param: '' });
    expect(match('GET', '/v1/authentication/feedback')).toEqual({ status: 405, allow: 'POST' });
    expect(match('GET', '/v1/authentication/abc')).toEqual({ operation: 'getAuthenticationStatus', method: 'GET', param: 'abc' });
    expect(match('GET', '/v1/lookup/%2B15551234567')).toEqual({ operation: 'lookup', method: 'GET', param: '%2B15551234567' });
    expect(match('POST', '/v1/check')).toEqual({ operation: 'check', method: 'POST', param: '' });
    expect(match('GET', '/v1/retry')).toEqual({ status: 405, allow: 'POST' });
    expect(match('GET', '/v1/lookup/+1/x')).toEqual({ status: 404 });
    expect(match('POST', '/v2/verification')).toEqual({ status: 404 });
  });

  it('an authentication logs at most 200 events, the first 200', () => {
    const state = new SandboxState(settings, clock);
    const id = state.create({ customer_uuid: 'x', phone_number: PHONE }).authentication_uuid ?? '';
    const wrong = wrongCode(state.latestCode(PHONE));
    // create logs 3 events (balance update, attempt, delivery status); each check logs 1.
    for (let i = 0; i < 197; i++) state.check(id, wrong);
    expect(state.status(id)?.events).toHaveLength(200);
    expect(state.check(id, wrong)?.status).toBe('invalid');
    const events = state.status(id)?.events ?? [];
    expect(events).toHaveLength(200);
    expect(events.at(-1)).toMatchObject({ type: 'check', status: 'invalid' });
  });
});
