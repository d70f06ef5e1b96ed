// DingOtpStrategy construction (the TypeError cases), options that change behaviour, and the
// small pure pieces: outcome table, phone normalisation and masking, field reading, the public
// view of the pending state. Behaviour tests run against the sandbox on Express 5 only: the
// Express-dependent paths are covered on both majors in strategy/flows.test.ts.
import express from 'express';
import passport from 'passport';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { DingOtpStrategy, DingProvider, OUTCOMES, pendingVerification } from 'passport-ding';
import type { DingOtpStrategyOptions } from 'passport-ding';
import type { Request } from 'express';
import { bodyOf, NOT_A_STRING, readField, readFieldValue } from '../../lib/fields.js';
import { PreludeProvider } from '../../lib/providers/prelude/provider.js';
import { maskPhone, normalizePhone } from '../../lib/phone.js';
import { harness } from '../helpers/harness.js';
import { wrongCode } from '../helpers/codes.js';

const PHONE = '+14155552671';
const creds = { apiKey: 'key', customerUuid: '00000000-0000-4000-8000-000000000000', baseUrl: 'http://127.0.0.1:9/v1' };
const verify = async () => false as const;

describe('DingOtpStrategy construction', () => {
  it('is named ding and registers under that name', () => {
    const s = new DingOtpStrategy(creds, verify);
    expect(s.name).toBe('ding');
    const p = new passport.Passport();
    p.use(s);
    expect((p as unknown as { _strategy(n: string): unknown })._strategy('ding')).toBe(s);
    return s.close();
  });

  it('throws a TypeError without a verify callback', () => {
    expect(() => new (DingOtpStrategy as new (o: unknown, v?: unknown) => DingOtpStrategy)(creds)).toThrow(
      new TypeError('DingOtpStrategy requires a verify callback as its second argument: async (phoneNumber, verification) => user, or false to refuse'),
    );
    expect(() => new (DingOtpStrategy as new (o: unknown, v?: unknown) => DingOtpStrategy)(creds, 'verify')).toThrow(TypeError);
  });

  it('takes no verify callback in second-factor mode', async () => {
    const s = new DingOtpStrategy({ ...creds, secondFactor: () => undefined });
    await s.close();
  });

  it.each([
    ['no options', undefined],
    ['a function for options', verify],
    ['no credentials', {}],
    ["provider 'ding' without a customerUuid", { provider: 'ding', apiKey: 'key' }],
    ['no apiKey', { customerUuid: creds.customerUuid }],
    ['an empty apiKey', { ...creds, apiKey: '' }],
    ['a provider that is not one', { provider: { send() {} } }],
    ['timeoutMs <= 0', { ...creds, timeoutMs: 0 }],
    ['a fractional timeoutMs', { ...creds, timeoutMs: 1.5 }],
    ['a string timeoutMs', { ...creds, timeoutMs: '1000' }],
    ['a non-string baseUrl', { ...creds, baseUrl: 5 }],
    ['a cleartext baseUrl off loopback', { ...creds, baseUrl: 'http://api.example.com/v1' }],
    ["provider 'prelude' with a fractional timeoutMs", { provider: 'prelude', apiKey: 'key', baseUrl: 'http://127.0.0.1:9', timeoutMs: 1.5 }],
    ["provider 'prelude' with a non-string baseUrl", { provider: 'prelude', apiKey: 'key', baseUrl: 5 }],
  ])('throws a TypeError for %s', (_what, options) => {
    expect(() => new DingOtpStrategy(options as DingOtpStrategyOptions, verify)).toThrow(TypeError);
  });

  it.each([
    ['baseUrl', { baseUrl: 'http://127.0.0.1:9/v1' }],
    ['timeoutMs', { timeoutMs: 1000 }],
  ])('throws a TypeError for a provider instance with %s (it would be ignored)', async (_what, extra) => {
    const provider = new DingProvider(creds);
    expect(() => new DingOtpStrategy({ provider, ...extra }, verify)).toThrow(/belong to the provider/);
    await provider.close();
  });

  it.each([
    ['phoneField', ''],
    ['codeField', 3],
    ['sessionKey', '  '],
    ['maxAttempts', 0],
    ['maxAttempts', 1.5],
    ['resendCooldownSeconds', -1],
    ['ttlSeconds', 0],
    ['ttlSeconds', Number.NaN],
    ['codePattern', '^\\d{6}$'],
    ['defaultCountry', 'XX'],
    ['defaultCountry', 'us'],
    // An array of one code reads as that code to libphonenumber-js's isSupportedCountry().
    ['defaultCountry', ['US']],
    ['secondFactor', 'user.phone'],
    ['signals', {}],
    ['now', 5],
    ['passReqToCallback', 'yes'],
    ['messages', { nope: 'x' }],
    ['messages', { invalid_code: 5 }],
    ['messages', { constructor: 'x' }],
    ['messages', { toString: 'x' }],
    ...['__proto__', 'constructor', 'prototype', 'cookie', 'passport', 'id', 'regenerate', 'destroy', 'reload', 'save', 'touch', 'resetMaxAge'].map(
      (key): [string, unknown] => ['sessionKey', key],
    ),
    ['maxResends', -1],
    ['maxResends', 1.5],
  ])('throws a TypeError for a bad %s (%j)', (name, value) => {
    const build = () => new DingOtpStrategy({ ...creds, [name]: value } as DingOtpStrategyOptions, verify);
    expect(build).toThrow(TypeError);
    expect(build).toThrow(new RegExp(`\`${name}\``));
  });

  it('throws a TypeError for a provider and credentials both', async () => {
    const provider = new DingProvider(creds);
    expect(() => new DingOtpStrategy({ ...creds, provider }, verify)).toThrow(TypeError);
    await provider.close();
  });

  it("provider 'prelude' builds a PreludeProvider from apiKey, baseUrl and timeoutMs", async () => {
    const s = new DingOtpStrategy({ provider: 'prelude', apiKey: 'key', baseUrl: 'http://127.0.0.1:9', timeoutMs: 1234 }, verify);
    expect(s.provider).toBeInstanceOf(PreludeProvider);
    expect(s.provider.name).toBe('prelude');
    expect((s.provider as PreludeProvider).timeoutMs).toBe(1234);
    expect(s.name).toBe('ding');
    await s.close();
  });

  it("provider 'ding' is the default: the same as no provider", async () => {
    const s = new DingOtpStrategy({ ...creds, provider: 'ding' }, verify);
    expect(s.provider).toBeInstanceOf(DingProvider);
    await s.close();
  });

  it.each([
    ['no apiKey', { provider: 'prelude' }],
    ['an empty apiKey', { provider: 'prelude', apiKey: '' }],
    ['a customerUuid (V2 has none)', { provider: 'prelude', apiKey: 'key', customerUuid: creds.customerUuid }],
    ['an https-less remote baseUrl', { provider: 'prelude', apiKey: 'key', baseUrl: 'http://api.prelude.dev' }],
    ['an unknown provider name', { provider: 'twilio', apiKey: 'key' }],
  ])("throws a TypeError for provider 'prelude' with %s", (_what, options) => {
    expect(() => new DingOtpStrategy(options as DingOtpStrategyOptions, verify)).toThrow(TypeError);
  });

  it('close() closes the provider, and may be called twice', async () => {
    const provider = new DingProvider(creds);
    const s = new DingOtpStrategy({ provider }, verify);
    expect(s.provider).toBe(provider);
    await s.close();
    await s.close();
  });
});

