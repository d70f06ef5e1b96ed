// Gates in front of every SMS: the country allow-list, the line-type gate through the provider's
// lookup (premium-rate and shared-cost refused, optionally VoIP and temporary numbers), and the
// app's beforeSend hook. Real logins against the sandbox; the sandbox's counters show what reached
// the provider.
import express from 'express';
import type { Express, Request } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { decline, DingOtpStrategy, OtpApiError } from 'passport-ding';
import type { ActionEvent, DingOtpStrategyOptions, OtpProvider, PassportDingEvent } from 'passport-ding';
import { checkLine, countryAllowed, countryOf, normalizeLineType, resolveAllowedCountries, resolveLineTypeGate } from '../../lib/gates/index.js';
import { harness } from '../helpers/harness.js';
import { securityApp } from '../helpers/security-app.js';

const PHONE = '+14155552671';
const PREMIUM = '+14155552681';
const SHARED = '+14155552682';
const VOIP = '+14155552683';
const TEMPORARY = '+14155552684';
const NO_TYPE = '+14155552685';
const UK = '+447400123456';
const NON_GEOGRAPHIC = '+80012345678';

const h = harness(express, {
  numbers: {
    [PREMIUM]: { lookup: { line_type: 'PremiumRate' } },
    [SHARED]: { lookup: { line_type: 'SharedCost' } },
    [VOIP]: { lookup: { line_type: 'Voip' } },
    [TEMPORARY]: { lookup: { temporary_phone_number: true } },
    [NO_TYPE]: { lookup: { line_type: undefined } },
  },
});
const calls = (op: string): number => h.sandbox.stats().byOperation[op] ?? 0;

function app(options: Partial<DingOtpStrategyOptions> = {}): Express {
  return securityApp({ strategy: h.strategy(options), users: h.users, errors: 'message' });
}

async function send(target: Express, phoneNumber: string) {
  return request(target).post('/api/send').send({ phoneNumber });
}

describe('country allow-list', () => {
  it('sends only to numbers of the listed countries, refusing others as `blocked` before any call', async () => {
    const target = app({ allowedCountries: ['US', 'CA'] });
    for (const phone of [UK, NON_GEOGRAPHIC, '+33612345678', '+18095550123' /* Dominican Republic, +1 too */]) {
      const res = await send(target, phone);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ code: 'blocked', message: 'Codes cannot be sent to this number.' });
    }
    expect(h.sandbox.stats().requests).toBe(0);
    expect((await send(target, PHONE)).status).toBe(200);
    expect((await send(target, '+14165550123')).status).toBe(200); // Toronto
    expect(calls('createAuthentication')).toBe(2);
  });

  it('reads the country from the number itself, also with defaultCountry', async () => {
    const target = app({ allowedCountries: ['GB'], defaultCountry: 'GB' });
    expect((await send(target, '07400 123456')).status).toBe(200);
    expect((await send(target, PHONE)).status).toBe(403);
  });

  it('is checked at construction', () => {
    for (const bad of [[], ['USA'], ['us'], 'US', [42], ['XX'], [['US']]]) {
      expect(() => resolveAllowedCountries(bad)).toThrow(TypeError);
      expect(() => h.strategy({ allowedCountries: bad as never })).toThrow(/allowedCountries/);
    }
    expect(resolveAllowedCountries(undefined)).toBeUndefined();
  });

  // Mutation testing (issue 20): every code must be a country, not only one of them
  // (`every` → `some` took `['US', 'XX']`), and the refusal names the option.
  it('refuses a list with one code that is not a country among good ones, with its message', () => {
    const message = 'DingOtpStrategy: option `allowedCountries` must be a non-empty array of ISO 3166-1 alpha-2 codes, e.g. ["US", "CA"]';
    for (const bad of [[], ['US', 'XX'], ['CA', 'us'], ['US', 42]]) expect(() => resolveAllowedCountries(bad)).toThrow(new TypeError(message));
    expect(resolveAllowedCountries(['US', 'CA'])).toEqual(new Set(['US', 'CA']));
  });

  it('helpers: countryOf and countryAllowed', () => {
    expect(countryOf(PHONE)).toBe('US');
    expect(countryOf('+14165550123')).toBe('CA');
    expect(countryOf(NON_GEOGRAPHIC)).toBeUndefined();
    expect(countryOf('not a number')).toBeUndefined();
    expect(countryAllowed(countryOf(NON_GEOGRAPHIC), undefined)).toBe(true);
    expect(countryAllowed(countryOf(NON_GEOGRAPHIC), new Set(['US'] as const))).toBe(false);
    expect(countryAllowed('CA', new Set(['US'] as const))).toBe(false);
    expect(countryAllowed('US', new Set(['US'] as const))).toBe(true);
  });
});

