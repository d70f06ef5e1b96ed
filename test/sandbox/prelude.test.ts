// The V2 sandbox module through its own functions (no HTTP): validation, the window state machine
// and the scripted numbers. HTTP, the Bearer key and faults are tested over real sockets in
// test/providers/prelude/provider.test.ts and ./prelude-sdk.test.ts.
import { describe, expect, it } from 'vitest';
import {
  PRELUDE_OPERATIONS,
  PreludeState,
  matchPreludeRoute,
  parsePreludeBody,
  preludeAuthorizer,
  preludeFaultAction,
  scriptFor,
  validateCheck,
  validateCreate,
} from '../../lib/sandbox/prelude/index.js';
import type { PreludeContext, PreludeStateSettings } from '../../lib/sandbox/prelude/index.js';
import type { CodeEvent } from '../../lib/sandbox/types.js';
import { wrongCode } from '../helpers/codes.js';

const PHONE = '+14155552671';
const OTHER = '+14155552672';
const MINUTE = 60_000;
const VRF = /^vrf_[0-9a-hjkmnp-tv-z]{26}$/;

function setup(overrides: Partial<PreludeStateSettings> = {}) {
  let now = Date.UTC(2026, 0, 2, 3, 4, 5);
  const events: CodeEvent[] = [];
  const state = new PreludeState(
    { codeLength: 6, ttlMs: 10 * MINUTE, maxAttempts: 3, maxRetries: 2, onCode: (e) => events.push(e), ...overrides },
    () => now,
  );
  const create = (phone = PHONE, extra: Record<string, unknown> = {}) => {
    const v = validateCreate({ target: { type: 'phone_number', value: phone }, ...extra });
    if (!v.ok) throw new Error('invalid create');
    return state.create(v.value);
  };
  return {
    state,
    events,
    create,
    check: (code: string, phone = PHONE) => state.check(phone, code),
    code: (phone = PHONE) => state.latestCode(phone) ?? '',
    advance: (ms: number) => {
      now += ms;
    },
  };
}


