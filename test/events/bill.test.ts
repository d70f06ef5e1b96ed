// What the SMS bill can be read from (docs/events.md), over real HTTP to the sandbox on both
// providers, in the events and in OpenTelemetry (spans and the action counter, read back through
// the SDK's in-memory exporters):
//
// - a send or resend that ends in `error` says `maybeSent: true` exactly when the code may have
//   gone out: the same decision as for its send points (lib/actions/nothing-sent.ts). A timeout, a
//   reset once the request was written, an unreadable reply, or the provider's `sent` followed by
//   a failing session store may have sent it; a 5xx or a refused key sent nothing;
// - a send that made a line-type lookup says how it ended (`lookup`): `answered` (billed), whether
//   the gate then let the number through or refused it; `unknown` when the reply was lost (maybe
//   billed); `failed` when the provider answered a 5xx or refused the key (nothing done).
import express from 'express';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Attributes } from '@opentelemetry/api';
import type { ActionEvent, DingOtpStrategyOptions, LookupOutcome, PassportDingEvent } from 'passport-ding';
import type { FaultMode } from 'passport-ding/sandbox';
import { harness, PROVIDERS } from '../helpers/harness.js';
import { inMemorySdk } from '../helpers/otel-sdk.js';
import { securityApp } from '../helpers/security-app.js';
import { FailingStore } from '../helpers/failing-store.js';

const PHONE = '+14155552671';
const PREMIUM = '+14155552681';
const LOOKUP = { ding: 'lookup', prelude: 'lookupPhoneNumber' } as const;

// How each fault of the sandbox ends a send: [mode, error code, may the code have gone out].
const SEND_FAULTS: Array<[FaultMode, string, boolean]> = [
  ['timeout', 'DING_UNAVAILABLE', true],
  ['reset', 'DING_UNAVAILABLE', true],
  ['bad_json', 'DING_UNAVAILABLE', true],
  ['http500', 'DING_UNAVAILABLE', false],
  ['http503', 'DING_UNAVAILABLE', false],
  ['forbidden', 'DING_AUTH_ERROR', false],
];

// How each fault of the sandbox ends a lookup, as the event says it. A reset is met twice: the
// lookup is a GET, which lib/http.ts sends again once on a fresh connection after a connection
// failure (a test below).
const LOOKUP_FAULTS: Array<[FaultMode, LookupOutcome]> = [
  ['timeout', 'unknown'],
  ['reset', 'unknown'],
  ['bad_json', 'unknown'],
  ['http500', 'failed'],
  ['http503', 'failed'],
  ['forbidden', 'failed'],
];

