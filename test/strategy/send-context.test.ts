// What `signals(req)` returns is checked against its documented shapes before the provider is
// called. A field the provider would refuse (Prelude and Ding answer a malformed field with a 4xx,
// which was an OtpApiError: a 502 on the login) is left out of that send, and the login goes on:
// the values often come from the client's own headers, and they are hints, so a client must not
// be able to break its login with one. The developer still learns of it: one process warning per
// field and problem, naming the field, never its value. Real HTTP to the sandbox on 127.0.0.1
// (both APIs) and, for the exact create body, to the scripted upstream.
import { randomUUID } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DingProvider, PreludeProvider, type SendContext } from 'passport-ding';
import type { Request } from 'express';
import { harness, type Harness } from '../helpers/harness.js';
import { defaultSignals } from '../../lib/options.js';
import { checkedSendContext } from '../../lib/send-context.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { collectWarnings, nextTicks } from '../helpers/warnings.js';

const PHONE = '+14155552671';
const HASH = 'FA+9qCX9VSu';
/** A value that must never appear in a warning (it could be personal data). */
const SECRET = 'Pixel-9-of-Jane-Doe';

const seen = collectWarnings((code) => code === 'PASSPORT_DING_SIGNAL_DROPPED');

/**
 * One bad field each: what `signals(req)` returned, the field named in the warning, and what the
 * warning says the field must be (with the value's kind, never the value).
 */
const BAD: Array<[what: string, context: Record<string, unknown>, field: string, wants: string]> = [
  ['appVersion as a number', { appVersion: 42 }, 'appVersion', 'a string (it was a number)'],
  ['osVersion as an object', { osVersion: { major: 17 } }, 'osVersion', 'a string (it was an object)'],
  ['deviceModel as null', { deviceModel: null }, 'deviceModel', 'a string (it was null)'],
  ['deviceId as a number', { deviceId: 7 }, 'deviceId', 'a string (it was a number)'],
  ['userAgent as an array', { userAgent: ['a', 'b'] }, 'userAgent', 'a string (it was an array)'],
  ['ja4Fingerprint as a number', { ja4Fingerprint: 1 }, 'ja4Fingerprint', 'a string (it was a number)'],
  ['deviceType outside IOS, ANDROID, WEB', { deviceType: 'iPhone' }, 'deviceType', 'one of IOS, ANDROID, WEB'],
  ['isReturningUser as a string', { isReturningUser: 'yes' }, 'isReturningUser', 'a boolean (it was a string)'],
  ['a dispatchId not 36 characters', { dispatchId: 'abc' }, 'dispatchId', "a string of 36 characters (Prelude's front-end SDK dispatch id)"],
  ['a locale that is no BCP-47 tag', { locale: 'english please' }, 'locale', 'a BCP-47 language tag such as en-US'],
  ['a callbackUrl that is not http(s)', { callbackUrl: 'ftp://example.com/hook' }, 'callbackUrl', 'an http(s) URL'],
  ['a templateId as a number', { templateId: 5 }, 'templateId', 'a string (it was a number)'],
  ['a senderId as a number', { senderId: 5 }, 'senderId', 'a string (it was a number)'],
  ['a correlationId as a number', { correlationId: 5 }, 'correlationId', 'a string (it was a number)'],
  ['an appRealm that is no 11-character hash', { appRealm: 'not-a-hash' }, 'appRealm', "the Android app's 11-character SMS Retriever hash"],
  ['an appRealm as a number', { appRealm: 12345678901 }, 'appRealm', 'a string (it was a number)'],
];

function login(h: Harness, signals: () => unknown) {
  return h.app({ strategies: { ding: h.strategy({ signals: signals as () => SendContext }) } });
}

async function sendsAndLogsIn(h: Harness, signals: () => unknown): Promise<void> {
  const t = login(h, signals);
  const agent = request.agent(t.app);
  const res = await agent.post('/api/send').send({ phoneNumber: PHONE });
  expect(t.errors).toEqual([]);
  expect(res.status).toBe(200);
  const ok = await agent.post('/api/verify').send({ code: h.code(PHONE) });
  expect(ok.status).toBe(200);
}