describe('V2 sandbox state', () => {
  it('create opens a window: success, a vrf_ id, a code of codeLength digits', () => {
    const s = setup();
    const reply = s.create(PHONE, { metadata: { correlation_id: 'c-1' } });
    expect(reply).toMatchObject({ status: 'success', method: 'message', channels: ['sms'], metadata: { correlation_id: 'c-1' } });
    expect(reply.id).toMatch(VRF);
    expect(reply.request_id).toMatch(/^req_/);
    expect(s.code()).toMatch(/^\d{6}$/);
    expect(s.events).toEqual([{ phoneNumber: PHONE, code: s.code(), authenticationUuid: reply.id, kind: 'send', channel: 'sms', method: 'message', message: `Your verification code is ${s.code()}.` }]);
  });

  it('create inside the window is a retry: same id, a new code, the old code no longer valid', () => {
    const s = setup({ codeLength: 8 });
    const first = s.create();
    const oldCode = s.code();
    const again = s.create();
    expect(again).toMatchObject({ id: first.id, status: 'retry' });
    expect(s.events.map((e) => e.kind)).toEqual(['send', 'retry']);
    if (oldCode !== s.code()) expect(s.check(oldCode).status).toBe('failure');
    expect(s.check(s.code())).toMatchObject({ id: first.id, status: 'success' });
  });

  it('one window per number: another number gets its own', () => {
    const s = setup();
    const a = s.create(PHONE);
    const b = s.create(OTHER);
    expect(b.status).toBe('success');
    expect(b.id).not.toBe(a.id);
  });

  it('a right code closes the window: a second check is expired_or_not_found, a create starts afresh', () => {
    const s = setup();
    const first = s.create();
    expect(s.check(s.code())).toMatchObject({ status: 'success', id: first.id });
    const after = s.check(s.code());
    expect(after.status).toBe('expired_or_not_found');
    expect(after.id).toBeUndefined();
    const next = s.create();
    expect(next.status).toBe('success');
    expect(next.id).not.toBe(first.id);
  });

  it('check with no window is expired_or_not_found', () => {
    const s = setup();
    expect(s.check('123456')).toEqual({ status: 'expired_or_not_found', request_id: expect.stringMatching(/^req_/) });
  });

  it('maxAttempts wrong codes close the window, even for the right code after', () => {
    const s = setup({ maxAttempts: 2 });
    s.create();
    const code = s.code();
    expect(s.check(wrongCode(code)).status).toBe('failure');
    expect(s.check(wrongCode(code)).status).toBe('failure');
    expect(s.check(code).status).toBe('expired_or_not_found');
  });

  it('the window ends at its TTL', () => {
    const s = setup();
    const first = s.create();
    s.advance(10 * MINUTE - 1);
    expect(s.create()).toMatchObject({ id: first.id, status: 'retry' });
    s.advance(1);
    expect(s.check(s.code()).status).toBe('expired_or_not_found');
    expect(s.create().status).toBe('success');
  });

  it('past maxRetries resends, create is blocked (repeated_attempts) until the window ends; the last code still works', () => {
    const s = setup({ maxRetries: 1 });
    const first = s.create();
    expect(s.create().status).toBe('retry');
    const blocked = s.create();
    expect(blocked).toMatchObject({ status: 'blocked', reason: 'repeated_attempts', method: 'message' });
    expect(blocked.id).not.toBe(first.id);
    expect(blocked.channels).toBeUndefined();
    expect(s.events).toHaveLength(2);
    expect(s.check(s.code()).status).toBe('success');
  });

  it('options.code_size sets the code length', () => {
    const s = setup();
    s.create(PHONE, { options: { code_size: 4 } });
    expect(s.code()).toMatch(/^\d{4}$/);
  });

  it('clear() forgets windows and codes', () => {
    const s = setup();
    s.create();
    s.state.clear();
    expect(s.state.latestCode(PHONE)).toBeUndefined();
    expect(s.check('123456').status).toBe('expired_or_not_found');
  });

  it('a throwing onCode does not break create', () => {
    const state = new PreludeState(
      { codeLength: 6, ttlMs: MINUTE, maxAttempts: 3, maxRetries: 1, onCode: () => { throw new Error('boom'); } },
      () => 0,
    );
    expect(state.create({ target: { type: 'phone_number', value: PHONE } }).status).toBe('success');
  });
});

describe('V2 sandbox scripted numbers', () => {
  const numbers = new Map<string, NonNullable<Parameters<typeof scriptFor>[0]>>([
    ['+15550000001', 'rate_limited'],
    ['+15550000002', 'spam_detected'],
    ['+15550000003', 'blocked_number'],
    ['+15550000004', 'unsupported_region'],
    ['+15550000005', 'invalid_line'],
    ['+15550000006', { prelude: { status: 'shadow_blocked', reason: 'suspicious' } }],
    ['+15550000007', { prelude: { status: 'challenged' } }],
    ['+15550000008', { prelude: { error: 'too_many_requests', httpStatus: 429 } }],
    ['+15550000009', { lookup: { line_type: 'Voip' } }],
  ]);
  const s = setup();
  const ctx: PreludeContext = { state: s.state, numbers };
  const create = (value: string) => PRELUDE_OPERATIONS.createVerification(ctx, { body: { target: { type: 'phone_number', value } } });

  it.each([
    ['+15550000001', 'repeated_attempts'],
    ['+15550000002', 'suspicious'],
    ['+15550000003', 'in_block_list'],
  ])('%s is blocked with reason %s, and no code is sent', (phone, reason) => {
    const reply = create(phone);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: 'blocked', reason });
    expect(s.state.latestCode(phone)).toBeUndefined();
  });

  it.each([
    ['+15550000004', 'unsupported_country', 400],
    ['+15550000005', 'invalid_line_type', 400],
    ['+15550000008', 'too_many_requests', 429],
  ])('%s answers the error %s (HTTP %i)', (phone, code, status) => {
    const reply = create(phone);
    expect(reply.status).toBe(status);
    expect(reply.body).toMatchObject({ code, message: expect.any(String), param: 'target.value' });
  });

  it('shadow_blocked looks refused-in-silence: no window, no code', () => {
    expect(create('+15550000006').body).toMatchObject({ status: 'shadow_blocked', reason: 'suspicious' });
    expect(s.state.latestCode('+15550000006')).toBeUndefined();
  });

  it('challenged opens a window and sends a code over a non-SMS channel', () => {
    expect(create('+15550000007').body).toMatchObject({ status: 'challenged', channels: ['whatsapp'] });
    const code = s.state.latestCode('+15550000007') ?? '';
    expect(PRELUDE_OPERATIONS.checkVerification(ctx, { body: { target: { type: 'phone_number', value: '+15550000007' }, code } }).body).toMatchObject({
      status: 'success',
    });
  });

  it('a lookup script changes nothing on V2 create', () => {
    expect(create('+15550000009').body).toMatchObject({ status: 'success' });
  });
});

