// The V2 sandbox module through its own functions (no HTTP): validation, the window state machine
// and the scripted numbers. HTTP, the Bearer key and faults are tested over real sockets in
// test/providers/prelude/provider.test.ts and ./prelude-sdk.test.ts.
import { describe, expect, it } from 'vitest';
import {
  PRELUDE_OPERATIONS,
  PreludeState,
  createPreludeModule,
  parsePreludeBody,
  preludeAuthorizer,
  preludeFaultAction,
  scriptFor,
  validateCheck,
  ulid,
  validateCreate,
  validateLookup,
} from '../../lib/sandbox/prelude/index.js';
import { matchIn } from '../../lib/sandbox/core/routes.js';
import { preludeLookupScriptProblem } from '../../lib/sandbox/prelude/lookup.js';
import { PRELUDE_ROUTES } from '../../lib/sandbox/prelude/routes.js';
import { isPreludeNumberScript } from '../../lib/sandbox/prelude/operations.js';
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
    const matchPreludeRoute = (method: string, path: string) => matchIn(PRELUDE_ROUTES, method, path);
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
  it('every fault mode, each body exactly', () => {
    const reply = (mode: Parameters<typeof preludeFaultAction>[0], op: Parameters<typeof preludeFaultAction>[1]) => preludeFaultAction(mode, op, 0);
    expect(reply('http503', 'createVerification')).toEqual({ kind: 'reply', reply: { status: 503, body: { message: 'Service Unavailable' } } });
    expect(reply('forbidden', 'checkVerification')).toEqual({ kind: 'reply', reply: { status: 403, body: { message: 'Forbidden' } } });
    expect(reply('bad_json', 'createVerification')).toEqual({ kind: 'reply', reply: { status: 200, raw: '{"id": "vrf_' } });
    expect(reply('bad_json', 'lookupPhoneNumber')).toEqual({ kind: 'reply', reply: { status: 200, raw: '{"phone_number": "+' } });
    const id = expect.stringMatching(/^vrf_0000000000[0-9a-hjkmnp-tv-z]{16}$/);
    expect(reply('unknown_status_value', 'createVerification')).toEqual({ kind: 'reply', reply: { status: 200, body: { id, status: 'approved', method: 'message' } } });
    expect(reply('unknown_status_value', 'checkVerification')).toEqual({ kind: 'reply', reply: { status: 200, body: { id, status: 'expired' } } });
    expect(reply('unknown_status_value', 'lookupPhoneNumber')).toEqual({
      kind: 'reply',
      reply: { status: 200, body: { phone_number: '+15555550100', country_code: 'US', line_type: 'landline', flags: [] } },
    });
  });

  it('an error inside the sandbox answers a V2 500', () => {
    const module = createPreludeModule({
      apiKey: 'k',
      settings: { codeLength: 6, ttlMs: MINUTE, maxAttempts: 3, maxRetries: 1, onCode: undefined },
      now: () => 0,
      numbers: new Map(),
      deliver: () => {},
    });
    expect(module.internalError()).toEqual({ status: 500, body: { code: 'internal', message: 'sandbox error' } });
  });

  it('the Bearer token is the whole rest of the header, after one or more spaces', () => {
    const authorize = preludeAuthorizer('sandbox_key');
    expect(authorize('Bearer   sandbox_key')).toBeUndefined();
    for (const header of ['Bearer sandbox_key extra', 'XBearer sandbox_key', 'Bearersandbox_key']) {
      expect(authorize(header)).toMatchObject({ status: 401, body: { code: 'invalid_bearer_token' } });
    }
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

// Found by mutating lib/sandbox/prelude/ (docs/_incoming/mut-sbx-prelude.md): each V2 refusal
// with its code, its param and its exact message; the shapes of the answers, the channels and the
// webhook payloads that no test above pinned.
describe('V2 sandbox, each refusal and answer exactly', () => {
  const target = { type: 'phone_number', value: PHONE };

  it.each([
    ["a null target", {"target":null}, "invalid_request", "target", "target is required and must be an object"],
    ["no target", {}, "invalid_request", "target", "target is required and must be an object"],
    ["an unknown target type", {"target":{"type":"sms","value":PHONE}}, "invalid_request", "target.type", "target.type must be one of phone_number, email_address"],
    ["a numeric value", {"target":{"type":"phone_number","value":14155552671}}, "invalid_request", "target.value", "target.value is required and must be a string"],
    ["an email target", {"target":{"type":"email_address","value":"a@b.c"}}, "email_verification_not_allowed", "target.type", "email verification is not enabled for this account"],
    ["a non-E.164 number", {"target":{"type":"phone_number","value":"4155552671"}}, "invalid_phone_number", "target.value", "target.value is not a valid phone number"],
    ["signals that are not an object", {target,"signals":"x"}, "invalid_request", "signals", "signals must be an object"],
    ["a numeric device id", {target,"signals":{"device_id":1}}, "invalid_request", "signals.device_id", "signals.device_id must be a string"],
    ["a non-boolean trust", {target,"signals":{"is_trusted_user":"yes"}}, "invalid_request", "signals.is_trusted_user", "signals.is_trusted_user must be a boolean"],
    ["a bad ip", {target,"signals":{"ip":"1.2.3"}}, "invalid_request", "signals.ip", "signals.ip must be an IPv4 or IPv6 address"],
    ["an upper-case platform", {target,"signals":{"device_platform":"IOS"}}, "invalid_request", "signals.device_platform", "signals.device_platform must be one of android, ios, ipados, tvos, web"],
    ["options that are not an object", {target,"options":[]}, "invalid_request", "options", "options must be an object"],
    ["a numeric template id", {target,"options":{"template_id":1}}, "invalid_request", "options.template_id", "options.template_id must be a string"],
    ["template variables with one not a string", {target,"options":{"variables":{"a":"x","b":1}}}, "invalid_template_variables", "options.variables", "options.variables must map names to strings"],
    ["both code size and custom code", {target,"options":{"code_size":6,"custom_code":"123456"}}, "custom_size_conflict", "options.code_size", "options.code_size and options.custom_code cannot be used together"],
    ["a code size of 9", {target,"options":{"code_size":9}}, "invalid_code_size", "options.code_size", "options.code_size must be an integer from 4 to 8"],
    ["a custom code", {target,"options":{"custom_code":"1234"}}, "custom_code_not_allowed", "options.custom_code", "custom codes are not enabled for this account"],
    ["a bad locale", {target,"options":{"locale":"english please"}}, "invalid_locale", "options.locale", "options.locale must be a BCP-47 language tag"],
    ["a bad callback URL", {target,"options":{"callback_url":"ftp://x"}}, "invalid_callback_url", "options.callback_url", "options.callback_url must be an http(s) URL"],
    ["an unknown method", {target,"options":{"method":"sms"}}, "invalid_request", "options.method", "options.method must be one of auto, voice, message"],
    ["an unknown preferred channel", {target,"options":{"preferred_channel":"voice"}}, "invalid_request", "options.preferred_channel", "options.preferred_channel must be one of sms, rcs, whatsapp, viber, zalo, telegram"],
    ["a string app realm", {target,"options":{"app_realm":"FA+9qCX9VSu"}}, "invalid_app_realm", "options.app_realm", "options.app_realm must be an object"],
    // Prelude's error list: invalid_app_realm is "Both platform and value are required for app realm".
    ["an app realm without a platform", {target,"options":{"app_realm":{"value":"FA+9qCX9VSu"}}}, "invalid_app_realm", "options.app_realm", "options.app_realm needs both platform and value"],
    ["an app realm without a value", {target,"options":{"app_realm":{"platform":"android"}}}, "invalid_app_realm", "options.app_realm", "options.app_realm needs both platform and value"],
    ["an empty app realm", {target,"options":{"app_realm":{}}}, "invalid_app_realm", "options.app_realm", "options.app_realm needs both platform and value"],
    ["an iOS app realm", {target,"options":{"app_realm":{"platform":"ios","value":"FA+9qCX9VSu"}}}, "invalid_app_realm_platform", "options.app_realm.platform", "options.app_realm.platform must be android or web"],
    ["a 12-character app hash", {target,"options":{"app_realm":{"platform":"android","value":"FA+9qCX9VSux"}}}, "invalid_app_realm_value", "options.app_realm.value", "options.app_realm.value must be an 11-character app hash"],
    ["a numeric app hash", {target,"options":{"app_realm":{"platform":"android","value":12345678901}}}, "invalid_app_realm_value", "options.app_realm.value", "options.app_realm.value must be an 11-character app hash"],
    ["a web realm with a scheme", {target,"options":{"app_realm":{"platform":"web","value":"https://example.com"}}}, "invalid_app_realm_value", "options.app_realm.value", "options.app_realm.value must be the site domain, e.g. example.com"],
    ["a numeric web realm", {target,"options":{"app_realm":{"platform":"web","value":12345}}}, "invalid_app_realm_value", "options.app_realm.value", "options.app_realm.value must be the site domain, e.g. example.com"],
    ["metadata that is not an object", {target,"metadata":"x"}, "invalid_request", "metadata", "metadata must be an object"],
    ["a numeric correlation id", {target,"metadata":{"correlation_id":5}}, "invalid_correlation_id", "metadata.correlation_id", "metadata.correlation_id must be a string of at most 64 characters"],
    ["a long correlation id", {target,"metadata":{"correlation_id":"x".repeat(65)}}, "invalid_correlation_id", "metadata.correlation_id", "metadata.correlation_id must be a string of at most 64 characters"],
    ["a short dispatch id", {target,"dispatch_id":"abc"}, "invalid_request", "dispatch_id", "dispatch_id must be a string of 36 characters"],
    ["a dispatch id that is a list of 36", {target,"dispatch_id":Array(36).fill("a")}, "invalid_request", "dispatch_id", "dispatch_id must be a string of 36 characters"],
  ])('refuses %s with its code, param and message', (_what, body, code, param, message) => {
    const v = validateCreate(body as Record<string, unknown>);
    expect(v.ok ? undefined : v.reply).toEqual({ status: 400, body: { code, message, param } });
  });

  it('ignores options.integration, whatever its value: it left the spec in 2026-01 (CONTRACT.md §14)', () => {
    for (const integration of ['auth0', 'firebase', 42]) expect(validateCreate({ target, options: { integration } }).ok).toBe(true);
  });

  it('accepts a web app realm (a domain, with a port), an empty metadata and a code of 64 characters', () => {
    for (const value of ['example.com', 'localhost:3000']) expect(validateCreate({ target, options: { app_realm: { platform: 'web', value } } }).ok).toBe(true);
    expect(validateCreate({ target, metadata: {} }).ok).toBe(true);
    expect(validateCheck({ target, code: 'x'.repeat(64) }).ok).toBe(true);
    const v = validateCheck({ target, code: '' });
    expect(v.ok ? undefined : v.reply.body).toEqual({ code: 'invalid_request', message: 'code is required and must be a non-empty string', param: 'code' });
  });

  it('lookup refusals say what is wrong', () => {
    const body = (v: ReturnType<typeof validateLookup>) => (v.ok ? undefined : v.reply.body);
    expect(body(validateLookup('123', new URLSearchParams()))).toEqual({
      code: 'invalid_phone_number',
      message: 'phone_number is not a valid E.164 phone number',
      param: 'phone_number',
    });
    expect(body(validateLookup(PHONE, new URLSearchParams('type=x')))).toEqual({ code: 'invalid_request', message: 'type must be cnam', param: 'type' });
  });

  it('a check the validator refuses is a 400, not a check', () => {
    const ctx: PreludeContext = { state: setup().state, numbers: new Map() };
    expect(PRELUDE_OPERATIONS.checkVerification(ctx, { body: { target } })).toMatchObject({ status: 400, body: { code: 'invalid_request', param: 'code' } });
  });

  it('a scripted error answers its own message, or a generic one for a code without one', () => {
    const numbers = new Map<string, NonNullable<Parameters<typeof scriptFor>[0]>>([
      ['+15550000001', { prelude: { error: 'too_many_requests', httpStatus: 429 } }],
      ['+15550000002', { prelude: { error: 'internal', httpStatus: 500 } }],
    ]);
    const ctx: PreludeContext = { state: setup().state, numbers };
    const create = (value: string) => PRELUDE_OPERATIONS.createVerification(ctx, { body: { target: { type: 'phone_number', value } } });
    expect(create('+15550000001')).toEqual({ status: 429, body: { code: 'too_many_requests', message: 'too many requests', param: 'target.value' } });
    expect(create('+15550000002')).toEqual({ status: 500, body: { code: 'internal', message: 'the request was refused', param: 'target.value' } });
  });

  it('preludeNumbers entries: what is a script and what is not', () => {
    for (const good of [{ error: 'internal' }, { error: 'too_many_requests', httpStatus: 429 }, { error: 'internal', httpStatus: 400 }, { error: 'internal', httpStatus: 599 }, { status: 'shadow_blocked', reason: 'suspicious' }, { lookup: {} }, { status: 'challenged' }, { status: 'blocked', reason: 'suspicious' }]) {
      expect(isPreludeNumberScript(good)).toBe(true);
    }
    for (const bad of [null, 'blocked', 42, { error: 'nope' }, { error: 'internal', httpStatus: 399 }, { error: 'internal', httpStatus: 600 }, { error: 'internal', httpStatus: 429.5 }, { lookup: null }, { lookup: [] }, { lookup: 'voip' }, { status: 'blocked', reason: 'nope' }, { status: 'success' }, { status: 'success', reason: 'suspicious' }]) {
      expect(isPreludeNumberScript(bad)).toBe(false);
    }
  });

  it('scripted lookup answers: each field outside the V2 answer is refused by name', () => {
    expect(preludeLookupScriptProblem({ phone_number: '+1', country_code: 'US', caller_name: 'A', line_type: 'voip', flags: ['ported'], network_info: { carrier_name: 'X', mcc: '310', mnc: undefined }, original_network_info: {}, flags2: undefined })).toBeUndefined();
    expect(preludeLookupScriptProblem({ country_code: 1 })).toBe('lookup.country_code must be a string');
    expect(preludeLookupScriptProblem({ flags: ['ported', 'roaming'] })).toBe('lookup.flags must be a list of ported, temporary');
    expect(preludeLookupScriptProblem({ line_type: 'Mobile' })).toMatch(/^lookup\.line_type must be one of calling_cards, /);
    for (const bad of [null, 'X', '', 5, { carrier: 'X' }, { carrier_name: 'X', carrier: 'Y' }, { mcc: 310 }]) {
      expect(preludeLookupScriptProblem({ network_info: bad })).toBe('lookup.network_info must be { carrier_name?, mcc?, mnc? } of strings');
    }
    expect(preludeLookupScriptProblem({ original_network_info: { mnc: 1 } })).toBe('lookup.original_network_info must be { carrier_name?, mcc?, mnc? } of strings');
    expect(preludeLookupScriptProblem({ carrier: 'X' })).toBe("lookup.carrier is not a field of Prelude's lookup answer");
  });

  it('a V1 lookup script that removes carrier fields: network_info holds only what is left', () => {
    const numbers = new Map<string, NonNullable<Parameters<typeof scriptFor>[0]>>([
      ['+15550000001', { lookup: { carrier: undefined, mcc: undefined, mnc: undefined } }],
      ['+15550000002', { lookup: { mcc: undefined, mnc: undefined } }],
      ['+15550000003', { lookup: { carrier: undefined, mnc: undefined } }],
      ['+15550000004', { lookup: { carrier: undefined, mcc: undefined } }],
    ] as never);
    const ctx: PreludeContext = { state: setup().state, numbers };
    const lookup = (param: string) => JSON.parse(JSON.stringify(PRELUDE_OPERATIONS.lookupPhoneNumber(ctx, { body: {}, param }).body)) as Record<string, unknown>;
    expect(lookup('+15550000001')).not.toHaveProperty('network_info');
    expect(lookup('+15550000002').network_info).toEqual({ carrier_name: expect.any(String) });
    expect(lookup('+15550000003').network_info).toEqual({ mcc: expect.any(String) });
    expect(lookup('+15550000004').network_info).toEqual({ mnc: expect.any(String) });
  });

  it('channels: voice is a call, a preferred channel is planned before SMS, a challenged window never uses SMS', () => {
    const s = setup();
    expect(s.create(PHONE, { options: { method: 'voice' } })).toMatchObject({ method: 'voice', channels: ['voice'] });
    expect(s.events.at(-1)).toMatchObject({ channel: 'voice', method: 'voice' });
    expect(s.create(OTHER, { options: { preferred_channel: 'whatsapp' } })).toMatchObject({ method: 'message', channels: ['whatsapp', 'sms'] });
    expect(s.create('+14155552673')).toMatchObject({ method: 'message', channels: ['sms'] });
    const challenged = (phone: string, options: Record<string, unknown>) => {
      const v = validateCreate({ target: { type: 'phone_number', value: phone }, options });
      if (!v.ok) throw new Error('invalid create');
      return s.state.create(v.value, { status: 'challenged' });
    };
    expect(challenged('+14155552674', { preferred_channel: 'sms' })).toMatchObject({ status: 'challenged', channels: ['whatsapp'] });
    expect(challenged('+14155552675', { preferred_channel: 'viber' })).toMatchObject({ status: 'challenged', channels: ['viber'] });
    expect(s.events.at(-1)).toMatchObject({ channel: 'viber', method: 'message' });
    // A resend in a challenged window is challenged too, not a plain retry.
    expect(challenged('+14155552675', {})).toMatchObject({ status: 'challenged', channels: ['whatsapp'] });
  });

  it('a web app realm puts the WebOTP line in the message', () => {
    const s = setup();
    s.create(PHONE, { options: { app_realm: { platform: 'web', value: 'example.com' } } });
    expect(s.events.at(-1)?.message).toBe(`Your verification code is ${s.code()}.\n\n@example.com #${s.code()}`);
  });

  it('ids carry their time in Crockford base 32', () => {
    expect(ulid('x', 0).slice(0, 12)).toBe('x_0000000000');
    expect(ulid('x', 33).slice(0, 12)).toBe('x_0000000011');
    expect(ulid('x', -5).slice(0, 12)).toBe('x_0000000000');
    expect(ulid('vrf', Date.UTC(2026, 0, 2)).slice(0, 14)).toBe('vrf_01kdy02100');
  });

  it('the correlation id and callback URL of a retry replace the window\'s; a retry without them keeps them', () => {
    const posts: [string, string][] = [];
    const s = setup({ webhook: (url, event) => posts.push([url, event.type]) });
    s.create(PHONE, { metadata: { correlation_id: 'a' }, options: { callback_url: 'https://a.example/hook' } });
    s.create(PHONE);
    expect(s.check(wrongCode(s.code()))).toMatchObject({ metadata: { correlation_id: 'a' } });
    expect(posts.at(-1)?.[0]).toBe('https://a.example/hook');
    s.create(PHONE, { metadata: { correlation_id: 'b' }, options: { callback_url: 'https://b.example/hook' } });
    expect(s.check(wrongCode(s.code()))).toMatchObject({ metadata: { correlation_id: 'b' } });
    expect(posts.at(-1)?.[0]).toBe('https://b.example/hook');
  });

  it('no correlation id, no metadata; no callback URL, no webhook; a callback URL without a webhook setting is harmless', () => {
    const posts: unknown[] = [];
    const s = setup({ webhook: (_url, event) => posts.push(event) });
    s.create();
    expect(s.check(wrongCode(s.code()))).not.toHaveProperty('metadata');
    expect(posts).toEqual([]);
    expect(setup().create(PHONE, { options: { callback_url: 'https://a.example/hook' } }).status).toBe('success');
  });

  it('webhook payloads: no metadata without a correlation id, carrier_information only for a number with a carrier (+881, a satellite network, has none)', () => {
    const events: { type: string; payload: Record<string, unknown> }[] = [];
    const s = setup({ webhook: (_url, event) => events.push(JSON.parse(JSON.stringify(event)) as never) });
    s.create('+881612345678', { options: { callback_url: 'https://a.example/hook' } });
    expect(events.map((e) => e.type)).toEqual(['verify.authentication', 'verify.attempt', 'verify.delivery_status']);
    for (const e of events) {
      expect(e.payload).not.toHaveProperty('metadata');
      expect(e.payload).not.toHaveProperty('carrier_information');
    }
  });
});
