// The recording view events put around the provider (lib/recording-provider.ts) changes no
// answer: a custom provider that throws instead of rejecting is the same fault with events on as
// off (an error to the app's error handler, nothing sent), and the event says `error`.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { ActionEvent, CheckResult, LineInfo, OtpProvider, PassportDingEvent, ResendResult } from 'passport-ding';
import { OtpApiError, OtpAuthError, OtpUnavailableError } from 'passport-ding';
import { FakeProvider, fakeLogin } from '../helpers/fake-provider.js';
import { recordingProvider } from '../../lib/recording-provider.js';
import type { ActionRecord } from '../../lib/events.js';

const PHONE = '+14155552671';

/** A provider whose send() throws synchronously (a custom provider's bug, or a plain function). */
const FAULT = new OtpUnavailableError('server_error', 'the provider could not send');

function throwingProvider(): OtpProvider {
  return {
    name: 'throwing',
    send: () => {
      throw FAULT;
    },
    check: () => Promise.resolve({ status: 'invalid' }),
    resend: () => Promise.resolve({ status: 'sent' }),
    close: () => Promise.resolve(),
  };
}

describe('the recording provider (events on)', () => {
  it.each([
    ['off', undefined],
    ['on', true],
  ] as const)('a provider that throws synchronously is a fault with events %s, and nothing is half-written', async (_, on) => {
    const events: PassportDingEvent[] = [];
    const onEvent = on ? (e: PassportDingEvent) => void events.push(e) : undefined;
    const { t } = fakeLogin({ provider: throwingProvider(), ...(onEvent ? { onEvent } : {}) });
    const agent = request.agent(t.app);

    const res = await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(500);
    expect(res.body).toEqual({ error: 'OtpUnavailableError', code: FAULT.code });
    expect(t.errors).toHaveLength(1);
    // No pending verification was written: a code posted now finds none.
    await agent.post('/login/code').send({ code: '123456' }).expect(403);
    await new Promise((resolve) => setImmediate(resolve));
    if (!on) return;
    const sent = events[0] as ActionEvent;
    expect(sent).toMatchObject({ type: 'send', outcome: 'error', error: FAULT.code, provider: 'throwing', phone: '+1•••••2671' });
    expect(sent.latencyMs).toBeGreaterThanOrEqual(0);
  });
});