describe('V2 sandbox validation', () => {
  const target = { type: 'phone_number', value: PHONE };
  const error = (v: ReturnType<typeof validateCreate>) => (v.ok ? undefined : { status: v.reply.status, ...(v.reply.body as object) });

  it('accepts every field the SDK 0.10.0 can send (and newer unknown ones)', () => {
    const body = {
      target,
      dispatch_id: '123e4567-e89b-12d3-a456-426614174000',
      metadata: { correlation_id: 'x'.repeat(64) },
      options: {
        template_id: 'prelude:psd2',
        variables: { app: 'Demo' },
        locale: 'el-GR',
        sender_id: 'Demo',
        code_size: 8,
        callback_url: 'https://example.com/hook',
        method: 'message',
        preferred_channel: 'whatsapp',
        app_realm: { platform: 'android', value: 'FA+9qCX9VSu' },
        integration: 'auth0',
        channels: ['sms'],
      },
      signals: {
        ip: '2001:db8::1',
        device_id: 'd',
        device_platform: 'ios',
        device_model: 'iPhone17,1',
        os_version: '18.0',
        app_version: '1.2.3',
        user_agent: 'Mozilla/5.0',
        is_trusted_user: false,
        existing_user: true,
        ja4_fingerprint: 't13d1516h2_8daaf6152771_e5627efa2ab1',
      },
    };
    expect(validateCreate(body).ok).toBe(true);
  });

  it.each([
    ['no target', {}, 'invalid_request', 'target'],
    ['a string target', { target: PHONE }, 'invalid_request', 'target'],
    ['an unknown target type', { target: { type: 'sms', value: PHONE } }, 'invalid_request', 'target.type'],
    ['an email target', { target: { type: 'email_address', value: 'a@b.c' } }, 'email_verification_not_allowed', 'target.type'],
    ['a non-E.164 number', { target: { type: 'phone_number', value: '4155552671' } }, 'invalid_phone_number', 'target.value'],
    ['a numeric value', { target: { type: 'phone_number', value: 14155552671 } }, 'invalid_request', 'target.value'],
    ['an upper-case platform', { target, signals: { device_platform: 'IOS' } }, 'invalid_request', 'signals.device_platform'],
    ['a bad ip', { target, signals: { ip: '1.2.3' } }, 'invalid_request', 'signals.ip'],
    ['a non-boolean trust', { target, signals: { is_trusted_user: 'yes' } }, 'invalid_request', 'signals.is_trusted_user'],
    ['a bad locale', { target, options: { locale: 'english please' } }, 'invalid_locale', 'options.locale'],
    ['a code size of 3', { target, options: { code_size: 3 } }, 'invalid_code_size', 'options.code_size'],
    ['a custom code', { target, options: { custom_code: '1234' } }, 'custom_code_not_allowed', 'options.custom_code'],
    ['both code size and custom code', { target, options: { code_size: 6, custom_code: '123456' } }, 'custom_size_conflict', 'options.code_size'],
    ['a bad callback URL', { target, options: { callback_url: 'ftp://x' } }, 'invalid_callback_url', 'options.callback_url'],
    ['an iOS app realm', { target, options: { app_realm: { platform: 'ios', value: 'FA+9qCX9VSu' } } }, 'invalid_app_realm_platform', 'options.app_realm.platform'],
    ['a string app realm', { target, options: { app_realm: 'FA+9qCX9VSu' } }, 'invalid_app_realm', 'options.app_realm'],
    ['a short app hash', { target, options: { app_realm: { platform: 'android', value: 'abc' } } }, 'invalid_app_realm_value', 'options.app_realm.value'],
    ['an unknown method', { target, options: { method: 'sms' } }, 'invalid_request', 'options.method'],
    ['template variables that are not strings', { target, options: { variables: { a: 1 } } }, 'invalid_template_variables', 'options.variables'],
    ['a long correlation id', { target, metadata: { correlation_id: 'x'.repeat(65) } }, 'invalid_correlation_id', 'metadata.correlation_id'],
    ['a short dispatch id', { target, dispatch_id: 'abc' }, 'invalid_request', 'dispatch_id'],
  ])('refuses %s', (_what, body, code, param) => {
    expect(error(validateCreate(body as Record<string, unknown>))).toEqual({ status: 400, code, param, message: expect.any(String) });
  });

  it('never echoes the input in a message', () => {
    const v = validateCreate({ target: { type: 'phone_number', value: '+0123' } });
    expect(JSON.stringify(v)).not.toContain('+0123');
  });

  it('check needs a target and a non-empty code', () => {
    expect(validateCheck({ target, code: '123456' })).toEqual({ ok: true, value: { target, code: '123456' } });
    for (const code of [undefined, '', 123456, 'x'.repeat(65)]) {
      const v = validateCheck({ target, code });
      expect(v.ok ? undefined : v.reply.body).toMatchObject({ code: 'invalid_request', param: 'code' });
    }
    const v = validateCheck({ code: '123456' });
    expect(v.ok ? undefined : v.reply.body).toMatchObject({ code: 'invalid_request', param: 'target' });
  });
});

