// What `signals(req)` returns is checked against its documented shapes before the provider is
// called. A field the provider would refuse (Prelude and Ding answer a malformed field with a 4xx,
// which was an OtpApiError: a 502 on the login) is left out of that send, and the login goes on:
// the values often come from the client's own headers, and they are hints, so a client must not
// be able to break its login with one. The developer still learns of it: one process warning per
// field and problem, naming the field, never its value. Real HTTP to the sandbox on 127.0.0.1
// (both APIs) and, for the exact create body, to the scripted upstream.
import express from 'express';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PreludeProvider, type SendContext } from 'passport-ding';
import { harness, type Harness } from '../helpers/harness.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const PHONE = '+14155552671';
const HASH = 'FA+9qCX9VSu';
/** A value that must never appear in a warning (it could be personal data). */
const SECRET = 'Pixel-9-of-Jane-Doe';

let seen: Array<Error & { code?: string }> = [];
const listener = (warning: Error & { code?: string }): void => {
  if (warning.code === 'PASSPORT_DING_SIGNAL_DROPPED') seen.push(warning);
};
beforeEach(() => {
  seen = [];
  process.on('warning', listener);
});
afterEach(() => {
  process.off('warning', listener);
});
/** emitWarning reports on a later tick. */
const nextTicks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One bad field each: what `signals(req)` returned, the field named in the warning. */
const BAD: Array<[what: string, context: Record<string, unknown>, field: string]> = [
  ['appVersion as a number', { appVersion: 42 }, 'appVersion'],
  ['osVersion as an object', { osVersion: { major: 17 } }, 'osVersion'],
  ['deviceModel as null', { deviceModel: null }, 'deviceModel'],
  ['deviceId as a number', { deviceId: 7 }, 'deviceId'],
  ['userAgent as an array', { userAgent: ['a', 'b'] }, 'userAgent'],
  ['ja4Fingerprint as a number', { ja4Fingerprint: 1 }, 'ja4Fingerprint'],
  ['deviceType outside IOS, ANDROID, WEB', { deviceType: 'iPhone' }, 'deviceType'],
  ['isReturningUser as a string', { isReturningUser: 'yes' }, 'isReturningUser'],
  ['a dispatchId not 36 characters', { dispatchId: 'abc' }, 'dispatchId'],
  ['a locale that is no BCP-47 tag', { locale: 'english please' }, 'locale'],
  ['a callbackUrl that is not http(s)', { callbackUrl: 'ftp://example.com/hook' }, 'callbackUrl'],
  ['a templateId as a number', { templateId: 5 }, 'templateId'],
  ['a senderId as a number', { senderId: 5 }, 'senderId'],
  ['a correlationId as a number', { correlationId: 5 }, 'correlationId'],
  ['an appRealm that is no 11-character hash', { appRealm: 'not-a-hash' }, 'appRealm'],
  ['an appRealm as a number', { appRealm: 12345678901 }, 'appRealm'],
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

  it.each(BAD)('%s: left out, the code is sent and logs in; one warning names the field, not the value', async (_what, context, field) => {
    await sendsAndLogsIn(h, () => ({ ip: '203.0.113.7', deviceModel: SECRET, ...context }));
    await nextTicks();
    // Once per process for a field and problem: the first describe block to hit it warns.
    for (const w of seen) {
      expect(w.message).toContain(`signals(req) gave ${field}, which must be `);
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
  ])('with %s the appRealm is left out (Ding answers 400 otherwise) and the login goes on', async (_what, context) => {
    await sendsAndLogsIn(h, () => context);
    expect(h.sandbox.latestDelivery(PHONE)?.message).not.toContain(HASH);
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
  ])('%s is an OtpConfigurationError (a bug in the app, 500) and nothing is sent', async (_what, value) => {
    const t = login(h, () => value);
    const before = h.calls('send');
    const res = await request(t.app).post('/api/send').send({ phoneNumber: PHONE });
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ error: 'OtpConfigurationError', code: 'DING_CONFIGURATION_ERROR' });
    expect(h.calls('send')).toBe(before);
  });
});

describe('Prelude: the create body carries the good fields and none of the bad', () => {
  const h = harness(express, {}, 'prelude');
  let upstream: Upstream;
  beforeAll(async () => {
    upstream = await startUpstream({ status: 200, body: { id: 'vrf_01jc0t6fwwfgfsq1md24mhyztj', status: 'success', method: 'message' } });
  });
  afterAll(async () => {
    await upstream.close();
  });

  it('appVersion 42 and a bad appRealm are left out; the rest goes as given', async () => {
    const provider = new PreludeProvider({ apiKey: 'k_test', baseUrl: upstream.url });
    const strategy = h.strategy({
      provider,
      apiKey: undefined,
      baseUrl: undefined,
      signals: (() => ({ ip: '203.0.113.7', appVersion: 42, osVersion: '17.2', deviceType: 'IOS', appRealm: 'abc', locale: 'el-GR', correlationId: 'c'.repeat(65) })) as unknown as () => SendContext,
    });
    const t = h.app({ strategies: { ding: strategy } });
    await request(t.app).post('/api/send').send({ phoneNumber: PHONE }).expect(200);
    expect(upstream.seen.map((r) => r.body)).toEqual([
      {
        target: { type: 'phone_number', value: PHONE },
        signals: { ip: '203.0.113.7', os_version: '17.2', device_platform: 'ios' },
        options: { locale: 'el-GR' },
      },
    ]);
  });
});
