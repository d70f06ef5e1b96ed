// Hostile input, property-based (fast-check): first the readers on their own (fields, phone, code,
// the stored pending state), then the whole send and verify endpoints over HTTP with JSON and
// urlencoded bodies: arrays, objects, `__proto__` keys, huge strings, control characters, Unicode
// digits, numbers instead of strings. Every request must get a 4xx with an outcome code and make
// no upstream call (the sandbox's counters); the process must stay up with no unhandled rejection
// and no polluted prototype. Run counts are moderate so the file stays within a few seconds.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import fc from 'fast-check';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DingOtpStrategy, OUTCOME_CODES } from 'passport-ding';
import { readField } from '../../lib/fields.js';
import { normalizePhone } from '../../lib/phone.js';
import { cleanCode } from '../../lib/actions/code-input.js';
import { readPending } from '../../lib/pending.js';
import type { SessionLike } from '../../lib/pending.js';
import { DEFAULTS } from '../../lib/options.js';
import { harness } from '../helpers/harness.js';
import { securityApp } from '../helpers/security-app.js';

const PHONE = '+14155552671';
const E164 = /^\+[1-9]\d{1,14}$/;
const PATTERN = DEFAULTS.codePattern;
// Totals for SECURITY.md's "How the defences are tested" (kept in step with the numRuns below).
const RUNS = { field: 400, phone: 400, code: 400, pending: 300, endpoint: 120 };

// ---- generators -------------------------------------------------------------------------------