describe('V2 sandbox HTTP pieces', () => {
  it('routes the two POST paths, 405 for other methods, 404 elsewhere', () => {
    expect(matchPreludeRoute('POST', '/v2/verification')).toEqual({ operation: 'createVerification', method: 'POST', param: '' });
    expect(matchPreludeRoute('POST', '/v2/verification/check')).toEqual({ operation: 'checkVerification', method: 'POST', param: '' });
    expect(matchPreludeRoute('GET', '/v2/lookup/+14155552671')).toEqual({ operation: 'lookupPhoneNumber', method: 'GET', param: '+14155552671' });
    expect(matchPreludeRoute('GET', '/v2/verification')).toEqual({ status: 405, allow: 'POST' });
    expect(matchPreludeRoute('POST', '/v2/lookup/+14155552671')).toEqual({ status: 405, allow: 'GET' });
    expect(matchPreludeRoute('GET', '/v2/lookup/')).toEqual({ status: 404 });
    expect(matchPreludeRoute('GET', '/v2/lookup/+1/x')).toEqual({ status: 404 });
    expect(matchPreludeRoute('POST', '/v2/verify')).toEqual({ status: 404 });
  });

  it('takes the API key as a Bearer token only', () => {
    const authorize = preludeAuthorizer('sandbox_key');
    expect(authorize('Bearer sandbox_key')).toBeUndefined();
    expect(authorize('bearer sandbox_key')).toBeUndefined();
    expect(authorize('Bearer other')).toMatchObject({ status: 401, body: { code: 'invalid_api_key' } });
    for (const header of [undefined, '', 'sandbox_key', 'Basic sandbox_key', ['Bearer sandbox_key']]) {
      expect(authorize(header)).toMatchObject({ status: 401, body: { code: 'invalid_bearer_token' } });
    }
  });

  it('answers a bad body with invalid_request', () => {
    expect(parsePreludeBody(Buffer.from('{'), 'application/json')).toMatchObject({ reply: { status: 400, body: { code: 'invalid_request' } } });
    expect(parsePreludeBody(Buffer.from('{}'), 'text/plain')).toMatchObject({ reply: { status: 400, body: { code: 'invalid_request' } } });
    expect(parsePreludeBody(Buffer.from('{"a":1}'), 'application/json')).toEqual({ body: { a: 1 } });
  });

  it('shapes faults as V2 would', () => {
    expect(preludeFaultAction('http500', 'createVerification', 0)).toEqual({ kind: 'reply', reply: { status: 500, body: { code: 'internal', message: 'Internal server error' } } });
    expect(preludeFaultAction('unknown_status_value', 'createVerification', 0)).toMatchObject({ reply: { status: 200, body: { status: 'approved' } } });
    expect(preludeFaultAction('unknown_status_value', 'checkVerification', 0)).toMatchObject({ reply: { status: 200, body: { status: 'expired' } } });
    expect(preludeFaultAction('timeout', 'checkVerification', 0)).toEqual({ kind: 'hold' });
    expect(preludeFaultAction('reset', 'checkVerification', 0)).toEqual({ kind: 'reset' });
    expect(preludeFaultAction('unknown_status_value', 'lookupPhoneNumber', 0)).toMatchObject({ reply: { status: 200, body: { line_type: 'landline' } } });
  });
});