// The gate's behaviour in logins runs per provider in test/strategy/line-type-gate.test.ts.
describe('line-type gate', () => {
  it('needs a provider with lookup()', () => {
    const provider: OtpProvider = {
      name: 'no-lookup',
      send: () => Promise.reject(new Error('not used')),
      check: () => Promise.reject(new Error('not used')),
      resend: () => Promise.reject(new Error('not used')),
      close: () => Promise.resolve(),
    };
    expect(() => new DingOtpStrategy({ provider, lineTypes: true }, () => undefined)).toThrow(/lineTypes.*lookup/);
    expect(() => new DingOtpStrategy({ provider, lineTypes: false }, () => undefined)).not.toThrow();
  });

  it('checks its option at construction and matches Ding and Prelude spellings', () => {
    for (const bad of ['yes', 1, null, { refuse: 'PremiumRate' }, { refuse: ['Premium'] }, { refuseTemporary: 'yes' }]) {
      expect(() => resolveLineTypeGate(bad)).toThrow(TypeError);
    }
    expect(resolveLineTypeGate(false)).toBeUndefined();
    expect(resolveLineTypeGate({ refuse: ['premium_rate', 'isp'] })?.refuse).toEqual(new Set(['premiumrate', 'internetserviceprovider']));
    expect(normalizeLineType('PremiumRate')).toBe(normalizeLineType('premium_rate'));
    expect(normalizeLineType('InternetServiceProvider')).toBe(normalizeLineType('isp'));
  });

  // Mutation testing (issue 20): each refusal's exact message (a null no longer reaches the
  // destructuring, a non-string name no longer reaches normalizeLineType(), one unknown name
  // among known ones is refused), and what the object form refuses when it does not say.
  it('refuses each malformed option with a message that says what it takes', () => {
    const must = (expected: string) => new TypeError(`DingOtpStrategy: option \`lineTypes\` must be ${expected}`);
    for (const bad of ['yes', 1, null]) expect(() => resolveLineTypeGate(bad)).toThrow(must('true, false or { refuse?, refuseTemporary? }'));
    const names = must(
      '{ refuse: [...] } with line types from: CallingCards, FixedLine, InternetServiceProvider, LocalRate, Mobile, Other, Pager, PayPhone, ' +
        'PremiumRate, Satellite, Service, SharedCost, ShortCodesCommercial, TollFree, UniversalAccess, Unknown, VPN, VoiceMail, Voip',
    );
    for (const bad of [{ refuse: 'PremiumRate' }, { refuse: ['Premium'] }, { refuse: ['PremiumRate', 'Premium'] }, { refuse: [42] }, { refuse: ['Voip', null] }]) {
      expect(() => resolveLineTypeGate(bad)).toThrow(names);
    }
    expect(() => resolveLineTypeGate({ refuseTemporary: 'yes' })).toThrow(must('{ refuseTemporary: boolean }'));
  });

  it('in its object form refuses the default types unless told otherwise, temporary numbers only when told', () => {
    const defaults = new Set(['premiumrate', 'sharedcost']);
    expect(resolveLineTypeGate(true)).toEqual({ refuse: defaults, refuseTemporary: false });
    expect(resolveLineTypeGate({})).toEqual({ refuse: defaults, refuseTemporary: false });
    expect(resolveLineTypeGate({ refuseTemporary: true })).toEqual({ refuse: defaults, refuseTemporary: true });
    expect(resolveLineTypeGate({ refuse: ['Voip'], refuseTemporary: false })).toEqual({ refuse: new Set(['voip']), refuseTemporary: false });
  });

  // checkLine() itself, with a scripted lookup: what the send action reads from it.
  describe('checkLine', () => {
    const unused = () => Promise.reject(new Error('not used'));
    const provider = (lookup?: OtpProvider['lookup']): OtpProvider => ({
      name: 'scripted',
      send: unused,
      check: unused,
      resend: unused,
      close: () => Promise.resolve(),
      ...(lookup ? { lookup } : {}),
    });
    const gate = { refuse: new Set(['premiumrate']), refuseTemporary: true };

    it('answers allowed or refused from the lookup', async () => {
      expect(await checkLine(provider(async (phoneNumber) => ({ phoneNumber, lineType: 'Mobile' })), PHONE, gate)).toBe('allowed');
      expect(await checkLine(provider(async (phoneNumber) => ({ phoneNumber })), PHONE, gate)).toBe('allowed');
      expect(await checkLine(provider(async (phoneNumber) => ({ phoneNumber, lineType: 'premium_rate' })), PHONE, gate)).toBe('refused');
      expect(await checkLine(provider(async (phoneNumber) => ({ phoneNumber, temporary: true })), PHONE, gate)).toBe('refused');
    });

    it('takes only the invalid_phone_number API error as an answer; any other failure is thrown as it came', async () => {
      expect(await checkLine(provider(() => Promise.reject(new OtpApiError('invalid_phone_number', 'invalid', undefined, 422))), PHONE, gate)).toBe('invalid_phone_number');
      const refusal = new OtpApiError('bad_request', 'bad request');
      await expect(checkLine(provider(() => Promise.reject(refusal)), PHONE, gate)).rejects.toBe(refusal);
      // A custom provider's own error that merely carries the field is not the API's answer.
      const lookalike = Object.assign(new Error('lookup failed'), { apiCode: 'invalid_phone_number' });
      await expect(checkLine(provider(() => Promise.reject(lookalike)), PHONE, gate)).rejects.toBe(lookalike);
    });

    it('fails closed, naming the provider, when the provider has no lookup() (swapped after construction)', async () => {
      await expect(checkLine(provider(), PHONE, gate)).rejects.toThrow(new TypeError('The scripted provider has no lookup(), which the lineTypes gate needs'));
    });
  });
});