const DANGEROUS_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'phoneNumber', 'code', 'user', 'phone'];
// Control, format and separator characters (the ones .trim() removes, and the ones it does not).
const INVISIBLE = ['\u0000', '\u0007', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u200b', '\u200e', '\u202e', '\u2028', '\u2029', '\ufeff', '\u2066'];
const unicodeDigits = (ascii: string, zero: number): string => [...ascii].map((d) => (/\d/.test(d) ? String.fromCodePoint(zero + Number(d)) : d)).join('');
// Zero code points of digit scripts: full-width, Arabic-Indic, Devanagari, Bengali, Thai, math bold.
const DIGIT_ZEROS = [0xff10, 0x0660, 0x0966, 0x09e6, 0x0e50, 0x1d7ce];

const hostileKey = fc.oneof(fc.constantFrom(...DANGEROUS_KEYS), fc.string({ maxLength: 8 }));
/** Any JSON-able value, with dangerous keys as own properties at any depth. */
const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.string({ maxLength: 30 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Strings that are not a phone number the strategy may send to, however close they look. */
const hostilePhone: fc.Arbitrary<string> = fc.oneof(
  // A valid number with an invisible character inside it.
  fc.tuple(fc.integer({ min: 1, max: PHONE.length - 1 }), fc.constantFrom(...INVISIBLE)).map(([at, c]) => PHONE.slice(0, at) + c + PHONE.slice(at)),
  // Huge: a valid number buried in a long string, or repeated.
  fc.tuple(fc.string({ minLength: 60, maxLength: 400 }), fc.integer({ min: 6, max: 3000 })).map(([pad, n]) => (n % 2 ? `${pad}${PHONE}` : PHONE.repeat(n))),
  // Digits of other scripts, of lengths no number has, or in a script the parser does not read.
  fc.tuple(fc.constantFrom(...DIGIT_ZEROS), fc.stringMatching(/^\+?\d{1,5}$|^\+?\d{16,30}$/)).map(([zero, digits]) => unicodeDigits(digits, zero)),
  fc.constant(unicodeDigits(PHONE, 0x1d7ce)),
  // Anything at all that the reader refuses.
  fc.string({ maxLength: 80, unit: 'binary' }),
  fc.string({ maxLength: 40, unit: 'grapheme' }),
).filter((s) => !normalizePhone(s).ok || /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(s.trim()));

/** Strings that are not a well-formed code. */
const hostileCode: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.stringMatching(/^\d{6}$/), fc.integer({ min: 1, max: 5 }), fc.constantFrom(...INVISIBLE.filter((c) => c !== '\u0085'))).map(([d, at, c]) => d.slice(0, at) + c + d.slice(at)),
  // Digits of other scripts are read as digits: only lengths no code has are malformed.
  fc.tuple(fc.constantFrom(...DIGIT_ZEROS), fc.stringMatching(/^\d{1,3}$|^\d{11,20}$/)).map(([zero, d]) => unicodeDigits(d, zero)),
  fc.integer({ min: 65, max: 20_000 }).map((n) => '1'.repeat(n)),
  fc.string({ maxLength: 80, unit: 'binary' }),
  fc.string({ maxLength: 12, unit: 'grapheme' }),
).filter((s) => cleanCode(s, PATTERN) === undefined);

// ---- the readers --------------------------------------------------------------------------------

describe('readers, property-based', () => {
  it(`readField never throws, returns a string or nothing, and reads own properties only (${RUNS.field} runs)`, () => {
    const field = fc.oneof(fc.constantFrom('phoneNumber', 'code', 'user[phone]', '__proto__', 'constructor', '__proto__[polluted]', 'a[b][c]', 'toString'), fc.string({ maxLength: 12 }));
    fc.assert(
      fc.property(fc.oneof(hostileValue, fc.anything()), field, (body, name) => {
        const value = readField(body, name);
        expect(value === undefined || typeof value === 'string').toBe(true);
        if (typeof value === 'string' && body !== null && typeof body === 'object') {
          // A string came from the body itself, never from Object.prototype.
          expect(Object.prototype.hasOwnProperty.call(Object.prototype, name) && !Object.prototype.hasOwnProperty.call(body, name)).toBe(false);
        }
      }),
      { numRuns: RUNS.field },
    );
    expect(readField({}, 'constructor')).toBeUndefined();
    expect(readField({}, 'toString')).toBeUndefined();
    expect(readField(JSON.parse('{"__proto__": {"phoneNumber": "+14155552671"}}'), 'phoneNumber')).toBeUndefined();
    expect(readField({ user: ['+14155552671'] }, 'user[0]')).toBeUndefined();
  });

  it(`normalizePhone never throws and gives E.164 or a reason (${RUNS.phone} runs)`, () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 100, unit: 'binary' }), hostilePhone, fc.stringMatching(/^\+?[0-9 ()-]{0,20}$/)), fc.constantFrom(undefined, 'US', 'GB', 'IN'), (input, country) => {
        const result = normalizePhone(input, country);
        if (result.ok) {
          expect(result.e164).toMatch(E164);
          expect(input.trim().length).toBeLessThanOrEqual(64);
        } else {
          expect(['missing_phone_number', 'invalid_phone_number', 'missing_country_code']).toContain(result.reason);
        }
      }),
      { numRuns: RUNS.phone },
    );
  });

  it(`cleanCode gives only ASCII digits of the pattern, reads any script's digits as digits, never passes control characters (${RUNS.code} runs)`, () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 30, unit: 'binary' }), hostileCode, fc.stringMatching(/^[0-9 -]{0,14}$/)), (input) => {
        const code = cleanCode(input, PATTERN);
        if (code !== undefined) {
          expect(code).toMatch(/^[0-9]{4,10}$/);
          expect(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(input.trim())).toBe(false);
        }
      }),
      { numRuns: RUNS.code },
    );
    for (const zero of DIGIT_ZEROS) expect(cleanCode(unicodeDigits('123456', zero), PATTERN)).toBe('123456');
    for (const zero of DIGIT_ZEROS) expect(cleanCode(unicodeDigits('123', zero), PATTERN)).toBeUndefined();
    expect(cleanCode('123\u0000456', PATTERN)).toBeUndefined();
    expect(cleanCode('123\n456', PATTERN)).toBeUndefined();
    expect(cleanCode(' 123 456\n', PATTERN)).toBe('123456');
  });

  it(`readPending turns any tampered session value into a valid state or nothing (${RUNS.pending} runs)`, () => {
    const stored = fc.record(
      { v: fc.oneof(fc.constant(1), hostileValue), i: fc.oneof(fc.uuid(), hostileValue), p: fc.oneof(fc.constant(PHONE), hostileValue), c: hostileValue, e: hostileValue, r: hostileValue, n: hostileValue, a: hostileValue },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(stored, hostileValue), (raw) => {
        const session: SessionLike = { save: (cb) => cb(), 'passport-ding': raw };
        const state = readPending(session, 'passport-ding');
        if (state) {
          expect(typeof state.id).toBe('string');
          expect(typeof state.phoneNumber).toBe('string');
          for (const t of [state.createdAt, state.expiresAt, state.nextRetryAt]) expect(Number.isFinite(t)).toBe(true);
          expect(Number.isInteger(state.attemptsLeft) && state.attemptsLeft >= 0).toBe(true);
        }
      }),
      { numRuns: RUNS.pending },
    );
  });
});