describe('V2 sandbox lookup', () => {
  const numbers = new Map<string, NonNullable<Parameters<typeof scriptFor>[0]>>([
    ['+15550000001', { lookup: { line_type: 'PremiumRate', temporary_phone_number: true, number_ported: true } }],
    ['+15550000002', 'invalid_line'],
    ['+15550000003', { prelude: { lookup: { line_type: 'shared_cost', flags: ['temporary'], caller_name: 'ACME' } } }],
    ['+15550000004', { prelude: { status: 'blocked', reason: 'suspicious' } }],
    ['+15550000005', { lookup: { line_type: undefined } }],
  ]);
  const ctx: PreludeContext = { state: setup().state, numbers };
  const lookup = (param: string, query = '') => PRELUDE_OPERATIONS.lookupPhoneNumber(ctx, { body: {}, param, query: new URLSearchParams(query) });

  it('answers a mobile line on a plausible carrier, V2-shaped', () => {
    expect(lookup('+14155552671')).toEqual({
      status: 200,
      body: { phone_number: '+14155552671', country_code: 'US', line_type: 'mobile', flags: [], network_info: { carrier_name: 'AT&T', mcc: '310', mnc: '410' } },
    });
    // The SDK sends the `+` as is; a percent-encoded one works too.
    expect(lookup('%2B447400123456').body).toMatchObject({ phone_number: '+447400123456', country_code: 'GB', line_type: 'mobile' });
  });

  it('says V1 lookup scripts the V2 way, and V2 scripts as written', () => {
    expect(lookup('+15550000001').body).toMatchObject({ line_type: 'premium_rate', flags: ['ported', 'temporary'] });
    expect(lookup('+15550000002').body).toMatchObject({ line_type: 'fixed_line' });
    expect(lookup('+15550000003').body).toMatchObject({ line_type: 'shared_cost', flags: ['temporary'] });
    expect(lookup('+15550000003').body).not.toHaveProperty('caller_name');
    expect(lookup('+15550000004').body).toMatchObject({ line_type: 'mobile' });
    expect(lookup('+15550000005').body).not.toHaveProperty('line_type');
  });

  it('gives the caller name only for type=cnam', () => {
    expect(lookup('+14155552671', 'type=cnam').body).toMatchObject({ caller_name: 'SANDBOX CALLER' });
    expect(lookup('+15550000003', 'type=cnam').body).toMatchObject({ caller_name: 'ACME' });
    expect(lookup('+14155552671').body).not.toHaveProperty('caller_name');
  });

  it('refuses a number that is not E.164, and a type that is not cnam', () => {
    for (const bad of ['14155552671', '+0123', 'abc', '%E0%A4%A', '']) {
      expect(lookup(bad)).toMatchObject({ status: 400, body: { code: 'invalid_phone_number', param: 'phone_number' } });
    }
    expect(lookup('+14155552671', 'type=cnam,carrier')).toMatchObject({ status: 400, body: { code: 'invalid_request', param: 'type' } });
  });

  it('a lookup script is a valid preludeNumbers entry, and changes nothing on create', () => {
    const create = (value: string) => PRELUDE_OPERATIONS.createVerification(ctx, { body: { target: { type: 'phone_number', value } } });
    expect(create('+15550000003').body).toMatchObject({ status: 'success' });
    expect(scriptFor({ prelude: { lookup: { line_type: 'voip' } } })).toBeUndefined();
  });
});
