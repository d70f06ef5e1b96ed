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
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { Attributes } from '@opentelemetry/api';
import type { ActionEvent, DingOtpStrategyOptions, LookupOutcome, PassportDingEvent } from 'passport-ding';
import type { FaultMode } from 'passport-ding/sandbox';
import { harness, PROVIDERS } from '../helpers/harness.js';
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
// lookup is a GET, which the HTTP client (undici) sends again once on a fresh connection after a
// reset (the next test).
const LOOKUP_FAULTS: Array<[FaultMode, LookupOutcome]> = [
  ['timeout', 'unknown'],
  ['reset', 'unknown'],
  ['bad_json', 'unknown'],
  ['http500', 'failed'],
  ['http503', 'failed'],
  ['forbidden', 'failed'],
];

function inMemorySdk() {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return { spans, tracerProvider, metricExporter, reader, meterProvider };
}

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
    it.each(SEND_FAULTS)('a send that meets %s: %s, maybeSent %s, on the event, its span and the counter', async (mode, code, maybe) => {
      const target = app();
      h.sandbox.fail({ mode, operation: h.op('send') });
      expect((await request(target).post('/login/phone').send({ phoneNumber: PHONE })).status).toBeGreaterThanOrEqual(500);
      expect(events).toHaveLength(1);
      const event = events[0] as ActionEvent;
      expect(event).toMatchObject({ type: 'send', outcome: 'error', error: code });
      if (maybe) expect(event.maybeSent).toBe(true);
      else expect('maybeSent' in event).toBe(false);

      const [span] = stepSpans();
      expect(span?.attributes['passport_ding.maybe_sent']).toBe(maybe ? true : undefined);
      const expected: Attributes = {
        'passport_ding.test': false,
        'passport_ding.action': 'send',
        'passport_ding.outcome': 'error',
        'passport_ding.provider': provider,
        'passport_ding.country': 'US',
        'error.type': code,
      };
      if (maybe) expected['passport_ding.maybe_sent'] = true;
      expect(await counted()).toStrictEqual([[expected, 1]]);
    });

    it.each([
      ['timeout', true],
      ['reset', true],
      ['http500', false],
    ] as const)('a resend that meets %s: maybeSent %s', async (mode, maybe) => {
      const agent = request.agent(app());
      await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
      h.clock.advance(61_000);
      h.sandbox.fail({ mode, operation: h.op('resend') });
      expect((await agent.post('/login/resend').send({})).status).toBeGreaterThanOrEqual(500);
      expect(events.map((e) => [e.type, e.outcome, e.maybeSent])).toEqual([
        ['send', 'sent', undefined],
        ['resend', 'error', maybe ? true : undefined],
      ]);
      expect(stepSpans().map((s) => s.attributes['passport_ding.maybe_sent'])).toEqual([undefined, maybe ? true : undefined]);
      const resends = (await counted()).filter(([a]) => a['passport_ding.action'] === 'resend');
      expect(resends.map(([a]) => a['passport_ding.maybe_sent'])).toEqual([maybe ? true : undefined]);
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
      expect(events.map((e) => e.outcome)).toEqual(['sent', 'rate_limited', 'error']);
      for (const e of events) expect('maybeSent' in e).toBe(false);
      for (const s of stepSpans()) expect('passport_ding.maybe_sent' in s.attributes).toBe(false);
      for (const [a] of await counted()) expect('passport_ding.maybe_sent' in a).toBe(false);
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
      expect(h.sandbox.stats().byOperation[LOOKUP[provider]]).toBe(1);
    });
  });
});