// ---- the endpoints ------------------------------------------------------------------------------

describe('send and verify endpoints under hostile bodies', () => {
  const h = harness(express);
  const outcomeCodes = new Set<string>(OUTCOME_CODES);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  let server: Server;
  let strategy: DingOtpStrategy;
  let base: string;
  // A session with a code pending (the sandbox forgets it between tests; no check may reach it).
  let pendingAgent: TestAgent;

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
    // One app for the whole suite. Limits off: the point is that the readers refuse, not a limit.
    strategy = new DingOtpStrategy({ ...h.credentials(), limits: false }, async (phone) => h.users.findOrCreate(phone));
    const target = securityApp({ strategy, users: h.users, errors: 'json', bodyLimit: '1mb' });
    server = target.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    pendingAgent = request.agent(base);
    expect((await pendingAgent.post('/api/send').send({ phoneNumber: PHONE })).status).toBe(200);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtException', onUnhandled);
    await new Promise((resolve) => server?.close(resolve));
    await strategy?.close();
  });

  /** A refusal: 4xx, and from the JSON routes an outcome code. */
  function expectRefusal(res: request.Response, json: boolean): void {
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    if (json) expect(outcomeCodes.has(res.body?.code as string)).toBe(true);
  }

  const urlencoded = (pairs: Array<[string, string]>): string => pairs.map(([k, v]) => `${encodeURIComponent(k).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${encodeURIComponent(v)}`).join('&');

  it(`send: hostile phone values in JSON and urlencoded bodies are 4xx with an outcome code, no upstream call (${RUNS.endpoint * 4} runs)`, async () => {
    const bodies = fc.oneof(
      hostilePhone.map((phoneNumber) => ({ phoneNumber })),
      hostileValue.filter((v) => typeof v !== 'string').map((phoneNumber) => ({ phoneNumber })),
      fc.dictionary(hostileKey, hostileValue, { maxKeys: 5 }).filter((b) => typeof (b as Record<string, unknown>).phoneNumber !== 'string' || !normalizePhone((b as Record<string, string>).phoneNumber).ok),
      fc.constantFrom<unknown>(
        JSON.parse(`{"__proto__": {"phoneNumber": "${PHONE}"}}`),
        JSON.parse(`{"constructor": {"prototype": {"phoneNumber": "${PHONE}"}}}`),
        { phoneNumber: [PHONE] },
        { phoneNumber: { toString: PHONE } },
        { phoneNumber: 14155552671 },
        [{ phoneNumber: PHONE }],
      ),
    );
    for (const route of ['/api/send', '/login/auto']) {
      await fc.assert(
        fc.asyncProperty(bodies, async (body) => {
          const res = await request(base).post(route).set('content-type', 'application/json').send(JSON.stringify(body));
          expectRefusal(res, route.startsWith('/api/'));
        }),
        { numRuns: RUNS.endpoint },
      );
    }
    const forms = fc.oneof(
      hostilePhone.map((v) => urlencoded([['phoneNumber', v]])),
      fc.constantFrom(
        `phoneNumber[]=${encodeURIComponent(PHONE)}&phoneNumber[]=x`,
        `phoneNumber[a]=${encodeURIComponent(PHONE)}`,
        `__proto__[phoneNumber]=${encodeURIComponent(PHONE)}`,
        `constructor[prototype][phoneNumber]=${encodeURIComponent(PHONE)}`,
        'phoneNumber=%2B1415555%002671',
        `phoneNumber[__proto__][x]=1`,
        'phoneNumber',
        '=&&==',
      ),
      fc.array(fc.tuple(hostileKey, fc.string({ maxLength: 20 })), { maxLength: 6 }).map(urlencoded),
    );
    for (const route of ['/api/send', '/login/phone']) {
      await fc.assert(
        fc.asyncProperty(forms, async (form) => {
          const res = await request(base).post(route).type('form').send(form);
          expectRefusal(res, route.startsWith('/api/'));
        }),
        { numRuns: RUNS.endpoint },
      );
    }
    expect(h.sandbox.stats().requests).toBe(0);
  });

  it(`verify: hostile codes, with a code pending, are 4xx with an outcome code and never checked upstream (${RUNS.endpoint * 3} runs)`, async () => {
    const before = (await pendingAgent.get('/me')).body.pending;
    const bodies = fc.oneof(
      hostileCode.map((code) => ({ code })),
      hostileValue.filter((v) => typeof v !== 'string').map((code) => ({ code })),
      fc.constantFrom<unknown>(
        JSON.parse('{"__proto__": {"code": "123456"}}'),
        { code: ['123456'] },
        { code: 123456 },
        { code: { code: '123456' } },
        { code: '１２３' },
        { code: '١٢٣٤٥٦٧٨٩٠١' },
        { code: '123\u0000456' },
      ),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const res = await pendingAgent.post('/api/verify').set('content-type', 'application/json').send(JSON.stringify(body));
        expectRefusal(res, true);
        expect(['missing_code', 'malformed_code']).toContain(res.body.code);
      }),
      { numRuns: RUNS.endpoint },
    );
    const forms = fc.oneof(
      hostileCode.map((v) => urlencoded([['code', v]])),
      fc.constantFrom('code[]=123456&code[]=654321', 'code[a]=123456', '__proto__[code]=123456', 'code=123%00456', 'code=%EF%BC%91%EF%BC%92%EF%BC%93'),
    );
    for (const route of ['/api/verify', '/login/code']) {
      await fc.assert(
        fc.asyncProperty(forms, async (form) => {
          const res = await pendingAgent.post(route).type('form').send(form);
          expectRefusal(res, route.startsWith('/api/'));
        }),
        { numRuns: RUNS.endpoint },
      );
    }
    expect(h.sandbox.stats().requests).toBe(0);
    // Malformed codes spend no attempts: the pending state is exactly as it was.
    expect((await pendingAgent.get('/me')).body.pending).toEqual(before);
  });

  it('leaves the process working: no unhandled rejection, no polluted prototype, and a real login still works', async () => {
    expect(unhandled).toEqual([]);
    const probe: Record<string, unknown> = {};
    for (const key of ['phoneNumber', 'code', 'polluted', 'x']) expect(probe[key]).toBeUndefined();
    const agent = request.agent(base);
    // Another number: PHONE had a code moments ago, and a second within the resend cooldown is refused.
    const phone = '+14155552672';
    expect((await agent.post('/api/send').send({ phoneNumber: phone })).status).toBe(200);
    const res = await agent.post('/api/verify').send({ code: h.code(phone) });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ phoneNumber: phone });
  });
});
