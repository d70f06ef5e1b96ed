// DingClient against the sandbox over real HTTP on 127.0.0.1: every operation, every status the
// sandbox can reach (its clock and scripted numbers drive them), every fault mode, pooling and
// close(). Replies the sandbox never sends (off-contract shapes) are in providers/ding/client-replies.test.ts.
import { startDingSandbox, type DingSandbox, type FaultMode, type SandboxOperation } from 'passport-ding/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DingApiError, DingAuthError, DingUnavailableError } from '../../../lib/errors.js';
import { DingClient, type DingClientOptions } from '../../../lib/providers/ding/client.js';
import { everythingIn, failure } from '../../helpers/errors.js';
import { until } from '../../helpers/wait.js';
import { wrongCode } from '../../helpers/codes.js';

const PHONE = '+15551230001';
const RATE_LIMITED = '+15551230002';
const SPAM = '+15551230003';
const BLOCKED = '+15551230004';
const REGION = '+15551230005';
const LANDLINE = '+15551230006';
const BURNER = '+15551230007';
const MISSING_UUID = '0b6f7a4e-9d7c-4a51-8e34-2f0a1b2c3d4e';

let sandbox: DingSandbox;
const clients: DingClient[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  sandbox = await startDingSandbox({
    ttlSeconds: 600,
    maxAttempts: 3,
    retryCooldownSeconds: 30,
    maxRetries: 2,
    numbers: {
      [RATE_LIMITED]: 'rate_limited',
      [SPAM]: 'spam_detected',
      [BLOCKED]: 'blocked_number',
      [REGION]: 'unsupported_region',
      [LANDLINE]: 'invalid_line',
      [BURNER]: { lookup: { temporary_phone_number: true, line_type: 'Voip', carrier: 'Burner Co', caller_name: 'J DOE' } },
    },
  });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  sandbox.reset();
});
afterAll(async () => {
  await sandbox.close();
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

function client(options: Partial<DingClientOptions> = {}): DingClient {
  const c = new DingClient({ apiKey: sandbox.apiKey, customerUuid: sandbox.customerUuid, baseUrl: sandbox.url, ...options });
  clients.push(c);
  return c;
}


/** The error is of that class and has those properties. */
function typed(err: unknown, kind: abstract new (...args: never[]) => Error, props: Record<string, unknown>): void {
  expect(err).toBeInstanceOf(kind);
  expect(err).toMatchObject(props);
}

/** A pending authentication for PHONE and its code. */
async function pending(c: DingClient, phoneNumber = PHONE): Promise<{ uuid: string; code: string }> {
  const auth = await c.createAuthentication({ phoneNumber });
  if (auth.status !== 'pending') throw new Error(`expected pending, got ${auth.status}`);
  const code = sandbox.latestCode(phoneNumber);
  if (!code) throw new Error('sandbox sent no code');
  return { uuid: auth.authenticationUuid, code };
}

/** A code that is not `code`. */

describe('construction', () => {
  const ok = { apiKey: 'k_123', customerUuid: MISSING_UUID };
  it.each<[string, unknown]>([
    ['no options', undefined],
    ['no apiKey', { customerUuid: MISSING_UUID }],
    ['an empty apiKey', { ...ok, apiKey: '' }],
    ['an apiKey with a space', { ...ok, apiKey: 'abc def' }],
    ['an apiKey with a newline', { ...ok, apiKey: 'abc\r\nx-evil: 1' }],
    ['a numeric apiKey', { ...ok, apiKey: 123 }],
    ['no customerUuid', { apiKey: 'k' }],
    ['a customerUuid that is not a UUID', { ...ok, customerUuid: 'acme' }],
    ['an http baseUrl to a remote host', { ...ok, baseUrl: 'http://api.ding.live/v1' }],
    ['a baseUrl that is not a URL', { ...ok, baseUrl: 'api.ding.live' }],
    ['a zero timeout', { ...ok, timeoutMs: 0 }],
    ['a zero pool', { ...ok, connections: 0 }],
  ])('throws a TypeError for %s', (_name, options) => {
    expect(() => new DingClient(options as DingClientOptions)).toThrow(TypeError);
  });

  it('defaults to https://api.ding.live/v1 and a 5 s deadline, without connecting', async () => {
    const c = new DingClient(ok);
    expect(c.timeoutMs).toBe(5000);
    await c.close();
  });

  it('never names the API key in a constructor error', () => {
    const apiKey = 'sk_live_do_not_print_me';
    const err = (() => {
      try {
        new DingClient({ apiKey, customerUuid: 'nope' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(everythingIn(err)).not.toContain(apiKey);
  });

  it('refuses empty arguments before any request', async () => {
    const c = client();
    await expect(c.createAuthentication({ phoneNumber: '' })).rejects.toThrow(TypeError);
    await expect(c.check({ authenticationUuid: MISSING_UUID, checkCode: '' })).rejects.toThrow(TypeError);
    await expect(c.getAuthenticationStatus('')).rejects.toThrow(TypeError);
    await expect(c.lookup('')).rejects.toThrow(TypeError);
    expect(sandbox.stats().requests).toBe(0);
  });
});

describe('createAuthentication', () => {
  it('sends a code: pending, with an id and real Dates', async () => {
    const c = client();
    const auth = await c.createAuthentication({ phoneNumber: PHONE });
    expect(auth.status).toBe('pending');
    if (auth.status !== 'pending') return;
    expect(auth.authenticationUuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(auth.createdAt).toBeInstanceOf(Date);
    expect(auth.expiresAt).toBeInstanceOf(Date);
    expect((auth.expiresAt?.getTime() ?? 0) - auth.createdAt.getTime()).toBe(600_000);
    expect(sandbox.latestCode(PHONE)).toMatch(/^\d{6}$/);
  });

  it('sends every optional field in snake_case (read back through the status call)', async () => {
    const c = client();
    const auth = await c.createAuthentication({
      phoneNumber: PHONE,
      ip: '203.0.113.7',
      deviceId: 'dev-1',
      deviceType: 'ANDROID',
      appVersion: '1.2.3',
      appRealm: 'FA+9qCX9VSu',
      osVersion: '14',
      deviceModel: 'Pixel 8',
      isReturningUser: true,
      templateId: 'tpl-1',
      correlationId: 'corr-1',
      locale: 'fr-FR',
      senderId: 'Acme',
      callbackUrl: 'https://example.test/hook',
    });
    if (auth.status !== 'pending') throw new Error('not pending');
    const status = await c.getAuthenticationStatus(auth.authenticationUuid);
    expect(status).toMatchObject({
      uuid: auth.authenticationUuid,
      phoneNumber: PHONE,
      templateId: 'tpl-1',
      correlationId: 'corr-1',
      signals: {
        ip: '203.0.113.7',
        deviceId: 'dev-1',
        deviceType: 'ANDROID',
        appVersion: '1.2.3',
        appRealm: 'FA+9qCX9VSu',
        osVersion: '14',
        deviceModel: 'Pixel 8',
        isReturningUser: true,
      },
    });
    expect(status.createdAt).toEqual(auth.createdAt);
    const attempt = status.events.find((e) => e.type === 'attempt');
    expect(attempt).toMatchObject({ type: 'attempt', senderId: 'Acme', capability: 'text', attemptNumber: 1 });
  });

  it.each([
    [RATE_LIMITED, 'rate_limited'],
    [SPAM, 'spam_detected'],
  ] as const)('answers %s with status %s and sends nothing', async (phoneNumber, status) => {
    const auth = await client().createAuthentication({ phoneNumber });
    expect(auth.status).toBe(status);
    expect(sandbox.latestCode(phoneNumber)).toBeUndefined();
  });

  it.each([
    [BLOCKED, 'blocked_number'],
    [REGION, 'unsupported_region'],
    [LANDLINE, 'invalid_line'],
    ['+0', 'invalid_phone_number'],
    ['15551230001', 'invalid_phone_number'],
  ])('turns the 400 for %s into DingApiError %s', async (phoneNumber, apiCode) => {
    const err = await failure(client().createAuthentication({ phoneNumber }));
    expect(err).toBeInstanceOf(DingApiError);
    expect(err).toMatchObject({ apiCode, upstreamStatus: 400, status: 502, code: 'DING_API_ERROR' });
    expect((err as DingApiError).docUrl).toContain(apiCode);
  });

  it('reports an unknown customer as account_invalid', async () => {
    const err = await failure(client({ customerUuid: MISSING_UUID }).createAuthentication({ phoneNumber: PHONE }));
    expect(err).toMatchObject({ apiCode: 'account_invalid' });
  });

  it('reports a wrong API key as DingAuthError, without the key', async () => {
    const apiKey = 'sk_wrong_key_1234567890';
    const err = await failure(client({ apiKey }).createAuthentication({ phoneNumber: PHONE }));
    expect(err).toBeInstanceOf(DingAuthError);
    expect(err).toMatchObject({ upstreamStatus: 403, status: 502 });
    expect(everythingIn(err)).not.toContain(apiKey);
  });

  it('reports app_realm rules as DingApiError', async () => {
    const err = await failure(client().createAuthentication({ phoneNumber: PHONE, appRealm: 'x' }));
    expect(err).toMatchObject({ apiCode: 'app_realm_require_device_type' });
  });
});

describe('check', () => {
  it('valid once, then already_validated', async () => {
    const c = client();
    const { uuid, code } = await pending(c);
    expect(await c.check({ authenticationUuid: uuid, checkCode: code })).toEqual({ authenticationUuid: uuid, status: 'valid' });
    expect((await c.check({ authenticationUuid: uuid, checkCode: code })).status).toBe('already_validated');
  });

  it('invalid for a wrong code, then rate_limited after the attempt budget', async () => {
    const c = client();
    const { uuid, code } = await pending(c);
    for (let i = 0; i < 3; i++) {
      expect((await c.check({ authenticationUuid: uuid, checkCode: wrongCode(code) })).status).toBe('invalid');
    }
    expect((await c.check({ authenticationUuid: uuid, checkCode: code })).status).toBe('rate_limited');
  });

  it('expired_auth after the TTL', async () => {
    const c = client();
    const { uuid, code } = await pending(c);
    sandbox.advance(600_001);
    expect((await c.check({ authenticationUuid: uuid, checkCode: code })).status).toBe('expired_auth');
  });

  it('without_attempt when no code was ever sent', async () => {
    const c = client();
    const auth = await c.createAuthentication({ phoneNumber: RATE_LIMITED });
    if (!auth.authenticationUuid) throw new Error('sandbox gave no id');
    expect((await c.check({ authenticationUuid: auth.authenticationUuid, checkCode: '123456' })).status).toBe('without_attempt');
  });

  it.each([MISSING_UUID, 'not-a-uuid'])('DingApiError invalid_auth_uuid for %s', async (authenticationUuid) => {
    const err = await failure(client().check({ authenticationUuid, checkCode: '123456' }));
    expect(err).toMatchObject({ apiCode: 'invalid_auth_uuid' });
  });
});

describe('retry', () => {
  it('denied during the cooldown, approved after it with a new code, rate_limited when spent', async () => {
    const c = client();
    const { uuid, code } = await pending(c);

    const denied = await c.retry({ authenticationUuid: uuid });
    expect(denied).toMatchObject({ authenticationUuid: uuid, status: 'denied', remainingRetry: 2 });
    expect(denied.nextRetryAt).toBeInstanceOf(Date);
    expect(denied.createdAt).toBeInstanceOf(Date);

    sandbox.advance(30_000);
    const approved = await c.retry({ authenticationUuid: uuid });
    expect(approved).toMatchObject({ status: 'approved', remainingRetry: 1 });
    expect(approved.nextRetryAt?.getTime()).toBe((approved.createdAt?.getTime() ?? 0) + 30_000);
    const fresh = sandbox.latestCode(PHONE);
    if (fresh !== code) {
      // The old code stops working once a new one is sent.
      expect((await c.check({ authenticationUuid: uuid, checkCode: code })).status).toBe('invalid');
    }

    sandbox.advance(30_000);
    expect(await c.retry({ authenticationUuid: uuid })).toMatchObject({ status: 'approved', remainingRetry: 0 });
    sandbox.advance(30_000);
    expect(await c.retry({ authenticationUuid: uuid })).toMatchObject({ status: 'rate_limited', remainingRetry: 0 });
  });

  it('expired_auth after the TTL', async () => {
    const c = client();
    const { uuid } = await pending(c);
    sandbox.advance(600_001);
    expect((await c.retry({ authenticationUuid: uuid })).status).toBe('expired_auth');
  });

  it('already_validated after a valid check', async () => {
    const c = client();
    const { uuid, code } = await pending(c);
    await c.check({ authenticationUuid: uuid, checkCode: code });
    expect((await c.retry({ authenticationUuid: uuid })).status).toBe('already_validated');
  });

  it('no_attempt when nothing was sent', async () => {
    const c = client();
    const auth = await c.createAuthentication({ phoneNumber: SPAM });
    if (!auth.authenticationUuid) throw new Error('sandbox gave no id');
    expect((await c.retry({ authenticationUuid: auth.authenticationUuid })).status).toBe('no_attempt');
  });

  it('DingApiError invalid_auth_uuid for an unknown id', async () => {
    const err = await failure(client().retry({ authenticationUuid: MISSING_UUID }));
    expect(err).toMatchObject({ apiCode: 'invalid_auth_uuid' });
  });
});

describe('feedback', () => {
  it('stores onboarded and not_onboarded once each', async () => {
    const c = client();
    await pending(c);
    const first = await c.feedback({ phoneNumber: PHONE, status: 'onboarded' });
    expect(first.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect((await c.feedback({ phoneNumber: PHONE, status: 'not_onboarded' })).uuid).toBeTypeOf('string');
    const err = await failure(c.feedback({ phoneNumber: PHONE, status: 'onboarded' }));
    expect(err).toMatchObject({ apiCode: 'duplicated_feedback_status' });
  });

  it('no_associated_auth_found for a number never sent to', async () => {
    const err = await failure(client().feedback({ phoneNumber: '+15559999999', status: 'onboarded' }));
    expect(err).toMatchObject({ apiCode: 'no_associated_auth_found' });
  });

  it('invalid_feedback_status for a status outside the enum', async () => {
    const c = client();
    await pending(c);
    // Deliberately off the type: the server, not the client, owns this check.
    const err = await failure(c.feedback({ phoneNumber: PHONE, status: 'maybe' as 'onboarded' }));
    expect(err).toMatchObject({ apiCode: 'invalid_feedback_status' });
  });
});

describe('getAuthenticationStatus', () => {
  it('returns the event log, typed, with Dates', async () => {
    const c = client();
    const { uuid, code } = await pending(c);
    await c.check({ authenticationUuid: uuid, checkCode: wrongCode(code) });
    await c.check({ authenticationUuid: uuid, checkCode: code });
    const status = await c.getAuthenticationStatus(uuid);
    const types = status.events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['balance_update', 'attempt', 'delivery_status', 'check']));
    const checks = status.events.filter((e) => e.type === 'check');
    expect(checks.map((e) => e.status)).toEqual(['invalid', 'valid']);
    for (const e of status.events) expect(e.createdAt).toBeInstanceOf(Date);
    const delivery = status.events.find((e) => e.type === 'delivery_status');
    expect(delivery).toMatchObject({ status: 'delivered', attemptNumber: 1 });
    if (delivery?.type === 'delivery_status') expect(delivery.originatedAt).toBeInstanceOf(Date);
  });

  it.each([MISSING_UUID, 'not-a-uuid', '../check'])('DingApiError invalid_auth_uuid for %s', async (id) => {
    const err = await failure(client().getAuthenticationStatus(id));
    expect(err).toMatchObject({ apiCode: 'invalid_auth_uuid' });
  });
});

describe('lookup', () => {
  it('returns line facts, camelCase', async () => {
    expect(await client().lookup(PHONE)).toEqual({
      phoneNumber: PHONE,
      mcc: '310',
      mnc: '410',
      carrier: 'AT&T',
      countryCode: 'US',
      numberPorted: false,
      temporaryPhoneNumber: false,
      lineType: 'Mobile',
    });
    expect(sandbox.stats().byOperation.lookup).toBe(1);
  });

  it('asks for the caller name with types: [cnam]', async () => {
    const plain = await client().lookup(BURNER);
    expect(plain).toMatchObject({ temporaryPhoneNumber: true, lineType: 'Voip', carrier: 'Burner Co' });
    expect(plain.callerName).toBeUndefined();
    expect((await client().lookup(BURNER, { types: ['cnam'] })).callerName).toBe('J DOE');
  });

  it('DingApiError invalid_phone_number for a bad number, not a broken path', async () => {
    for (const bad of ['12345', '+1 555 123', '+1/../../check', '+']) {
      const err = await failure(client().lookup(bad));
      expect(err).toMatchObject({ apiCode: 'invalid_phone_number' });
    }
  });

  it('account_invalid for another customer (sent in the customer-uuid header)', async () => {
    const err = await failure(client({ customerUuid: MISSING_UUID }).lookup(PHONE));
    expect(err).toMatchObject({ apiCode: 'account_invalid' });
  });
});

describe('faults', () => {
  const calls: Record<SandboxOperation, (c: DingClient) => Promise<unknown>> = {
    createAuthentication: (c) => c.createAuthentication({ phoneNumber: PHONE }),
    check: (c) => c.check({ authenticationUuid: MISSING_UUID, checkCode: '123456' }),
    retry: (c) => c.retry({ authenticationUuid: MISSING_UUID }),
    feedback: (c) => c.feedback({ phoneNumber: PHONE, status: 'onboarded' }),
    getAuthenticationStatus: (c) => c.getAuthenticationStatus(MISSING_UUID),
    lookup: (c) => c.lookup(PHONE),
  };
  const operations = Object.keys(calls) as SandboxOperation[];
  const GETS: SandboxOperation[] = ['getAuthenticationStatus', 'lookup'];

  const expected: Record<FaultMode, (err: Error) => void> = {
    http500: (err) => typed(err, DingUnavailableError, { reason: 'server_error', upstreamStatus: 500, status: 503 }),
    http503: (err) => typed(err, DingUnavailableError, { reason: 'server_error', upstreamStatus: 503, status: 503 }),
    timeout: (err) => typed(err, DingUnavailableError, { reason: 'timeout' }),
    reset: (err) => typed(err, DingUnavailableError, { reason: 'connection' }),
    bad_json: (err) => typed(err, DingUnavailableError, { reason: 'malformed_response' }),
    forbidden: (err) => typed(err, DingAuthError, { upstreamStatus: 403 }),
    unknown_status_value: (err) => typed(err, DingUnavailableError, { reason: 'malformed_response' }),
  };
  const cases = (Object.keys(expected) as FaultMode[]).flatMap((mode) => operations.map((op) => [mode, op] as const));

  it.each(cases)('%s on %s: typed error within the deadline, key not in it', async (mode, operation) => {
    const c = client({ timeoutMs: 300 });
    // A GET is repeated once after a connection failure, so a reset must hit it twice.
    sandbox.fail({ mode, operation, times: mode === 'reset' && GETS.includes(operation) ? 2 : 1 });
    const err = await failure(calls[operation](c));
    // Only the 300 ms deadline can end these faults (the sandbox holds or drops the socket), so the
    // typed error itself shows the call was bounded; speed is for benchmarks, not tests.
    expected[mode](err);
    expect(everythingIn(err)).not.toContain(sandbox.apiKey);
    // POSTs are never repeated; a timed-out GET is not repeated either.
    const sent = sandbox.stats().byOperation[operation];
    expect(sent).toBe(mode === 'reset' && GETS.includes(operation) ? 2 : 1);
  });

  it.each(GETS)('%s recovers from one reset by repeating once', async (operation) => {
    const c = client();
    sandbox.fail({ mode: 'reset', operation });
    if (operation === 'lookup') {
      expect((await c.lookup(PHONE)).phoneNumber).toBe(PHONE);
    } else {
      const { uuid } = await pending(c);
      expect((await c.getAuthenticationStatus(uuid)).uuid).toBe(uuid);
    }
    expect(sandbox.stats().byOperation[operation]).toBe(2);
  });

  it('a createAuthentication that timed out is not repeated, and the client keeps working', async () => {
    const c = client({ timeoutMs: 300 });
    sandbox.fail({ mode: 'timeout', operation: 'createAuthentication' });
    const err = await failure(c.createAuthentication({ phoneNumber: PHONE }));
    expect(err).toMatchObject({ reason: 'timeout' });
    expect(sandbox.stats().byOperation.createAuthentication).toBe(1);
    expect((await c.createAuthentication({ phoneNumber: PHONE })).status).toBe('pending');
  });

  it('slow answers past the deadline are timeouts', async () => {
    const slow = await startDingSandbox({ latencyMs: 1000 });
    const c = new DingClient({ apiKey: slow.apiKey, customerUuid: slow.customerUuid, baseUrl: slow.url, timeoutMs: 300 });
    try {
      const err = await failure(c.lookup(PHONE));
      expect(err).toMatchObject({ reason: 'timeout' });
    } finally {
      await c.close();
      await slow.close();
    }
  });

  it('many faults in parallel: each call settles with its own typed error', async () => {
    const c = client({ timeoutMs: 300, connections: 4 });
    const modes: FaultMode[] = ['http500', 'timeout', 'reset', 'bad_json', 'forbidden', 'http503'];
    for (const mode of modes) sandbox.fail({ mode, operation: 'createAuthentication' });
    const results = await Promise.allSettled(modes.map(() => c.createAuthentication({ phoneNumber: PHONE })));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      if (r.status === 'rejected') expect(r.reason instanceof DingUnavailableError || r.reason instanceof DingAuthError).toBe(true);
    }
  });
});

describe('connections', () => {
  it('reuses pooled sockets: never more than the pool size over many calls', async () => {
    const c = client({ connections: 4 });
    for (let round = 0; round < 5; round++) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? c.lookup(PHONE) : c.createAuthentication({ phoneNumber: PHONE }))));
    }
    const stats = sandbox.stats();
    expect(stats.requests).toBe(100);
    expect(stats.connectionsOpened).toBeLessThanOrEqual(4);
    expect(stats.peakOpenConnections).toBeLessThanOrEqual(4);
  });

  it('sequential calls, errors included, stay on one or two sockets', async () => {
    const c = client();
    for (let i = 0; i < 30; i++) {
      await c.check({ authenticationUuid: MISSING_UUID, checkCode: '1' }).catch(() => undefined);
      await c.lookup(PHONE);
    }
    expect(sandbox.stats().connectionsOpened).toBeLessThanOrEqual(2);
  });

  it('close() leaves no socket open, even after a held (timed-out) call', async () => {
    const c = client({ timeoutMs: 300, connections: 8 });
    await Promise.all(Array.from({ length: 16 }, () => c.lookup(PHONE)));
    sandbox.fail({ mode: 'timeout', operation: 'lookup' });
    await failure(c.lookup(PHONE));
    expect(sandbox.stats().openConnections).toBeGreaterThan(0);
    await c.close();
    await until(() => sandbox.stats().openConnections === 0);
    expect(sandbox.stats().openConnections).toBe(0);
  });

  it('close() is idempotent, and calls after it fail typed', async () => {
    const c = client();
    await c.lookup(PHONE);
    await Promise.all([c.close(), c.close()]);
    await c.close();
    const err = await failure(c.lookup(PHONE));
    typed(err, DingUnavailableError, { reason: 'connection' });
    await until(() => sandbox.stats().openConnections === 0);
    expect(sandbox.stats().openConnections).toBe(0);
  });
});