describe('beforeSend hook', () => {
  it('gets the request, the E.164 number and the action, before send and resend', async () => {
    const seen: Array<[string, string, string]> = [];
    const target = app({
      defaultCountry: 'US',
      beforeSend: (req: Request, phone, { action }) => {
        seen.push([String(req.body?.captcha ?? ''), phone, action]);
      },
    });
    const agent = request.agent(target);
    expect((await agent.post('/api/send').send({ phoneNumber: '(415) 555-2671', captcha: 'token-1' })).status).toBe(200);
    h.clock.advance(31_000);
    expect((await agent.post('/api/retry').send({ captcha: 'token-2' })).status).toBe(200);
    expect(seen).toEqual([
      ['token-1', PHONE, 'send'],
      ['token-2', PHONE, 'retry'],
    ]);
  });

  it('false refuses with challenge_failed (403), before any limit or call', async () => {
    let allow = false;
    const target = app({ beforeSend: async () => allow, limits: { sendsPerPhone: { points: 1, durationSeconds: 600 } } });
    for (let i = 0; i < 3; i += 1) {
      const res = await send(target, PHONE);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ code: 'challenge_failed', message: 'Please complete the security check and try again.' });
    }
    expect(h.sandbox.stats().requests).toBe(0);
    allow = true;
    expect((await send(target, PHONE)).status).toBe(200);
  });

  it('decline(info, status) refuses with the app\'s code, message and status', async () => {
    const target = app({ beforeSend: () => decline({ code: 'captcha_required', message: 'Solve the CAPTCHA first.' }, 400) });
    const res = await send(target, PHONE);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: 'captcha_required', message: 'Solve the CAPTCHA first.' });
    // A status that is not a 4xx falls back to 403.
    const odd = app({ beforeSend: () => decline({}, 200) });
    const other = await send(odd, PHONE);
    expect(other.status).toBe(403);
    expect(other.body.code).toBe('challenge_failed');
    expect(h.sandbox.stats().requests).toBe(0);
  });

  // Mutation testing (issue 20): the step's event names the hook as the rule that refused, for a
  // bare false and for decline() alike (only the event says so, never the client's answer).
  it("the step's event names beforeSend as the rule, for false and for decline()", async () => {
    const events: ActionEvent[] = [];
    const onEvent = (e: PassportDingEvent): void => void events.push(e as ActionEvent);
    await send(app({ onEvent, beforeSend: () => false }), PHONE);
    await send(app({ onEvent, beforeSend: () => decline({ code: 'captcha_required', message: 'Solve the CAPTCHA first.' }, 400) }), PHONE);
    await new Promise((resolve) => setImmediate(resolve));
    expect(events.map((e) => [e.type, e.outcome, e.status, e.rule])).toEqual([
      ['send', 'challenge_failed', 403, 'beforeSend'],
      ['send', 'captcha_required', 400, 'beforeSend'],
    ]);
  });

  it('a throwing hook is a fault: error(), nothing sent', async () => {
    const target = app({
      beforeSend: () => {
        throw new Error('captcha service down');
      },
    });
    const agent = request.agent(target);
    const res = await agent.post('/login/phone').send({ phoneNumber: PHONE });
    expect(res.status).toBe(500);
    expect(h.sandbox.stats().requests).toBe(0);
    expect((await agent.get('/me')).body.pending).toBeNull();
  });

  it('runs only for numbers that passed the reader and the country list', async () => {
    let calledWith = 0;
    const target = app({ allowedCountries: ['US'], beforeSend: () => void (calledWith += 1) });
    for (const phoneNumber of ['', 'abc', UK]) await send(target, phoneNumber);
    expect(calledWith).toBe(0);
  });
});
