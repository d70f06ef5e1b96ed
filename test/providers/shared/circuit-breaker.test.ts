// The circuit breaker (lib/circuit-breaker.ts) in front of both providers, against a real loopback
// upstream that fails: after N consecutive faults calls fail fast (no request reaches the
// upstream) with a 503-class error that says how long to wait; after the cooldown one call probes;
// refusals (4xx) are answers and never open the circuit.
import { afterEach, describe, expect, it } from 'vitest';
import { DingProvider, OtpApiError, OtpAuthError, OtpUnavailableError, PreludeProvider, type OtpProvider } from 'passport-ding';
import { CircuitBreaker, isProviderFault } from '../../../lib/circuit-breaker.js';
import { JsonHttpClient, type JsonRequest } from '../../../lib/http.js';
import { failure } from '../../helpers/errors.js';
import { startUpstream, type Upstream } from '../../helpers/upstream.js';
import { sleep } from '../../helpers/wait.js';

const PHONE = '+14155552671';
const CUSTOMER = '00000000-0000-4000-8000-000000000000';
const AUTH = '11111111-1111-4111-8111-111111111111';

const upstreams: Upstream[] = [];
const providers: OtpProvider[] = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()));
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

async function upstream(): Promise<Upstream> {
  const u = await startUpstream({ status: 503, body: { message: 'Service Unavailable' } });
  upstreams.push(u);
  return u;
}

type Make = (u: Upstream, breaker?: { failures?: number; cooldownMs?: number } | false) => OtpProvider;
const PROVIDERS: Array<[string, Make, () => unknown, unknown]> = [
  [
    'prelude',
    (u, circuitBreaker) => new PreludeProvider({ apiKey: 'k', baseUrl: u.url, timeoutMs: 1000, ...(circuitBreaker === undefined ? {} : { circuitBreaker }) }),
    () => ({ id: 'vrf_1', status: 'success', method: 'message' }),
    { code: 'invalid_phone_number', message: 'bad number' },
  ],
  [
    'ding',
    (u, circuitBreaker) =>
      new DingProvider({ apiKey: 'k', customerUuid: CUSTOMER, baseUrl: `${u.url}/v1`, timeoutMs: 1000, ...(circuitBreaker === undefined ? {} : { circuitBreaker }) }),
    () => ({ authentication_uuid: AUTH, status: 'pending', created_at: new Date().toISOString() }),
    { code: 'invalid_line', message: 'bad line' },
  ],
];