describe.each(PROVIDERS)('what the bill can be read from (%s)', (provider) => {
  const h = harness(
    express,
    { numbers: { [PREMIUM]: { lookup: { line_type: 'PremiumRate' } } }, preludeNumbers: { [PREMIUM]: { lookup: { line_type: 'premium_rate' } } } },
    provider,
  );
  let sdk: ReturnType<typeof inMemorySdk>;
  let events: ActionEvent[];
  let store: FailingStore;
  beforeEach(() => {
    sdk = inMemorySdk();
    events = [];
    store = new FailingStore();
  });
  afterEach(async () => {
    await sdk.tracerProvider.shutdown();
    await sdk.meterProvider.shutdown();
  });

  /** A JSON app whose strategy reports to `events` and to the in-memory SDK; a short deadline, for the `timeout` fault. */
  function app(options: Partial<DingOtpStrategyOptions> = {}) {
    const strategy = h.strategy({
      timeoutMs: 300,
      onEvent: (e: PassportDingEvent) => void events.push(e as ActionEvent),
      telemetry: { tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider },
      ...options,
    });
    return securityApp({ strategy, users: h.users, store });
  }

  function stepSpans(): ReadableSpan[] {
    return sdk.spans.getFinishedSpans().filter((s) => !s.name.includes(' provider '));
  }

  /** The action counter's points, as [attributes, value]. */
  async function counted(): Promise<Array<[Attributes, number]>> {
    await sdk.reader.forceFlush();
    const data = sdk.metricExporter.getMetrics().at(-1)?.scopeMetrics.flatMap((s) => s.metrics) ?? [];
    const actions = data.find((m) => m.descriptor.name === 'passport_ding.actions');
    return (actions?.dataPoints ?? []).map((p) => [p.attributes, p.value as number]);
  }

  describe('maybeSent', () => {
    // One test over every fault, so that it says both halves: maybeSent where the code may have
    // gone out, and nowhere else. A strategy (its own circuit breaker) and a number per fault.
    it('a send that meets each sandbox fault: maybeSent exactly where the code may have gone out, on the event, its span and the counter', async () => {
      const expected = new Map<string, number>();
      for (const [i, [mode, code, maybe]] of SEND_FAULTS.entries()) {
        events.length = 0;
        sdk.spans.reset();
        h.sandbox.fail({ mode, operation: h.op('send') });
        const res = await request(app()).post('/login/phone').send({ phoneNumber: `+1415555270${i}` });
        expect(res.status, mode).toBeGreaterThanOrEqual(500);
        expect(events, mode).toEqual([expect.objectContaining({ type: 'send', outcome: 'error', error: code })]);
        expect(events[0]?.maybeSent, mode).toBe(maybe ? true : undefined);
        expect('maybeSent' in (events[0] as ActionEvent), mode).toBe(maybe);
        const [span] = stepSpans();
        expect(span?.attributes['passport_ding.maybe_sent'], mode).toBe(maybe ? true : undefined);
        const attributes: Attributes = {
          'passport_ding.test': false,
          'passport_ding.action': 'send',
          'passport_ding.outcome': 'error',
          'passport_ding.provider': provider,
          'passport_ding.country': 'US',
          'error.type': code,
        };
        if (maybe) attributes['passport_ding.maybe_sent'] = true;
        const key = JSON.stringify(attributes);
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
      const points = await counted();
      expect(new Map(points.map(([a, n]) => [JSON.stringify(a), n]))).toStrictEqual(expected);
      // Three that may have sent (timeout, reset, bad_json), three that surely did not.
      expect(points.filter(([a]) => a['passport_ding.maybe_sent'] === true).map(([, n]) => n)).toEqual([3]);
    });

    it('a resend that meets a timeout or a reset: maybeSent; a 5xx: none', async () => {
      const modes: Array<[FaultMode, boolean]> = [
        ['timeout', true],
        ['reset', true],
        ['http500', false],
      ];
      for (const [i, [mode]] of modes.entries()) {
        const agent = request.agent(app());
        await agent.post('/login/phone').send({ phoneNumber: `+1415555271${i}` }).expect(200);
        h.clock.advance(61_000);
        h.sandbox.fail({ mode, operation: h.op('resend') });
        expect((await agent.post('/login/resend').send({})).status, mode).toBeGreaterThanOrEqual(500);
      }
      const expected = modes.flatMap(([, maybe]) => [['send', 'sent', undefined], ['resend', 'error', maybe ? true : undefined]]);
      expect(events.map((e) => [e.type, e.outcome, e.maybeSent])).toEqual(expected);
      expect(stepSpans().map((s) => s.attributes['passport_ding.maybe_sent'])).toEqual(expected.map(([, , maybe]) => maybe));
      const resends = (await counted()).filter(([a]) => a['passport_ding.action'] === 'resend');
      expect(resends.map(([a, n]) => [a['passport_ding.maybe_sent'], n])).toEqual([
        [true, 2],
        [undefined, 1],
      ]);
    });

    it('a code the provider sent, then a session store that fails: error, maybeSent (the code went out)', async () => {
      const target = app();
      const sends = h.counter('send');
      store.failing.set = Infinity;
      expect((await request(target).post('/login/phone').send({ phoneNumber: PHONE })).status).toBeGreaterThanOrEqual(500);
      expect(sends()).toBe(1);
      expect(h.sandbox.latestCode(PHONE)).toBeDefined();
      expect(events).toEqual([expect.objectContaining({ type: 'send', outcome: 'error', maybeSent: true })]);
      // Not the library's error: the store's own.
      expect(events[0]?.error).toBeUndefined();
      expect(stepSpans()[0]?.attributes['passport_ding.maybe_sent']).toBe(true);
    });

    it('is never on a sent step, a refusal, or an error before the provider was called', async () => {
      const target = app({ limits: { sendsPerPhone: { points: 1, durationSeconds: 3600 } }, resendCooldownSeconds: 0, beforeSend: (_req, phone) => {
        if (phone === '+14155552672') throw new Error('captcha service down');
        return true;
      } });
      await request(target).post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
      await request(target).post('/login/phone').send({ phoneNumber: PHONE }).expect(429);
      expect((await request(target).post('/login/phone').send({ phoneNumber: '+14155552672' })).status).toBeGreaterThanOrEqual(500);
      // And, beside them, one that may have sent: the only one marked.
      h.sandbox.fail({ mode: 'reset', operation: h.op('send') });
      expect((await request(target).post('/login/phone').send({ phoneNumber: '+14155552673' })).status).toBeGreaterThanOrEqual(500);
      expect(events.map((e) => [e.outcome, e.maybeSent])).toEqual([
        ['sent', undefined],
        ['rate_limited', undefined],
        ['error', undefined],
        ['error', true],
      ]);
      for (const e of events.slice(0, 3)) expect('maybeSent' in e).toBe(false);
      expect(stepSpans().map((s) => 'passport_ding.maybe_sent' in s.attributes)).toEqual([false, false, false, true]);
      expect((await counted()).map(([a]) => 'passport_ding.maybe_sent' in a)).toEqual([false, false, false, true]);
    });
  });

  describe('lookup', () => {
    it('a number the lookup let through, and one it refused: both answered, on the event, its span and the counter', async () => {
      const target = app({ lineTypes: true });
      await request(target).post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
      await request(target).post('/login/phone').send({ phoneNumber: PREMIUM }).expect(403);
      expect(events.map((e) => [e.outcome, e.rule, e.lookup])).toEqual([
        ['sent', undefined, 'answered'],
        ['blocked', 'lineTypes', 'answered'],
      ]);
      expect(stepSpans().map((s) => s.attributes['passport_ding.lookup'])).toEqual(['answered', 'answered']);
      expect((await counted()).map(([a, n]) => [a['passport_ding.outcome'], a['passport_ding.lookup'], n])).toEqual([
        ['sent', 'answered', 1],
        ['blocked', 'answered', 1],
      ]);
    });

    it.each(LOOKUP_FAULTS)('a lookup that meets %s is %s', async (mode, outcome) => {
      const target = app({ lineTypes: true });
      h.sandbox.fail({ mode, operation: LOOKUP[provider], times: mode === 'reset' ? 2 : 1 });
      expect((await request(target).post('/login/phone').send({ phoneNumber: PHONE })).status).toBeGreaterThanOrEqual(500);
      expect(h.calls('send')).toBe(0);
      expect(events).toEqual([expect.objectContaining({ type: 'send', outcome: 'error', lookup: outcome })]);
      // No send was made: nothing may have gone out.
      expect('maybeSent' in (events[0] as ActionEvent)).toBe(false);
      expect(stepSpans()[0]?.attributes['passport_ding.lookup']).toBe(outcome);
      expect((await counted()).map(([a]) => a['passport_ding.lookup'])).toEqual([outcome]);
    });

    // What the docs warn of: the provider saw two lookups, the event says one. The bill's lookups
    // may exceed the events' by such retries; the sends (POST) are never sent again.
    it('a lookup reset once is sent again by the HTTP client and answered: one event, two lookups upstream', async () => {
      const target = app({ lineTypes: true });
      h.sandbox.fail({ mode: 'reset', operation: LOOKUP[provider] });
      await request(target).post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
      expect(events).toEqual([expect.objectContaining({ type: 'send', outcome: 'sent', lookup: 'answered' })]);
      expect(h.sandbox.stats().byOperation[LOOKUP[provider]]).toBe(2);
      expect(h.calls('send')).toBe(1);
    });

    it('is absent without the gate, on a resend, and when a limit refused before the lookup', async () => {
      const agent = request.agent(app());
      await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
      // Two points: the send and the resend spend them (a resend is an SMS too); the next send is refused.
      const gated = app({ lineTypes: true, limits: { sendsPerPhone: { points: 2, durationSeconds: 3600 } }, resendCooldownSeconds: 0 });
      const gatedAgent = request.agent(gated);
      await gatedAgent.post('/login/phone').send({ phoneNumber: '+14155552673' }).expect(200);
      h.clock.advance(61_000);
      await gatedAgent.post('/login/resend').send({}).expect(200);
      await request(gated).post('/login/phone').send({ phoneNumber: '+14155552673' }).expect(429);
      expect(events.map((e) => [e.type, e.outcome, e.lookup])).toEqual([
        ['send', 'sent', undefined],
        ['send', 'sent', 'answered'],
        ['resend', 'sent', undefined],
        ['send', 'rate_limited', undefined],
      ]);
      // Absent, not a key holding undefined: a handler that lists the event's keys sees none.
      expect(events.map((e) => 'lookup' in e)).toEqual([false, true, false, false]);
      expect(h.sandbox.stats().byOperation[LOOKUP[provider]]).toBe(1);
    });
  });
});
