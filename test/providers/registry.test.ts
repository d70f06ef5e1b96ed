// The provider registry (lib/providers/index.ts) through the strategy: the credentials choose the
// API, a whole login goes over that API only (counted per operation on the sandbox), `provider`
// wins over inference, and a refused key says which other API it may belong to.
import express from 'express';
import { startDingSandbox, type DingSandbox } from 'passport-ding/sandbox';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DingApiError,
  DingAuthError,
  DingConfigurationError,
  DingOtpStrategy,
  DingProvider,
  type DingOtpStrategyOptions,
  DingUnavailableError,
  OtpApiError,
  OtpAuthError,
  OtpConfigurationError,
  OtpUnavailableError,
  PreludeApiError,
  PreludeProvider,
} from 'passport-ding';
import { createApp } from '../helpers/app.js';
import { failure } from '../helpers/errors.js';

const PHONE = '+14155552691';
const V1_OPERATIONS = ['createAuthentication', 'check', 'retry', 'feedback', 'getAuthenticationStatus', 'lookup'];

let sandbox: DingSandbox;
const strategies: DingOtpStrategy[] = [];

beforeAll(async () => {
  sandbox = await startDingSandbox();
});
afterEach(async () => {
  await Promise.all(strategies.splice(0).map((s) => s.close()));
  sandbox.reset();
});
afterAll(async () => {
  await sandbox.close();
});

function strategy(options: DingOtpStrategyOptions | Record<string, unknown>): DingOtpStrategy {
  const s = new DingOtpStrategy(options as DingOtpStrategyOptions, async (phoneNumber: string) => ({ id: 'u1', phoneNumber }));
  strategies.push(s);
  return s;
}

/** One whole login (send, then the right code) through a real app; returns the calls per operation. */
async function login(s: DingOtpStrategy): Promise<Record<string, number>> {
  const { app } = createApp({ express, strategies: { ding: s } });
  const agent = request.agent(app);
  await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
  const code = sandbox.latestCode(PHONE);
  expect(code).toMatch(/^\d+$/);
  const done = await agent.post('/login/code').send({ code }).expect(200);
  expect(done.body.user).toMatchObject({ phoneNumber: PHONE });
  return sandbox.stats().byOperation;
}

describe('the credentials choose the API', () => {
  it('{ apiKey, baseUrl } alone is Prelude Verify V2, and the login goes over V2 only', async () => {
    const s = strategy({ apiKey: sandbox.apiKey, baseUrl: sandbox.preludeUrl });
    expect(s.provider).toBeInstanceOf(PreludeProvider);
    const calls = await login(s);
    const v2 = Object.entries(calls).filter(([op]) => !V1_OPERATIONS.includes(op));
    expect(v2.reduce((n, [, c]) => n + c, 0)).toBe(2);
    for (const op of V1_OPERATIONS) expect(calls[op] ?? 0).toBe(0);
    expect(sandbox.stats().requests).toBe(2);
  });

  it('{ apiKey, customerUuid, baseUrl } is Ding V1, and the login goes over V1 only', async () => {
    const s = strategy({ apiKey: sandbox.apiKey, customerUuid: sandbox.customerUuid, baseUrl: sandbox.url });
    expect(s.provider).toBeInstanceOf(DingProvider);
    const calls = await login(s);
    expect(calls).toEqual({ createAuthentication: 1, check: 1 });
    expect(sandbox.stats().requests).toBe(2);
  });

  it("`provider: 'ding'` or `'prelude'` wins over inference; baseUrl and timeoutMs go to the one chosen", () => {
    const prelude = strategy({ provider: 'prelude', apiKey: 'k', baseUrl: sandbox.preludeUrl, timeoutMs: 1234 });
    expect(prelude.provider).toBeInstanceOf(PreludeProvider);
    expect((prelude.provider as PreludeProvider).timeoutMs).toBe(1234);
    const ding = strategy({ provider: 'ding', apiKey: 'k', customerUuid: sandbox.customerUuid, timeoutMs: 4321 });
    expect(ding.provider).toBeInstanceOf(DingProvider);
    expect((ding.provider as DingProvider).client.timeoutMs).toBe(4321);
  });

  it.each([
    ['no apiKey', {}],
    ['an empty apiKey', { apiKey: '' }],
    ['a customerUuid with Prelude', { provider: 'prelude' as const, apiKey: 'k', customerUuid: '00000000-0000-4000-8000-000000000000' }],
    ["provider 'ding' without a customerUuid", { provider: 'ding' as const, apiKey: 'k' }],
    ['an unknown provider name', { provider: 'twilio' as never, apiKey: 'k' }],
    ['a provider instance with an apiKey', { provider: new PreludeProvider({ apiKey: 'k' }), apiKey: 'k' }],
    ['a provider instance with circuitBreaker', { provider: new PreludeProvider({ apiKey: 'k' }), circuitBreaker: false as const }],
    ['a bad circuitBreaker', { apiKey: 'k', circuitBreaker: { failures: 0 } }],
  ])('%s is a TypeError at construction', (_what, options) => {
    expect(() => strategy(options)).toThrow(TypeError);
  });
});