describe.each(PROVIDERS)('%s', (_name, make, created, refusal) => {
  function provider(u: Upstream, breaker?: { failures?: number; cooldownMs?: number } | false): OtpProvider {
    const p = make(u, breaker);
    providers.push(p);
    return p;
  }

  it('after 5 consecutive faults (the default) calls fail fast without reaching the upstream', async () => {
    const u = await upstream();
    const p = provider(u);
    for (let i = 0; i < 5; i++) expect(await failure(p.send({ phoneNumber: PHONE }))).toMatchObject({ reason: 'server_error', upstreamStatus: 503 });
    expect(u.seen).toHaveLength(5);
    const err = await failure(p.send({ phoneNumber: PHONE }));
    expect(err).toBeInstanceOf(OtpUnavailableError);
    expect(err).toMatchObject({ reason: 'circuit_open', status: 503, retryAfter: 10, headers: { 'retry-after': '10' } });
    expect((err as Error).message).toMatch(/^\w+: not called for 10000 ms after 5 consecutive faults$/);
    expect(u.seen).toHaveLength(5);
  });

  // Mutation testing (issue 20): while closed, an answer after a fault is told to cockatiel, which
  // ends the run of faults (`if (this.#faulted)` → `if (false)` let fault, answer, fault open it).
  it('answers between faults end each run: fault, answer, fault never opens a circuit of 2', async () => {
    const u = await upstream();
    const p = provider(u, { failures: 2, cooldownMs: 10_000 });
    for (let i = 0; i < 3; i++) {
      u.answer({ status: 503, body: {} });
      expect(await failure(p.send({ phoneNumber: PHONE }))).toMatchObject({ reason: 'server_error' });
      u.answer({ status: 200, body: created() });
      expect((await p.send({ phoneNumber: PHONE })).status).toBe('sent');
    }
    expect(u.seen).toHaveLength(6);
  });

  // Mutation testing (issue 20): half-open, the probe goes through cockatiel; a refusal is still an
  // answer there: it reaches the caller as itself and closes the circuit.
  it('a probe answered with a refusal is that refusal, and closes the circuit', async () => {
    const u = await upstream();
    const p = provider(u, { failures: 1, cooldownMs: 100 });
    await failure(p.send({ phoneNumber: PHONE }));
    expect(await failure(p.send({ phoneNumber: PHONE }))).toMatchObject({ reason: 'circuit_open' });
    await sleep(150);
    u.answer({ status: 401, body: {} });
    expect(await failure(p.send({ phoneNumber: PHONE }))).toBeInstanceOf(OtpAuthError);
    u.answer({ status: 200, body: created() });
    expect((await p.send({ phoneNumber: PHONE })).status).toBe('sent');
    expect(u.seen).toHaveLength(3);
  });

  it('connection failures and 5xx count alike; after the cooldown one probe closes the circuit again', async () => {
    const u = await upstream();
    const p = provider(u, { failures: 2, cooldownMs: 150 });
    u.answer({ drop: true });
    expect(await failure(p.send({ phoneNumber: PHONE }))).toMatchObject({ reason: 'connection' });
    u.answer({ status: 500, body: {} });
    expect(await failure(p.send({ phoneNumber: PHONE }))).toMatchObject({ reason: 'server_error' });
    expect(await failure(p.send({ phoneNumber: PHONE }))).toMatchObject({ reason: 'circuit_open', retryAfter: 1 });
    expect(u.seen).toHaveLength(2);

    await sleep(200);
    u.answer({ status: 200, body: created() });
    // Concurrent calls in the half-open state: one probe reaches the upstream, the rest wait for it.
    const results = await Promise.all([p.send({ phoneNumber: PHONE }), p.send({ phoneNumber: PHONE })]);
    expect(results.map((r) => r.status)).toEqual(['sent', 'sent']);
    expect(u.seen).toHaveLength(4);
  });

  it('a failed probe opens the circuit for another cooldown', async () => {
    const u = await upstream();
    const p = provider(u, { failures: 1, cooldownMs: 100 });
    await failure(p.send({ phoneNumber: PHONE }));
    expect(await failure(p.send({ phoneNumber: PHONE }))).toMatchObject({ reason: 'circuit_open' });
    await sleep(150);
    expect(await failure(p.send({ phoneNumber: PHONE }))).toMatchObject({ reason: 'server_error' });
    expect(await failure(p.send({ phoneNumber: PHONE }))).toMatchObject({ reason: 'circuit_open' });
    expect(u.seen).toHaveLength(2);
  });

  it('refusals (a 4xx error body, a refused key) are answers: they never open the circuit and end a run of faults', async () => {
    const u = await upstream();
    const p = provider(u, { failures: 2, cooldownMs: 10_000 });
    u.answer({ status: 401, body: {} });
    for (let i = 0; i < 3; i++) expect(await failure(p.send({ phoneNumber: PHONE }))).toBeInstanceOf(OtpAuthError);
    // fault, refusal, fault: never two in a row.
    for (let i = 0; i < 3; i++) {
      u.answer({ status: 503, body: {} });
      expect(await failure(p.send({ phoneNumber: PHONE }))).toMatchObject({ reason: 'server_error' });
      u.answer({ status: 400, body: refusal });
      const answered = await p.send({ phoneNumber: PHONE });
      expect(answered.status).not.toBe('sent');
    }
    expect(u.seen).toHaveLength(9);
  });

  it('a 429 is the provider answering: it never opens the circuit', async () => {
    const u = await upstream();
    const p = provider(u, { failures: 1, cooldownMs: 10_000 });
    u.answer({ status: 429, body: {} });
    for (let i = 0; i < 3; i++) {
      const outcome = await p.check({ id: 'vrf_1', phoneNumber: PHONE, code: '123456' }).catch((e: unknown) => e);
      expect(outcome).not.toMatchObject({ reason: 'circuit_open' });
    }
    expect(u.seen).toHaveLength(3);
  });

  it('circuitBreaker: false calls the upstream every time', async () => {
    const u = await upstream();
    const p = provider(u, false);
    for (let i = 0; i < 8; i++) expect(await failure(p.send({ phoneNumber: PHONE }))).toMatchObject({ reason: 'server_error' });
    expect(u.seen).toHaveLength(8);
  });

  it.each([[{ failures: 0 }], [{ cooldownMs: -1 }], [{ failures: 1.5 }], [null]])('refuses circuitBreaker %j', (breaker) => {
    const u = { url: 'http://127.0.0.1:1' } as Upstream;
    expect(() => make(u, breaker as never)).toThrow(TypeError);
  });
});

it('OtpApiError stays an answer type: the refusal passes through the breaker unchanged', async () => {
  const u = await upstream();
  const p = new PreludeProvider({ apiKey: 'k', baseUrl: u.url, circuitBreaker: { failures: 1 } });
  providers.push(p);
  u.answer({ status: 400, body: { code: 'invalid_locale', message: 'bad locale' } });
  const err = await failure(p.client.createVerification({ phoneNumber: PHONE }));
  expect(err).toBeInstanceOf(OtpApiError);
  expect(err).toMatchObject({ apiCode: 'invalid_locale' });
});