// The recording view on its own, around a FakeProvider or a provider written for the case: what
// each call notes in the step's record, and that every answer and error passes through unchanged.
describe('recordingProvider on its own', () => {
  const withCalls = (): ActionRecord => ({ startedAt: 0, calls: [] });

  it('a send notes the number, the id, the latency and the call; the answer is unchanged', async () => {
    const fake = new FakeProvider();
    const record = withCalls();
    const provider = recordingProvider(fake, record);
    expect(provider.name).toBe('fake');
    expect(provider.lookup).toBeUndefined();
    const before = Date.now();
    const sent = await provider.send({ phoneNumber: PHONE, locale: 'fr' });
    const after = Date.now();
    expect(fake.requests.send).toEqual([{ phoneNumber: PHONE, locale: 'fr' }]);
    if (sent.status !== 'sent') throw new Error('not sent');
    expect(sent.id).toBe('fake_1');
    expect(record).toMatchObject({ phone: PHONE, verificationId: 'fake_1' });
    expect(record.test).toBeUndefined();
    expect(record.riskFactors).toBeUndefined();
    const [call] = record.calls ?? [];
    expect(call).toEqual({ operation: 'send', startedAt: expect.any(Number), latencyMs: record.latencyMs, result: 'sent' });
    expect(call?.startedAt).toBeGreaterThanOrEqual(before);
    expect(call?.startedAt).toBeLessThanOrEqual(after);
    await provider.close();
    expect(fake.closed).toBe(true);
  });

  it("the latency is the call's own duration, in milliseconds to the microsecond", async () => {
    let inner = 0;
    const slow: OtpProvider = {
      ...throwingProvider(),
      check: async () => {
        const t0 = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 3));
        inner = performance.now() - t0;
        return { status: 'invalid' };
      },
    };
    const record = withCalls();
    const t0 = performance.now();
    await recordingProvider(slow, record).check({ id: 'v1', phoneNumber: PHONE, code: '123456' });
    const outer = performance.now() - t0;
    const latency = record.latencyMs ?? Number.NaN;
    expect(latency).toBeGreaterThanOrEqual(inner - 0.0005);
    expect(latency).toBeLessThanOrEqual(outer + 0.0005);
    expect(Math.abs(latency * 1000 - Math.round(latency * 1000))).toBeLessThan(1e-6);
    expect(record.calls?.[0]?.latencyMs).toBe(latency);
  });

  it('a blocked send with risk factors notes them and no id', async () => {
    const fake = new FakeProvider().next('send', { status: 'blocked', reason: 'spam', riskFactors: ['ip_reputation'] });
    const record = withCalls();
    const result = await recordingProvider(fake, record).send({ phoneNumber: PHONE });
    expect(result).toEqual({ status: 'blocked', reason: 'spam', riskFactors: ['ip_reputation'] });
    expect(record.riskFactors).toEqual(['ip_reputation']);
    expect(record.verificationId).toBeUndefined();
    expect(record.calls?.map((c) => c.result)).toEqual(['blocked']);
  });

  it("a check and a resend note the request's id; a resend that starts a new verification, the new id", async () => {
    const fake = new FakeProvider();
    const record: ActionRecord = { startedAt: 0 };
    const provider = recordingProvider(fake, record);
    // Events without telemetry: no list of calls, the latency all the same.
    expect(await provider.check({ id: 'v1', phoneNumber: PHONE, code: '123456' })).toEqual({ status: 'not_found' });
    expect(record).toMatchObject({ phone: PHONE, verificationId: 'v1', latencyMs: expect.any(Number) });
    expect(record.calls).toBeUndefined();

    const resent = withCalls();
    fake.next('resend', { status: 'sent' }).next('resend', { status: 'sent', id: 'v3' });
    await recordingProvider(fake, resent).resend({ id: 'v2', phoneNumber: PHONE });
    expect(resent.verificationId).toBe('v2');
    await recordingProvider(fake, resent).resend({ id: 'v2', phoneNumber: PHONE });
    expect(resent.verificationId).toBe('v3');
    expect(resent.calls?.map((c) => [c.operation, c.result])).toEqual([
      ['resend', 'sent'],
      ['resend', 'sent'],
    ]);
  });

  it("a lookup is noted as a call of its own, not the step's latency, and is called on the provider", async () => {
    class LookupProvider extends FakeProvider {
      readonly looked: string[] = [];
      lookup(phoneNumber: string): Promise<LineInfo> {
        this.looked.push(phoneNumber);
        return Promise.resolve({ phoneNumber, lineType: 'mobile' });
      }
    }
    const fake = new LookupProvider();
    const record = withCalls();
    const provider = recordingProvider(fake, record);
    expect(await provider.lookup?.(PHONE)).toEqual({ phoneNumber: PHONE, lineType: 'mobile' });
    expect(fake.looked).toEqual([PHONE]);
    expect(record.phone).toBe(PHONE);
    expect(record.latencyMs).toBeUndefined();
    expect(record.calls?.map((c) => [c.operation, c.result])).toEqual([['lookup', 'ok']]);
  });

  it('a rejection and a synchronous throw reach the caller as the same error, noted as an error call', async () => {
    const fault = new OtpUnavailableError('server_error', 'down');
    const fake = new FakeProvider().next('check', fault);
    const record = withCalls();
    await expect(recordingProvider(fake, record).check({ id: 'v1', phoneNumber: PHONE, code: '123456' })).rejects.toBe(fault);
    const thrown = withCalls();
    await expect(recordingProvider(throwingProvider(), thrown).send({ phoneNumber: PHONE })).rejects.toBe(FAULT);
    for (const r of [record, thrown]) {
      expect(r.calls?.map((c) => c.result)).toEqual(['error']);
      expect(r.latencyMs).toBe(r.calls?.[0]?.latencyMs);
    }
  });

  it('an answer off the contract passes through unchanged, noted as ok', async () => {
    const odd: OtpProvider = {
      ...throwingProvider(),
      check: () => Promise.resolve(undefined as unknown as CheckResult),
      resend: () => Promise.resolve({ status: 7 } as unknown as ResendResult),
    };
    const record = withCalls();
    const provider = recordingProvider(odd, record);
    expect(await provider.check({ id: 'v1', phoneNumber: PHONE, code: '123456' })).toBeUndefined();
    expect(await provider.resend({ id: 'v1', phoneNumber: PHONE })).toEqual({ status: 7 });
    expect(record.calls?.map((c) => c.result)).toEqual(['ok', 'ok']);
  });

  it("a test number's step is marked test; any other is not", async () => {
    const numbers = Object.assign(new FakeProvider(), { isTestNumber: (phone: string) => phone === PHONE });
    const test = withCalls();
    await recordingProvider(numbers, test).send({ phoneNumber: PHONE });
    expect(test.test).toBe(true);
    const other = withCalls();
    await recordingProvider(numbers, other).send({ phoneNumber: '+14155552672' });
    expect(other.test).toBeUndefined();
  });

  // What the bill reads (docs/events.md): whether a send or resend may have sent a code (the same
  // decision as for its points, lib/actions/nothing-sent.ts), and how a lookup ended.
  const connection = (code: string) => new OtpUnavailableError('connection', 'failed', { cause: Object.assign(new Error(code), { code }) });
  const FAULTS: Array<[string, boolean, () => Error]> = [
    ['a timeout', true, () => new OtpUnavailableError('timeout', 'no reply')],
    ['a reset once the request was written', true, () => connection('UND_ERR_SOCKET')],
    ['a 200 with an unreadable body', true, () => new OtpUnavailableError('malformed_response', 'not JSON', { status: 200 })],
    ["a custom provider's own error", true, () => new Error('provider bug')],
    ['a 5xx', false, () => new OtpUnavailableError('server_error', 'HTTP 502', { status: 502 })],
    ['a refused connection', false, () => connection('ECONNREFUSED')],
    ['a documented refusal', false, () => new OtpApiError('invalid_phone_number', 'refused', undefined, 422)],
    ['a refused key', false, () => new OtpAuthError(401)],
  ];

  // Each over every fault, so that it says both halves: noted where the code may have gone out
  // (or the lookup may have been done), and not elsewhere.
  it('a send or resend that fails: may have sent exactly after the faults that keep the points', async () => {
    for (const [what, maybe, fault] of FAULTS) {
      for (const operation of ['send', 'resend'] as const) {
        const record = withCalls();
        const provider = recordingProvider(new FakeProvider().next(operation, fault()), record);
        const call = operation === 'send' ? provider.send({ phoneNumber: PHONE }) : provider.resend({ id: 'v1', phoneNumber: PHONE });
        await expect(call).rejects.toThrow();
        expect(record.mayHaveSent, `${operation}: ${what}`).toBe(maybe ? true : undefined);
      }
    }
  });

  it('a send or resend the provider answered: sent may have sent, any other answer did not; an open circuit made no call', async () => {
    const fake = new FakeProvider().next('send', { status: 'blocked', reason: 'spam' }).next('resend', { status: 'too_soon' });
    const refused = withCalls();
    await recordingProvider(fake, refused).send({ phoneNumber: PHONE });
    await recordingProvider(fake, refused).resend({ id: 'v1', phoneNumber: PHONE });
    expect(refused.mayHaveSent).toBeUndefined();
    for (const operation of ['send', 'resend'] as const) {
      const sent = withCalls();
      const provider = recordingProvider(new FakeProvider().next('resend', { status: 'sent' }), sent);
      await (operation === 'send' ? provider.send({ phoneNumber: PHONE }) : provider.resend({ id: 'v1', phoneNumber: PHONE }));
      expect(sent.mayHaveSent).toBe(true);
    }
    const open = withCalls();
    const circuit = new OtpUnavailableError('circuit_open', 'open', { retryAfter: 5 });
    await expect(recordingProvider(new FakeProvider().next('send', circuit), open).send({ phoneNumber: PHONE })).rejects.toBe(circuit);
    expect(open.mayHaveSent).toBeUndefined();
  });

  it('a lookup that fails: unknown after the faults that keep a send\'s points, else failed', async () => {
    for (const [what, maybe, fault] of FAULTS) {
      const record = withCalls();
      const error = fault();
      const provider = recordingProvider({ ...throwingProvider(), lookup: () => Promise.reject(error) }, record);
      await expect(provider.lookup?.(PHONE)).rejects.toBe(error);
      expect(record.lookup, what).toBe(maybe ? 'unknown' : 'failed');
      expect(record.mayHaveSent, what).toBeUndefined();
    }
  });

  it('a lookup answered is answered; one an open circuit stopped is no lookup', async () => {
    const answered = withCalls();
    await recordingProvider({ ...throwingProvider(), lookup: (phoneNumber: string) => Promise.resolve({ phoneNumber, lineType: 'PremiumRate' }) }, answered).lookup?.(PHONE);
    expect(answered.lookup).toBe('answered');
    const open = withCalls();
    const circuit = new OtpUnavailableError('circuit_open', 'open', { retryAfter: 5 });
    await expect(recordingProvider({ ...throwingProvider(), lookup: () => Promise.reject(circuit) }, open).lookup?.(PHONE)).rejects.toBe(circuit);
    expect(open.lookup).toBeUndefined();
    expect(open.calls).toEqual([]);
  });
});