describe('a provider setup that cannot work is a TypeError naming the option to fix', () => {
  const verify = async (): Promise<false> => false;
  const UUID = '6e93aa15-9177-4d09-8395-b69ce50db1c8';
  it.each([
    [{ provider: 'Prelude', apiKey: 'k' }, /`provider` must be 'prelude' or 'ding'.*did you mean 'prelude'\?/],
    [{ provider: 'twilio' }, /`provider` must be 'prelude' or 'ding', or an OtpProvider instance$/],
    [{ apiKey: 'k', customerUuid: 'not-a-uuid' }, /^DingOtpStrategy: `customerUuid` must be your Ding customer UUID/],
    [{ apiKey: 'k', customerUuid: UUID, baseUrl: 'https://api.ding.live' }, /^DingOtpStrategy: a Ding V1 `baseUrl` ends in \/v1/],
    [{ apiKey: 'k', baseUrl: 'ftp://example.com' }, /^DingOtpStrategy: baseUrl must use https/],
    [{ apiKey: 'k', timeoutMs: -1 }, /^DingOtpStrategy: timeoutMs must be a positive integer/],
  ])('%j', (options, message) => {
    expect(() => new DingOtpStrategy(options as unknown as DingOtpStrategyOptions, verify)).toThrow(message);
    try {
      new DingOtpStrategy(options as unknown as DingOtpStrategyOptions, verify);
    } catch (err) {
      // The app's option, never an internal class.
      expect((err as Error).message).not.toMatch(/DingClient|PreludeClient|JsonHttpClient/);
    }
  });

  it('a Ding V1 baseUrl ending in /v1 (with or without a slash) is accepted', () => {
    for (const baseUrl of ['https://api.ding.live/v1', 'https://api.ding.live/v1/', sandbox.url]) {
      strategies.push(new DingOtpStrategy({ apiKey: 'k', customerUuid: UUID, baseUrl }, verify));
    }
  });
});

describe('a refused key says which API it may belong to', () => {
  it('inferred Prelude: "a Ding V1 key needs customerUuid"', async () => {
    const s = strategy({ apiKey: 'not-the-key', baseUrl: sandbox.preludeUrl });
    const err = await failure(s.provider.send({ phoneNumber: PHONE }));
    expect(err).toBeInstanceOf(OtpAuthError);
    expect(err.message).toMatch(/^Prelude refused the API key; a Ding V1 key needs `customerUuid`/);
    expect(err.message).not.toContain('not-the-key');
  });

  it('inferred Ding V1: "a Prelude V2 key goes without customerUuid"', async () => {
    const s = strategy({ apiKey: 'not-the-key', customerUuid: sandbox.customerUuid, baseUrl: sandbox.url });
    const err = await failure(s.provider.send({ phoneNumber: PHONE }));
    expect(err).toBeInstanceOf(OtpAuthError);
    expect(err.message).toMatch(/^Ding V1 refused the API key; a Prelude V2 key goes without `customerUuid`/);
  });

  it('a provider named explicitly gets the plain message: nothing was guessed', async () => {
    const s = strategy({ provider: 'prelude', apiKey: 'not-the-key', baseUrl: sandbox.preludeUrl });
    const err = await failure(s.provider.send({ phoneNumber: PHONE }));
    expect(err).toBeInstanceOf(OtpAuthError);
    expect(err.message).toBe('The OTP API refused the credentials (HTTP 401); check the API key');
  });

  it('reaches the app as a 5xx error, never as a login failure', async () => {
    const s = strategy({ apiKey: 'not-the-key', baseUrl: sandbox.preludeUrl });
    const { app } = createApp({ express, strategies: { ding: s } });
    const res = await request(app).post('/login/phone').send({ phoneNumber: PHONE });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'OtpAuthError', code: 'DING_AUTH_ERROR' });
  });
});

describe('error names', () => {
  it('the Ding* names and PreludeApiError are the same classes as the Otp* ones', () => {
    expect(DingApiError).toBe(OtpApiError);
    expect(PreludeApiError).toBe(OtpApiError);
    expect(DingAuthError).toBe(OtpAuthError);
    expect(DingUnavailableError).toBe(OtpUnavailableError);
    expect(DingConfigurationError).toBe(OtpConfigurationError);
    const err = new OtpUnavailableError('timeout', 'x');
    expect(err).toBeInstanceOf(DingUnavailableError);
    expect(err.name).toBe('OtpUnavailableError');
  });

  it('a Prelude fault is an OtpUnavailableError whose class is named after no provider', async () => {
    sandbox.fail({ mode: 'http500', times: 1 });
    const s = strategy({ apiKey: sandbox.apiKey, baseUrl: sandbox.preludeUrl, circuitBreaker: false });
    const err = await failure(s.provider.send({ phoneNumber: PHONE }));
    expect(err).toBeInstanceOf(OtpUnavailableError);
    expect(err.constructor.name).toBe('OtpUnavailableError');
  });
});