// Mutation testing (mutate-perf-provider): while closed, JsonHttpClient tells the breaker itself how
// a call ended, and waits for it before the outcome goes on (`if (telling) await telling` →
// `if (false)` let a caller that tried again at once reach a provider the fault had just cut off;
// the providers' own async steps hide it, so this is the client alone).
it('JsonHttpClient: the caller that hears the fault that opened the circuit finds it open', async () => {
  const u = await upstream();
  const c = new JsonHttpClient({ baseUrl: u.url, serviceName: 'Test', circuitBreaker: { failures: 1, cooldownMs: 10_000 } });
  const req: JsonRequest = { method: 'POST', path: '/send', operation: 'send', body: {} };
  let again: Promise<unknown> | undefined;
  try {
    await c.request(req);
  } catch (err) {
    expect(err).toMatchObject({ reason: 'server_error', upstreamStatus: 503 });
    again = c.request(req);
  }
  expect(await failure(again as Promise<unknown>)).toMatchObject({ reason: 'circuit_open' });
  expect(u.seen).toHaveLength(1);
  await c.close();
});

// Mutation testing (issue 20): what counts as a fault, and the breaker's own option checks.
describe('CircuitBreaker on its own', () => {
  it('counts timeouts, connection failures and 5xx (or no status) as faults, nothing else', () => {
    expect(isProviderFault(new OtpUnavailableError('timeout', 'x'))).toBe(true);
    expect(isProviderFault(new OtpUnavailableError('connection', 'x'))).toBe(true);
    expect(isProviderFault(new OtpUnavailableError('server_error', 'x'))).toBe(true);
    expect(isProviderFault(new OtpUnavailableError('server_error', 'x', { status: 500 }))).toBe(true);
    expect(isProviderFault(new OtpUnavailableError('server_error', 'x', { status: 499 }))).toBe(false);
    expect(isProviderFault(new OtpUnavailableError('malformed_response', 'x'))).toBe(false);
    expect(isProviderFault(new OtpUnavailableError('circuit_open', 'x'))).toBe(false);
    // Only the library's own unavailable error: another error with the same reason is an answer.
    expect(isProviderFault(Object.assign(new Error('x'), { reason: 'timeout' }))).toBe(false);
  });

  it('refuses options that are not an object, and a cooldown under 1 ms, with their messages', () => {
    for (const options of [null, 5, 'x']) {
      expect(() => new CircuitBreaker('Test', options as never)).toThrow(new TypeError('circuitBreaker must be an object or false'));
    }
    expect(() => new CircuitBreaker('Test', { cooldownMs: 0 })).toThrow(new TypeError('circuitBreaker.cooldownMs must be a positive integer'));
    expect(() => new CircuitBreaker('Test', { failures: 0 })).toThrow(new TypeError('circuitBreaker.failures must be a positive integer'));
    expect(new CircuitBreaker('Test', { failures: 1, cooldownMs: 1 })).toBeInstanceOf(CircuitBreaker);
  });

  // Mutation testing (mutate-perf-provider): JsonHttpClient calls run() only while the circuit is
  // not closed (closed, it settles the breaker itself), so no provider test reaches run()'s closed
  // path; this one does, with plain calls.
  it('run() while closed: the call runs as it is, faults count, an answer or a refusal ends a run of faults', async () => {
    const breaker = new CircuitBreaker('Test', { failures: 2, cooldownMs: 10_000 });
    const fault = new OtpUnavailableError('server_error', 'down', { status: 503 });
    const refusal = new Error('refused');
    let calls = 0;
    const answer = (): Promise<string> => (calls++, Promise.resolve('answer'));
    const fail = (err: Error) => (): Promise<never> => (calls++, Promise.reject(err));
    expect(breaker.closed).toBe(true);
    await expect(breaker.run(answer)).resolves.toBe('answer');
    // fault, answer, fault, refusal, fault: never two faults in a row.
    await expect(breaker.run(fail(fault))).rejects.toBe(fault);
    await expect(breaker.run(answer)).resolves.toBe('answer');
    await expect(breaker.run(fail(fault))).rejects.toBe(fault);
    await expect(breaker.run(fail(refusal))).rejects.toBe(refusal);
    await expect(breaker.run(fail(fault))).rejects.toBe(fault);
    expect(breaker.closed).toBe(true);
    // A second fault in a row opens it, before its caller hears of it: the next call is not made.
    let heard: unknown;
    try {
      await breaker.run(fail(fault));
    } catch (err) {
      heard = err;
      expect(breaker.closed).toBe(false);
    }
    expect(heard).toBe(fault);
    const made = calls;
    await expect(breaker.run(answer)).rejects.toMatchObject({ reason: 'circuit_open' });
    expect(calls).toBe(made);
  });
});
