// The sandbox's state machine and options, over real HTTP on 127.0.0.1. Time moves with a test
// clock (`now`) and `advance()`, never with sleeps.
import { Agent, request } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startDingSandbox, type CodeEvent, type DingSandbox, type DingSandboxOptions } from 'passport-ding/sandbox';
import { wrongCode } from '../helpers/codes.js';

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
    expect((await lookup(sb, '+8801712345678')).body).not.toHaveProperty('country_code');
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