describe('options against the sandbox', () => {
  const h = harness(express);

  it("refuses the sandbox's Ding V1 url (a path ending in /v1) as a Prelude baseUrl at construction, naming sandbox.preludeUrl", async () => {
    const verifyUser = async (phone: string) => h.users.findOrCreate(phone);
    for (const baseUrl of [h.sandbox.url, `${h.sandbox.url}/`, 'https://api.ding.live/v1']) {
      expect(() => new DingOtpStrategy({ apiKey: h.sandbox.apiKey, baseUrl }, verifyUser)).toThrow(TypeError);
      expect(() => new DingOtpStrategy({ apiKey: h.sandbox.apiKey, baseUrl }, verifyUser)).toThrow(/sandbox\.preludeUrl/);
      expect(() => new PreludeProvider({ apiKey: h.sandbox.apiKey, baseUrl })).toThrow(/sandbox\.preludeUrl/);
    }
    // What the sandbox gives for V2 (no path) logs in; the V1 url still serves Ding V1.
    expect(new URL(h.sandbox.preludeUrl).pathname).toBe('/');
    const strategy = h.own(new DingOtpStrategy({ apiKey: h.sandbox.apiKey, baseUrl: h.sandbox.preludeUrl, now: h.clock.now }, verifyUser));
    const agent = request.agent(h.app({ strategies: { ding: strategy } }).app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    await agent.post('/login/code').send({ code: h.code(PHONE) }).expect(200);
    h.own(new DingOtpStrategy({ apiKey: h.sandbox.apiKey, customerUuid: h.sandbox.customerUuid, baseUrl: h.sandbox.url }, verifyUser));
  });

  it('works with a provider instance instead of credentials', async () => {
    const provider = new DingProvider({ apiKey: h.sandbox.apiKey, customerUuid: h.sandbox.customerUuid, baseUrl: h.sandbox.url });
    const strategy = h.own(new DingOtpStrategy({ provider, now: h.clock.now }, async (phone) => h.users.findOrCreate(phone)));
    const { app } = h.app({ strategies: { ding: strategy } });
    const agent = request.agent(app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    await agent.post('/login/code').send({ code: h.code(PHONE) }).expect(200);
  });

  it("works with provider: 'prelude' and with a PreludeProvider instance, on the sandbox's V2 endpoints", async () => {
    const verifyUser = async (phone: string) => h.users.findOrCreate(phone);
    const instance = new PreludeProvider({ apiKey: h.sandbox.apiKey, baseUrl: h.sandbox.preludeUrl });
    for (const strategy of [
      h.own(new DingOtpStrategy({ provider: 'prelude', apiKey: h.sandbox.apiKey, baseUrl: h.sandbox.preludeUrl, now: h.clock.now }, verifyUser)),
      h.own(new DingOtpStrategy({ provider: instance, now: h.clock.now }, verifyUser)),
    ]) {
      h.sandbox.reset();
      const { app } = h.app({ strategies: { ding: strategy } });
      const agent = request.agent(app);
      await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
      const res = await agent.post('/login/code').send({ code: h.code(PHONE) }).expect(200);
      expect(res.body.user.phoneNumber).toBe(PHONE);
      expect(h.sandbox.stats().byOperation).toEqual({ createVerification: 1, checkVerification: 1 });
    }
  });

  it('maxResends: counted locally when the provider counts none (Prelude), ignored when it does (Ding)', async () => {
    const prelude = h.own(
      new DingOtpStrategy(
        { provider: 'prelude', apiKey: h.sandbox.apiKey, baseUrl: h.sandbox.preludeUrl, now: h.clock.now, maxResends: 1, resendCooldownSeconds: 0 },
        async (phone) => h.users.findOrCreate(phone),
      ),
    );
    const t = h.app({ strategies: { ding: prelude } });
    const agent = request.agent(t.app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    expect((await agent.post('/login/resend').send({}).expect(200)).body.pending.remainingRetries).toBe(0);
    expect((await agent.post('/api/retry').send({}).expect(429)).body.code).toBe('retries_exhausted');
    expect(h.sandbox.stats().byOperation.createVerification).toBe(2);

    // Ding says 3 resends (the sandbox's maxRetries): its count wins over maxResends 1.
    const t2 = h.app({ strategies: { ding: h.strategy({ maxResends: 1, resendCooldownSeconds: 0 }) } });
    const agent2 = request.agent(t2.app);
    await agent2.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    h.clock.advance(30_000);
    expect((await agent2.post('/login/resend').send({}).expect(200)).body.pending.remainingRetries).toBe(2);
  });

  it('maxResends: 0 allows no resend at all, with either provider: retries_exhausted, no API call', async () => {
    const prelude = h.own(
      new DingOtpStrategy(
        { provider: 'prelude', apiKey: h.sandbox.apiKey, baseUrl: h.sandbox.preludeUrl, now: h.clock.now, maxResends: 0, resendCooldownSeconds: 0 },
        async (phone) => h.users.findOrCreate(phone),
      ),
    );
    for (const strategy of [prelude, h.strategy({ maxResends: 0, resendCooldownSeconds: 0 })]) {
      h.sandbox.reset();
      const t = h.app({ strategies: { ding: strategy } });
      const agent = request.agent(t.app);
      await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
      h.clock.advance(30_000);
      expect((await agent.post('/api/retry').send({}).expect(429)).body.code).toBe('retries_exhausted');
      expect(h.sandbox.stats().byOperation).not.toHaveProperty('retry');
      expect(h.sandbox.stats().byOperation.createVerification ?? 1).toBe(1);
    }
  });

  it('codePattern: checked before any API call; a g flag does not leak state between requests', async () => {
    const { app } = h.app({ strategies: { ding: h.strategy({ codePattern: /^[0-9]{6}$/g }) } });
    const agent = request.agent(app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    await agent.post('/api/verify').send({ code: '12345' }).expect(400);
    expect(h.sandbox.stats().byOperation.check ?? 0).toBe(0);
    const code = h.code(PHONE);
    const wrong = wrongCode(code);
    await agent.post('/api/verify').send({ code: wrong }).expect(401);
    await agent.post('/api/verify').send({ code: wrong }).expect(401);
    expect(h.sandbox.stats().byOperation.check).toBe(2);
    await agent.post('/login/code').send({ code }).expect(200);
  });

  it('sessionKey: the pending state lives under that key; strategy.pendingVerification reads it', async () => {
    const strategy = h.strategy({ sessionKey: 'otp' });
    const t = h.app({ strategies: { ding: strategy } });
    const agent = request.agent(t.app);
    const sent = await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    expect(sent.body.pending).toBeNull(); // the app reads the default key
    const sid = (await agent.get('/me')).body.sessionID;
    expect(await t.storedPending(sid)).toBeUndefined();
    expect(await t.storedPending(sid, 'otp')).toMatchObject({ p: PHONE });
    await agent.post('/login/code').send({ code: h.code(PHONE) }).expect(200);
  });
});

describe('outcome table', () => {
  it('has the codes and statuses of DESIGN.md', () => {
    const statuses = Object.fromEntries(Object.entries(OUTCOMES).map(([code, row]) => [code, row.status]));
    expect(statuses).toEqual({
      missing_phone_number: 400,
      invalid_phone_number: 400,
      missing_country_code: 400,
      malformed_phone_number: 400,
      missing_code: 400,
      malformed_code: 400,
      no_pending_verification: 403,
      invalid_code: 401,
      expired: 401,
      too_many_attempts: 429,
      retry_too_soon: 429,
      retries_exhausted: 429,
      rate_limited: 429,
      blocked: 403,
      channel_not_allowed: 400,
      challenge_failed: 403,
      declined: 401,
    });
  });
});

describe('phone numbers', () => {
  it('normalises to E.164 or says why not', () => {
    expect(normalizePhone('+1 (415) 555-2671')).toEqual({ ok: true, e164: PHONE, country: 'US' });
    expect(normalizePhone('415.555.2671', 'US')).toEqual({ ok: true, e164: PHONE, country: 'US' });
    expect(normalizePhone('06 12 34 56 78', 'FR')).toEqual({ ok: true, e164: '+33612345678', country: 'FR' });
    // The country of a shared calling code comes from the number, not from defaultCountry.
    expect(normalizePhone('+1 416 555 0123', 'US')).toEqual({ ok: true, e164: '+14165550123', country: 'CA' });
    // A number of no country (+800) has none.
    expect(normalizePhone('+800 1234 5678')).toEqual({ ok: true, e164: '+80012345678', country: undefined });
    expect(normalizePhone('4155552671')).toEqual({ ok: false, reason: 'missing_country_code' });
    expect(normalizePhone('415')).toEqual({ ok: false, reason: 'invalid_phone_number' });
    expect(normalizePhone('  ')).toEqual({ ok: false, reason: 'missing_phone_number' });
    expect(normalizePhone(undefined)).toEqual({ ok: false, reason: 'missing_phone_number' });
  });

  // Mutation testing (issue 20): the whole input must be the number, with or without a default
  // country; the library would otherwise pick one out of the text around it.
  it('refuses a number inside other text: invalid_phone_number, never the number picked out', () => {
    expect(normalizePhone('call +1 415 555 2671 now')).toEqual({ ok: false, reason: 'invalid_phone_number' });
    expect(normalizePhone('call 415 555 2671 now', 'US')).toEqual({ ok: false, reason: 'invalid_phone_number' });
    expect(normalizePhone('tel: +1 415 555 2671', 'US')).toEqual({ ok: false, reason: 'invalid_phone_number' });
  });

  it('reads input up to 64 characters (blanks around it trimmed first); longer is invalid_phone_number', () => {
    const padded = (length: number) => `+1${' '.repeat(length - 12)}4155552671`;
    expect(padded(64)).toHaveLength(64);
    expect(normalizePhone(`  ${padded(64)}  `)).toEqual({ ok: true, e164: PHONE, country: 'US' });
    expect(normalizePhone(padded(65))).toEqual({ ok: false, reason: 'invalid_phone_number' });
  });

  it("a valid number longer than E.164's 15 digits is invalid_phone_number; 15 digits are fine", () => {
    // Germany's plan passes the library's length check at 16 digits; no network routes it.
    expect(normalizePhone('+49 1512 3456 7891 2')).toEqual({ ok: true, e164: '+491512345678912', country: 'DE' });
    expect(normalizePhone('+49 1512 3456 7891 23')).toEqual({ ok: false, reason: 'invalid_phone_number' });
  });

  it('missing_country_code only for 6 to 15 digits and separators; fewer, more, or letters are invalid_phone_number', () => {
    expect(normalizePhone('123-456')).toEqual({ ok: false, reason: 'missing_country_code' });
    expect(normalizePhone('12-345')).toEqual({ ok: false, reason: 'invalid_phone_number' });
    expect(normalizePhone('12345 67890 12345')).toEqual({ ok: false, reason: 'missing_country_code' });
    expect(normalizePhone('12345 67890 123456')).toEqual({ ok: false, reason: 'invalid_phone_number' });
    expect(normalizePhone('415 555 2671 abc')).toEqual({ ok: false, reason: 'invalid_phone_number' });
    // Separators only: no digit at all.
    expect(normalizePhone('(-)')).toEqual({ ok: false, reason: 'invalid_phone_number' });
    // With a default country the country code is never what is missing: 00 then 999, a calling code
    // no country has, is a number no fix of the country would make valid.
    expect(normalizePhone('00 999 1234 5678', 'FR')).toEqual({ ok: false, reason: 'invalid_phone_number' });
  });

  it('masks all but the country code and the last digits', () => {
    expect(maskPhone(PHONE)).toBe('+1•••••2671');
    expect(maskPhone('+33612345678')).toBe('+33•••••5678');
    expect(maskPhone('+442071838750')).toBe('+44•••••8750');
  });
});

describe('fields', () => {
  it('reads strings from the body with bracket paths, own properties only', () => {
    expect(readField({ phoneNumber: 'x' }, 'phoneNumber')).toBe('x');
    expect(readField({ user: { phone: 'x' } }, 'user[phone]')).toBe('x');
    expect(readField({ 'user[phone]': 'x' }, 'user[phone]')).toBe('x');
    expect(readField({ a: { b: { c: 'x' } } }, 'a[b][c]')).toBe('x');
    expect(readField({ phoneNumber: ['x'] }, 'phoneNumber')).toBeUndefined();
    expect(readField({ phoneNumber: 5 }, 'phoneNumber')).toBeUndefined();
    expect(readField({ user: ['x'] }, 'user[0]')).toBeUndefined();
    expect(readField({}, 'constructor')).toBeUndefined();
    expect(readField({}, 'toString')).toBeUndefined();
    expect(readField(JSON.parse('{"__proto__":{"code":"1"}}'), '__proto__[code]')).toBe('1');
    expect(readField({}, '__proto__[code]')).toBeUndefined();
    expect(readField(undefined, 'code')).toBeUndefined();
  });

  it('tells absent (undefined) from present but not a string (NOT_A_STRING), and never throws on nulls or primitives on the path', () => {
    expect(readFieldValue(null, 'code')).toBeUndefined();
    expect(readFieldValue({ code: undefined }, 'code')).toBeUndefined();
    expect(readFieldValue({ code: null }, 'code')).toBeUndefined();
    expect(readFieldValue({ code: 5 }, 'code')).toBe(NOT_A_STRING);
    expect(readFieldValue({ user: null }, 'user[phone]')).toBeUndefined();
    expect(readFieldValue({ user: 'abc' }, 'user[length]')).toBeUndefined();
    expect(readFieldValue({ user: {} }, 'user[constructor]')).toBeUndefined();
    expect(readFieldValue({ user: { phone: 5 } }, 'user[phone]')).toBe(NOT_A_STRING);
  });

  it('reads a name with only one kind of bracket as a path too, as passport-local does', () => {
    expect(readField({ user: { phone: 'x' } }, 'user[phone')).toBe('x');
    expect(readField({ userphone: 'x' }, 'user]phone')).toBe('x');
  });

  it('bodyOf(): without a parser, names the one for the content type of a request with a body, both for one without', () => {
    const req = (headers: Record<string, string>): Request => ({ headers }) as unknown as Request;
    const message = (r: Request): string => {
      try {
        bodyOf(r);
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    const json = 'application/json bodies need app.use(express.json()), before';
    expect(message(req({ 'content-type': 'application/json; charset=utf-8', 'content-length': '12' }))).toContain(json);
    expect(message(req({ 'content-type': 'application/json', 'transfer-encoding': 'chunked' }))).toContain(json);
    // A +json type: plain express.json() would not take it either.
    expect(message(req({ 'content-type': 'application/problem+json', 'content-length': '2' }))).toContain(
      "application/*+json bodies need app.use(express.json({ type: ['application/json', 'application/*+json'] })), before",
    );
    expect(message(req({ 'content-type': 'application/x-www-form-urlencoded', 'content-length': '3' }))).toContain(
      'application/x-www-form-urlencoded bodies need app.use(express.urlencoded({ extended: false })), before',
    );
    const bodiless: Array<Record<string, string>> = [{ 'content-type': 'application/json', 'content-length': '0' }, { 'content-type': 'application/json' }, { 'content-length': '5' }];
    for (const headers of bodiless) {
      const text = message(req(headers));
      expect(text).toContain('no body parser has read this request: add app.use(express.urlencoded({ extended: false })) for HTML forms');
      expect(text).not.toContain('bodies need');
    }
    // A parser ran (req.body defined) but not for this type: an empty body, not an error.
    expect(bodyOf({ headers: { 'content-type': 'text/plain', 'content-length': '5' }, body: undefined } as unknown as Request)).toBeUndefined();
    expect(bodyOf({ headers: {}, body: { a: 1 } } as unknown as Request)).toEqual({ a: 1 });
  });
});

describe('pendingVerification(req)', () => {
  const stored = { v: 1, i: 'id', p: PHONE, c: 1_000, e: 601_000, r: 31_000, a: 4 };
  const req = (value: unknown, key = 'passport-ding') => ({ session: { save() {}, [key]: value } });

  it('returns the public view: masked number, dates, retries and attempts left', () => {
    expect(pendingVerification(req(stored))).toEqual({
      phoneNumber: '+1•••••2671',
      expiresAt: new Date(601_000),
      nextRetryAt: new Date(31_000),
      attemptsLeft: 4,
    });
    expect(pendingVerification(req({ ...stored, n: 2 }, 'otp'), 'otp')?.remainingRetries).toBe(2);
    expect(JSON.parse(JSON.stringify(pendingVerification(req(stored))))).toMatchObject({ expiresAt: '1970-01-01T00:10:01.000Z' });
  });

  it('is undefined without a session, without a pending state, or for a malformed one', () => {
    expect(pendingVerification({})).toBeUndefined();
    expect(pendingVerification(req(undefined))).toBeUndefined();
    expect(pendingVerification(req({ ...stored, v: 2 }))).toBeUndefined();
    expect(pendingVerification(req({ ...stored, a: -1 }))).toBeUndefined();
    expect(pendingVerification(req({ ...stored, e: '601000' }))).toBeUndefined();
  });
});