describe.each(['prelude', 'ding'] as const)('%s on the sandbox: a malformed field from signals(req)', (provider) => {
  const h = harness(express, {}, provider);

  it.each(BAD)('%s: left out, the code is sent and logs in; one warning names the field, not the value', async (_what, context, field, wants) => {
    await sendsAndLogsIn(h, () => ({ ip: '203.0.113.7', deviceModel: SECRET, ...context }));
    await nextTicks();
    // Once per process for a field and problem: the first describe block to hit it warns.
    for (const w of seen) {
      expect(w.message).toContain(`signals(req) gave ${field}, which must be ${wants}; it is left out of the send`);
      expect(w.message).not.toContain(SECRET);
      const value = Object.values(context)[0];
      if (typeof value === 'string') expect(w.message).not.toContain(value);
    }
    if (provider === 'prelude') expect(seen).toHaveLength(1);
  });

  it('a resend (on Prelude a create with the resend request\'s signals) leaves the bad field out too', async () => {
    const t = login(h, () => ({ appVersion: 42, appRealm: 'not-a-hash', deviceType: 'ANDROID' }));
    const agent = request.agent(t.app);
    await agent.post('/api/send').send({ phoneNumber: PHONE }).expect(200);
    h.clock.advance(31_000);
    const resent = await agent.post('/api/retry').send({});
    expect(t.errors).toEqual([]);
    expect(resent.status).toBe(200);
    await agent.post('/api/verify').send({ code: h.code(PHONE) }).expect(200);
  });

  it('a field the API takes as given is still sent (a valid appRealm reaches the message)', async () => {
    const context = provider === 'ding' ? { appRealm: HASH, deviceType: 'ANDROID' } : { appRealm: HASH };
    await sendsAndLogsIn(h, () => context);
    expect(h.sandbox.latestDelivery(PHONE)?.message).toContain(HASH);
    await nextTicks();
    expect(seen).toEqual([]);
  });
});

describe('Ding V1: an appRealm needs deviceType ANDROID', () => {
  const h = harness(express, {}, 'ding');

  it.each([
    ['no deviceType', { appRealm: HASH }],
    ['deviceType IOS', { appRealm: HASH, deviceType: 'IOS' }],
  ])('with %s the appRealm is left out (Ding answers 400 otherwise) and the login goes on', async (what, context) => {
    await sendsAndLogsIn(h, () => context);
    expect(h.sandbox.latestDelivery(PHONE)?.message).not.toContain(HASH);
    await nextTicks();
    // The first case reports it; the second is the same field and problem, already reported.
    if (what === 'no deviceType') expect(seen).toHaveLength(1);
    for (const w of seen) expect(w.message).toContain("signals(req) gave appRealm, which must be sent with deviceType 'ANDROID' (Ding V1 refuses it otherwise);");
  });
});

describe('Prelude: a correlationId over its 64 characters', () => {
  const h = harness(express, {}, 'prelude');

  it('is left out with a warning that names the limit, and the login goes on', async () => {
    await sendsAndLogsIn(h, () => ({ correlationId: 'c'.repeat(65) }));
    await nextTicks();
    expect(seen.map((w) => w.message)).toEqual([expect.stringContaining("signals(req) gave correlationId, which must be a string of at most 64 characters (Prelude's limit);")]);
  });
});

describe('the warning comes once per field and problem', () => {
  const h = harness(express, {}, 'prelude');

  it('three sends with the same bad field: one warning; another field: one more', async () => {
    const t = login(h, () => ({ appVersion: 1.5 }));
    for (let i = 0; i < 3; i += 1) {
      await request(t.app).post('/api/send').send({ phoneNumber: `+1415555267${i}` }).expect(200);
    }
    await nextTicks();
    // appVersion's type problem may have been reported by an earlier test in this file.
    expect(seen.length).toBeLessThanOrEqual(1);
    const before = seen.length;
    const t2 = login(h, () => ({ ja4Fingerprint: false }));
    await request(t2.app).post('/api/send').send({ phoneNumber: '+14155552679' }).expect(200);
    await request(t2.app).post('/api/send').send({ phoneNumber: '+14155552678' }).expect(200);
    await nextTicks();
    expect(seen.length - before).toBeLessThanOrEqual(1);
  });
});

describe('signals(req) that gives no object', () => {
  const h = harness(express, {}, 'prelude');

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'ANDROID'],
    ['an array', [{ ip: '203.0.113.7' }]],
  ])('%s is an OtpConfigurationError (a bug in the app, 500) and nothing is sent', async (what, value) => {
    const t = login(h, () => value);
    const before = h.calls('send');
    const res = await request(t.app).post('/api/send').send({ phoneNumber: PHONE });
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ error: 'OtpConfigurationError', code: 'DING_CONFIGURATION_ERROR' });
    // The message names what it got by its kind, never the value.
    expect((t.errors as Error[]).map((e) => e.message)).toEqual([`signals(req) must return an object (or a promise of one), not ${what}`]);
    expect(h.calls('send')).toBe(before);
  });
});

// The good values at the edges of each check go out as given: a check too strict would drop a field
// the app set right, silently but for one warning (only a bad value is left out).
/** A BCP-47 tag of exactly 64 characters (the longest kept) and one of 65 (left out). */
const LOCALE_64 = `en${'-abcdefgh'.repeat(6)}-abcdefg`;
const LOCALE_65 = `en${'-abcdefgh'.repeat(7)}`;
const DISPATCH_ID = '3f2b8c4e-9d1a-4e6b-8f3c-2a7d5e9b1c0f';

