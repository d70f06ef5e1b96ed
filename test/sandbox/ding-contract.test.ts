// The sandbox against Ding's own OpenAPI spec (read at test time; see ../helpers/spec.ts).
// Every operation's success and error paths are provoked over real HTTP; each answer's status,
// content type and body are validated against the spec's schema for that status, and each
// request we send is validated against the spec's request schema, so the spec checks both sides.
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_STATUSES, RETRY_STATUSES, AUTHENTICATION_STATUSES, ERROR_CODES } from '../../lib/providers/ding/wire.js';
import { startDingSandbox, SANDBOX_OPERATIONS, type DingSandbox, type SandboxOperation } from 'passport-ding/sandbox';
import { DING_SPEC_PATH, loadDingSpec, REQUIRE_SPEC, type DingSpec } from '../helpers/spec.js';
import { wrongCode } from '../helpers/codes.js';

const spec = loadDingSpec();

const OPERATION_IDS: Record<SandboxOperation, string> = {
  createAuthentication: 'create-authentication',
  check: 'check',
  retry: 'retry',
  feedback: 'feedback',
  getAuthenticationStatus: 'getAuthenticationStatus',
  lookup: 'lookup',
};

interface Answer {
  status: number;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

interface CallInit {
  body?: unknown;
  path?: Record<string, string>;
  query?: Record<string, string[]>;
  headers?: Record<string, string>;
  /** false: this request breaks the spec on purpose (to provoke a 400). */
  requestValid?: boolean;
}

// Where the spec is, this suite runs (this project's CI has it beside the clone). In a clone
// without it (a contributor's) the suite is skipped with one line saying why and how to run it,
// even under PASSPORT_DING_REQUIRE_ALL=1, so `bash .ci/run` passes there; PASSPORT_DING_REQUIRE_SPEC=1
// makes a missing spec a failure instead.
const contractSuite = "sandbox answers as Ding's OpenAPI spec says";
const missingSpec = `Ding's OpenAPI spec is not at ${DING_SPEC_PATH}`;
const howToRun = 'put Ding\'s openapi.yaml (github.com/ding-live/openapi, ding.yaml) at ../shared/ding-api/openapi.yaml beside the clone, or set DING_OPENAPI_SPEC to its path';
if (!spec) {
  if (REQUIRE_SPEC) {
    describe(contractSuite, () => {
      it('has the spec', () => {
        throw new Error(`${missingSpec} (PASSPORT_DING_REQUIRE_SPEC=1, so this suite may not be skipped). To run it: ${howToRun}`);
      });
    });
  } else {
    console.warn(`\n[skipped] ${contractSuite}: ${missingSpec}. To run it: ${howToRun}\n`);
    describe.skip(contractSuite, () => {
      it(`skipped: ${missingSpec}`, () => {});
    });
  }
}
const hasSpec = spec !== undefined;

describe.runIf(hasSpec)(contractSuite, () => {
  const s = spec as DingSpec;
  let sandbox: DingSandbox;
  const agent = new Agent();
  // Every (operation, status, code-or-status-value) seen, for the coverage checks at the end.
  const seen = new Set<string>();

  beforeAll(async () => {
    sandbox = await startDingSandbox({
      ttlSeconds: 60,
      maxAttempts: 2,
      maxRetries: 1,
      retryCooldownSeconds: 10,
      numbers: {
        '+15550000001': 'rate_limited',
        '+15550000002': 'spam_detected',
        '+15550000003': 'blocked_number',
        '+15550000004': 'unsupported_region',
        '+15550000005': 'invalid_line',
        '+15550000006': { lookup: { line_type: 'Voip', carrier: 'Sandbox VoIP', temporary_phone_number: true, caller_name: 'ACME' } },
      },
    });
  });
  afterAll(async () => {
    await sandbox.close();
    await agent.close();
  });

  async function call(operationId: string, init: CallInit = {}): Promise<Answer> {
    const op = s.operations[operationId];
    if (!op) throw new Error(`no ${operationId} in the spec`);
    const headers: Record<string, string> = { 'x-api-key': sandbox.apiKey, accept: 'application/json', ...init.headers };
    let problems: string[];
    if (op.method === 'POST') {
      headers['content-type'] = 'application/json';
      problems = s.validateRequest(operationId, init.body);
    } else {
      problems = s.validateParameters(operationId, { path: init.path, query: init.query, header: headers });
    }
    if (init.requestValid ?? true) expect(problems, 'the request follows the spec').toEqual([]);
    else expect(problems, 'the request breaks the spec on purpose').not.toEqual([]);

    const url = new URL(sandbox.url + op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(init.path?.[name] ?? '')));
    for (const [key, values] of Object.entries(init.query ?? {})) for (const v of values) url.searchParams.append(key, v);
    const res = await request(url, {
      method: op.method as 'GET' | 'POST',
      headers,
      body: op.method === 'POST' ? JSON.stringify(init.body) : null,
      dispatcher: agent,
    });
    const text = await res.body.text();
    return { status: res.statusCode, contentType: res.headers['content-type'] as string | undefined, body: JSON.parse(text) };
  }

  /** Status declared by the spec, application/json, body valid for that status. */
  function expectContract(operationId: string, answer: Answer, status: number, field?: string, value?: string): void {
    expect(answer.contentType).toBe('application/json');
    expect(answer.status).toBe(status);
    expect(s.statuses(operationId)).toContain(String(status));
    expect(s.validateResponse(operationId, status, answer.body)).toEqual([]);
    if (field !== undefined) expect(answer.body[field]).toBe(value);
    seen.add(`${operationId} ${status} ${String(answer.body[field ?? (status === 200 ? 'status' : 'code')])}`);
  }

  const customer = (): string => sandbox.customerUuid;
  const wrongFor = (phone: string): string => wrongCode(sandbox.latestCode(phone));
  let phoneSeq = 100;
  const newPhone = (): string => `+1555010${String(phoneSeq++).padStart(4, '0')}`;

  async function create(phone = newPhone(), extra: Record<string, unknown> = {}): Promise<{ uuid: string; phone: string }> {
    const answer = await call('create-authentication', { body: { customer_uuid: customer(), phone_number: phone, ...extra } });
    expectContract('create-authentication', answer, 200, 'status', 'pending');
    return { uuid: answer.body.authentication_uuid as string, phone };
  }

  const check = (uuid: string, code: string, init: CallInit = {}): Promise<Answer> =>
    call('check', { body: { customer_uuid: customer(), authentication_uuid: uuid, check_code: code }, ...init });
  const retry = (uuid: string): Promise<Answer> => call('retry', { body: { customer_uuid: customer(), authentication_uuid: uuid } });

  describe('create-authentication', () => {
    it('200 pending, with every optional field the spec lists', async () => {
      await create(newPhone(), {
        ip: '203.0.113.7',
        device_id: 'device-1',
        device_type: 'ANDROID',
        app_version: '1.2.3',
        sender_id: 'Acme',
        callback_url: 'http://localhost:3000/ding/webhook',
        app_realm: 'FA+9qCX9VSu',
        os_version: '14',
        device_model: 'Pixel 8',
        is_returning_user: true,
        template_id: 'login',
        correlation_id: 'corr-1',
        locale: 'en-US',
      });
    });

    it('200 rate_limited and spam_detected for scripted numbers', async () => {
      for (const [phone, status] of [['+15550000001', 'rate_limited'], ['+15550000002', 'spam_detected']] as const) {
        const answer = await call('create-authentication', { body: { customer_uuid: customer(), phone_number: phone } });
        expectContract('create-authentication', answer, 200, 'status', status);
      }
    });

    it('400 for scripted refusals: blocked_number, unsupported_region, invalid_line', async () => {
      for (const [phone, code] of [
        ['+15550000003', 'blocked_number'],
        ['+15550000004', 'unsupported_region'],
        ['+15550000005', 'invalid_line'],
      ] as const) {
        const answer = await call('create-authentication', { body: { customer_uuid: customer(), phone_number: phone } });
        expectContract('create-authentication', answer, 400, 'code', code);
      }
    });

    it('400 invalid_phone_number, account_invalid, bad_request', async () => {
      let answer = await call('create-authentication', { body: { customer_uuid: customer(), phone_number: '+0' }, requestValid: false });
      expectContract('create-authentication', answer, 400, 'code', 'invalid_phone_number');
      answer = await call('create-authentication', { body: { customer_uuid: '00000000-0000-4000-8000-000000000000', phone_number: newPhone() } });
      expectContract('create-authentication', answer, 400, 'code', 'account_invalid');
      answer = await call('create-authentication', { body: { customer_uuid: customer() }, requestValid: false });
      expectContract('create-authentication', answer, 400, 'code', 'bad_request');
      answer = await call('create-authentication', { body: { customer_uuid: customer(), phone_number: newPhone(), ip: 'not-an-ip' }, requestValid: false });
      expectContract('create-authentication', answer, 400, 'code', 'bad_request');
    });

    it('400 app_realm_require_device_type and unsupported_app_realm_device_type', async () => {
      let answer = await call('create-authentication', { body: { customer_uuid: customer(), phone_number: newPhone(), app_realm: 'h' } });
      expectContract('create-authentication', answer, 400, 'code', 'app_realm_require_device_type');
      answer = await call('create-authentication', {
        body: { customer_uuid: customer(), phone_number: newPhone(), app_realm: 'h', device_type: 'IOS' },
      });
      expectContract('create-authentication', answer, 400, 'code', 'unsupported_app_realm_device_type');
    });
  });

  describe('check', () => {
    it('200 invalid, valid, already_validated', async () => {
      const { uuid, phone } = await create();
      expectContract('check', await check(uuid, wrongFor(phone)), 200, 'status', 'invalid');
      expectContract('check', await check(uuid, sandbox.latestCode(phone) ?? ''), 200, 'status', 'valid');
      expectContract('check', await check(uuid, sandbox.latestCode(phone) ?? ''), 200, 'status', 'already_validated');
    });

    it('200 rate_limited after maxAttempts wrong codes', async () => {
      const { uuid, phone } = await create();
      for (let i = 0; i < 2; i++) expectContract('check', await check(uuid, wrongFor(phone)), 200, 'status', 'invalid');
      expectContract('check', await check(uuid, sandbox.latestCode(phone) ?? ''), 200, 'status', 'rate_limited');
    });

    it('200 without_attempt when create sent nothing', async () => {
      const answer = await call('create-authentication', { body: { customer_uuid: customer(), phone_number: '+15550000001' } });
      expectContract('check', await check(answer.body.authentication_uuid as string, '123456'), 200, 'status', 'without_attempt');
    });

    it('200 expired_auth past expires_at', async () => {
      const { uuid, phone } = await create();
      sandbox.advance(60_000);
      expectContract('check', await check(uuid, sandbox.latestCode(phone) ?? ''), 200, 'status', 'expired_auth');
    });

    it('400 invalid_auth_uuid, account_invalid, bad_request', async () => {
      expectContract('check', await check('00000000-0000-4000-8000-000000000000', '123456'), 400, 'code', 'invalid_auth_uuid');
      expectContract('check', await check('nope', '123456', { requestValid: false }), 400, 'code', 'invalid_auth_uuid');
      const { uuid } = await create();
      const answer = await call('check', {
        body: { customer_uuid: '00000000-0000-4000-8000-000000000000', authentication_uuid: uuid, check_code: '1' },
      });
      expectContract('check', answer, 400, 'code', 'account_invalid');
      const bad = await call('check', { body: { customer_uuid: customer(), authentication_uuid: uuid }, requestValid: false });
      expectContract('check', bad, 400, 'code', 'bad_request');
    });
  });

  describe('retry', () => {
    it('200 denied during the cooldown, approved after it, then rate_limited', async () => {
      const { uuid } = await create();
      expectContract('retry', await retry(uuid), 200, 'status', 'denied');
      sandbox.advance(10_000);
      const approved = await retry(uuid);
      expectContract('retry', approved, 200, 'status', 'approved');
      expect(approved.body.remaining_retry).toBe(0);
      sandbox.advance(10_000);
      expectContract('retry', await retry(uuid), 200, 'status', 'rate_limited');
    });

    it('200 already_validated, expired_auth, no_attempt', async () => {
      const { uuid, phone } = await create();
      await check(uuid, sandbox.latestCode(phone) ?? '');
      expectContract('retry', await retry(uuid), 200, 'status', 'already_validated');
      const other = await create();
      sandbox.advance(60_000);
      expectContract('retry', await retry(other.uuid), 200, 'status', 'expired_auth');
      const refused = await call('create-authentication', { body: { customer_uuid: customer(), phone_number: '+15550000002' } });
      expectContract('retry', await retry(refused.body.authentication_uuid as string), 200, 'status', 'no_attempt');
    });

    it('400 invalid_auth_uuid and bad_request', async () => {
      expectContract('retry', await retry('00000000-0000-4000-8000-000000000000'), 400, 'code', 'invalid_auth_uuid');
      const bad = await call('retry', { body: { customer_uuid: customer() }, requestValid: false });
      expectContract('retry', bad, 400, 'code', 'bad_request');
    });
  });

  describe('feedback', () => {
    it('200 with a uuid, then 400 duplicated_feedback_status', async () => {
      const { phone } = await create();
      const body = { customer_uuid: customer(), phone_number: phone, status: 'onboarded' };
      const ok = await call('feedback', { body });
      expectContract('feedback', ok, 200);
      expect(ok.body.uuid).toMatch(/^[0-9a-f-]{36}$/);
      expectContract('feedback', await call('feedback', { body }), 400, 'code', 'duplicated_feedback_status');
      expectContract('feedback', await call('feedback', { body: { ...body, status: 'not_onboarded' } }), 200);
    });

    it('400 no_associated_auth_found, invalid_feedback_status, invalid_phone_number, bad_request', async () => {
      const base = { customer_uuid: customer(), phone_number: '+15559999999', status: 'onboarded' };
      expectContract('feedback', await call('feedback', { body: base }), 400, 'code', 'no_associated_auth_found');
      const { phone } = await create();
      const invalidStatus = await call('feedback', { body: { ...base, phone_number: phone, status: 'maybe' }, requestValid: false });
      expectContract('feedback', invalidStatus, 400, 'code', 'invalid_feedback_status');
      const invalidPhone = await call('feedback', { body: { ...base, phone_number: '12345' }, requestValid: false });
      expectContract('feedback', invalidPhone, 400, 'code', 'invalid_phone_number');
      const missing = await call('feedback', { body: { customer_uuid: customer(), phone_number: phone }, requestValid: false });
      expectContract('feedback', missing, 400, 'code', 'bad_request');
    });
  });

  describe('getAuthenticationStatus', () => {
    it('200 with signals and every kind of event the sandbox logs', async () => {
      const { uuid, phone } = await create(newPhone(), { ip: '198.51.100.4', device_type: 'IOS', correlation_id: 'c-9', template_id: 't-1' });
      await check(uuid, wrongFor(phone));
      sandbox.advance(10_000);
      await retry(uuid);
      await check(uuid, sandbox.latestCode(phone) ?? '');
      const answer = await call('getAuthenticationStatus', { path: { auth_uuid: uuid } });
      expectContract('getAuthenticationStatus', answer, 200);
      const types = (answer.body.events as { type: string }[]).map((e) => e.type);
      expect(new Set(types)).toEqual(new Set(['attempt', 'check', 'delivery_status', 'balance_update']));
      expect(answer.body.signals).toEqual({ ip: '198.51.100.4', device_type: 'IOS' });
    });

    it('400 invalid_auth_uuid for an unknown or malformed uuid', async () => {
      const unknown = await call('getAuthenticationStatus', { path: { auth_uuid: '00000000-0000-4000-8000-000000000000' } });
      expectContract('getAuthenticationStatus', unknown, 400, 'code', 'invalid_auth_uuid');
      const malformed = await call('getAuthenticationStatus', { path: { auth_uuid: 'not-a-uuid' }, requestValid: false });
      expectContract('getAuthenticationStatus', malformed, 400, 'code', 'invalid_auth_uuid');
    });
  });

  describe('lookup', () => {
    const header = (): Record<string, string> => ({ 'customer-uuid': customer() });

    it('200 by default, with cnam, and for a scripted number', async () => {
      const plain = await call('lookup', { path: { phone_number: '+447700900123' }, headers: header() });
      expectContract('lookup', plain, 200);
      expect(plain.body).not.toHaveProperty('caller_name');
      const cnam = await call('lookup', { path: { phone_number: '+15551234567' }, query: { type: ['cnam'] }, headers: header() });
      expectContract('lookup', cnam, 200);
      expect(cnam.body).toHaveProperty('caller_name');
      const scripted = await call('lookup', { path: { phone_number: '+15550000006' }, query: { type: ['cnam'] }, headers: header() });
      expectContract('lookup', scripted, 200);
      expect(scripted.body).toMatchObject({ line_type: 'Voip', caller_name: 'ACME', temporary_phone_number: true });
    });

    it('400 account_invalid, invalid_phone_number, bad_request', async () => {
      const account = await call('lookup', {
        path: { phone_number: '+15551234567' },
        headers: { 'customer-uuid': '00000000-0000-4000-8000-000000000000' },
      });
      expectContract('lookup', account, 400, 'code', 'account_invalid');
      const phone = await call('lookup', { path: { phone_number: '0044 7700' }, headers: header(), requestValid: false });
      expectContract('lookup', phone, 400, 'code', 'invalid_phone_number');
      const noHeader = await call('lookup', { path: { phone_number: '+15551234567' }, requestValid: false });
      expectContract('lookup', noHeader, 400, 'code', 'bad_request');
      const badType = await call('lookup', { path: { phone_number: '+15551234567' }, query: { type: ['ssn'] }, headers: header(), requestValid: false });
      expectContract('lookup', badType, 400, 'code', 'bad_request');
    });
  });

  describe('outside the spec', () => {
    /** A request to `operationId` that follows the spec, for an existing authentication. */
    function validRequest(operationId: string, uuid: string, phone: string): CallInit {
      switch (operationId) {
        case 'create-authentication':
          return { body: { customer_uuid: customer(), phone_number: phone } };
        case 'check':
          return { body: { customer_uuid: customer(), authentication_uuid: uuid, check_code: '1' } };
        case 'retry':
          return { body: { customer_uuid: customer(), authentication_uuid: uuid } };
        case 'feedback':
          return { body: { customer_uuid: customer(), phone_number: phone, status: 'onboarded' } };
        case 'getAuthenticationStatus':
          return { path: { auth_uuid: uuid } };
        default:
          return { path: { phone_number: phone }, headers: { 'customer-uuid': customer() } };
      }
    }

    it('403 {"message":"Forbidden"} as JSON for a wrong API key (the spec declares no 403 body)', async () => {
      const { uuid, phone } = await create();
      for (const operation of SANDBOX_OPERATIONS) {
        const init = validRequest(OPERATION_IDS[operation], uuid, phone);
        const answer = await call(OPERATION_IDS[operation], { ...init, headers: { ...init.headers, 'x-api-key': 'wrong' } });
        expect(answer.status).toBe(403);
        expect(answer.contentType).toBe('application/json');
        expect(answer.body).toEqual({ message: 'Forbidden' });
      }
    });

    it('unknown_status_value faults give 200 bodies that the spec rejects, for every operation', async () => {
      const { uuid, phone } = await create();
      for (const operation of SANDBOX_OPERATIONS) {
        const opId = OPERATION_IDS[operation];
        sandbox.fail({ mode: 'unknown_status_value', operation });
        const answer = await call(opId, validRequest(opId, uuid, phone));
        expect(answer.status).toBe(200);
        expect(answer.contentType).toBe('application/json');
        expect(s.validateResponse(opId, 200, answer.body), `${opId} off-contract body`).not.toEqual([]);
      }
    });
  });

  it('every create, check and retry status value and the error codes were produced and validated', () => {
    for (const status of AUTHENTICATION_STATUSES) expect(seen).toContain(`create-authentication 200 ${status}`);
    // `unknown` is a status the real API may report; a sandbox always knows, so never emits it.
    for (const status of CHECK_STATUSES.filter((c) => c !== 'unknown')) expect(seen).toContain(`check 200 ${status}`);
    for (const status of RETRY_STATUSES) expect(seen).toContain(`retry 200 ${status}`);
    const codes = new Set([...seen].filter((k) => / 400 /.test(k)).map((k) => k.split(' ')[2]));
    for (const code of codes) expect(ERROR_CODES).toContain(code);
    expect(codes.size).toBeGreaterThanOrEqual(12);
  });
});