describe('Prelude: the create body carries the good fields, at the edges of their shapes, and none of the bad', () => {
  const h = harness(express, {}, 'prelude');
  let upstream: Upstream;
  beforeAll(async () => {
    upstream = await startUpstream({ status: 200, body: { id: 'vrf_01jc0t6fwwfgfsq1md24mhyztj', status: 'success', method: 'message' } });
  });
  afterAll(async () => {
    await upstream.close();
  });

  /** The create bodies one send with `context` as its signals made (one). */
  async function createBodies(context: Record<string, unknown>): Promise<unknown[]> {
    const provider = new PreludeProvider({ apiKey: 'k_test', baseUrl: upstream.url });
    const strategy = h.strategy({ provider, apiKey: undefined, baseUrl: undefined, signals: (() => context) as unknown as () => SendContext });
    const t = h.app({ strategies: { ding: strategy } });
    const before = upstream.seen.length;
    await request(t.app).post('/api/send').send({ phoneNumber: PHONE }).expect(200);
    expect(t.errors).toEqual([]);
    return upstream.seen.slice(before).map((r) => r.body);
  }

  it('appVersion 42 and a bad appRealm are left out; the rest goes as given', async () => {
    const bodies = await createBodies({ ip: '203.0.113.7', appVersion: 42, osVersion: '17.2', deviceType: 'IOS', appRealm: 'abc', locale: 'el-GR', correlationId: 'c'.repeat(65) });
    expect(bodies).toEqual([
      {
        target: { type: 'phone_number', value: PHONE },
        signals: { ip: '203.0.113.7', os_version: '17.2', device_platform: 'ios' },
        options: { locale: 'el-GR' },
      },
    ]);
  });

  it('a 36-character dispatchId, a 64-character locale, an http callbackUrl and a 64-character correlationId are kept', async () => {
    const correlationId = 'c'.repeat(64);
    expect(await createBodies({ dispatchId: DISPATCH_ID, locale: LOCALE_64, callbackUrl: 'http://127.0.0.1:3000/otp/events', correlationId })).toEqual([
      {
        target: { type: 'phone_number', value: PHONE },
        dispatch_id: DISPATCH_ID,
        options: { locale: LOCALE_64, callback_url: 'http://127.0.0.1:3000/otp/events' },
        metadata: { correlation_id: correlationId },
      },
    ]);
  });

  it('a 65-character locale, a callbackUrl no URL parser takes and a 12-character appRealm are left out; the send goes on', async () => {
    // Every character of the appRealm is of the hash's alphabet: only its length is wrong.
    expect(await createBodies({ locale: LOCALE_65, callbackUrl: 'not a url', appRealm: `${HASH}x`, correlationId: 'ok' })).toEqual([
      {
        target: { type: 'phone_number', value: PHONE },
        metadata: { correlation_id: 'ok' },
      },
    ]);
  });
});

describe("Ding V1: the create body keeps isReturningUser and a correlationId over Prelude's 64", () => {
  const h = harness(express, {}, 'ding');
  let upstream: Upstream;
  beforeAll(async () => {
    upstream = await startUpstream(() => ({ status: 200, body: { authentication_uuid: randomUUID(), status: 'pending', created_at: new Date().toISOString() } }));
  });
  afterAll(async () => {
    await upstream.close();
  });

  it.each([true, false])('isReturningUser %s and a 65-character correlationId go as given', async (isReturningUser) => {
    const correlationId = 'c'.repeat(65);
    const provider = new DingProvider({ apiKey: 'k_test', customerUuid: randomUUID(), baseUrl: `${upstream.url}/v1` });
    const strategy = h.strategy({
      provider,
      apiKey: undefined,
      customerUuid: undefined,
      baseUrl: undefined,
      signals: () => ({ isReturningUser, correlationId, locale: 'el-GR' }),
    });
    const t = h.app({ strategies: { ding: strategy } });
    const before = upstream.seen.length;
    await request(t.app).post('/api/send').send({ phoneNumber: PHONE }).expect(200);
    expect(t.errors).toEqual([]);
    expect(upstream.seen.slice(before).map((r) => r.body)).toEqual([
      expect.objectContaining({ phone_number: PHONE, is_returning_user: isReturningUser, correlation_id: correlationId, locale: 'el-GR' }),
    ]);
  });
});

// The send and the resend take the library's own default signals without this check (and without
// an await): sound only while the check would hand back the same object, unchanged, for whatever
// req.ip Express gives.
describe('the default signals need no check', () => {
  it.each([
    ['an IPv4 address', '203.0.113.9'],
    ['an IPv4-mapped IPv6 address', '::ffff:203.0.113.9'],
    ['an IPv6 address', '2001:db8::1'],
    ['an address with a port', '203.0.113.9:51234'],
    ['no address', undefined],
    ['an empty string', ''],
    ['garbage', 'not an address'],
  ])('%s', (_what, ip) => {
    for (const provider of ['ding', 'prelude']) {
      const signals = defaultSignals({ ip } as Request);
      const copy = { ...signals };
      expect(checkedSendContext(signals, provider)).toBe(signals);
      expect(signals).toEqual(copy);
    }
    expect(seen).toEqual([]);
  });
});
