// What a sampler is handed: the attributes of a step's span and of a provider call's span as they
// are passed to startSpan(), before the span itself drops an undefined value. An app's sampler may
// sample on them (keep every refusal, drop review logins); a key that is present with no value
// would read as set (`'passport_ding.rule' in attributes`). The SDK's sanitizeAttributes() keeps
// such a key (undefined is a valid attribute value to it), so only the recorder's own guards keep
// the optional fields (status, country, verification id, latency, rule) off when the event has
// none. The exported spans cannot show this (test/telemetry/telemetry.test.ts reads those); a
// sampler on the real SDK can.
import express from 'express';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Attributes, Context, SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SamplingDecision, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace-base';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { harness, PROVIDERS } from '../helpers/harness.js';
import { createTelemetry } from '../../lib/telemetry/index.js';
import type { Telemetry } from '../../lib/telemetry/index.js';

/** Samples everything and keeps a copy of what it was handed, span by span. */
class RecordingSampler implements Sampler {
  readonly seen: Array<{ name: string; attributes: Attributes }> = [];
  shouldSample(_context: Context, _traceId: string, name: string, _kind: SpanKind, attributes: Attributes): SamplingResult {
    this.seen.push({ name, attributes: { ...attributes } });
    return { decision: SamplingDecision.RECORD_AND_SAMPLED };
  }
  toString(): string {
    return 'RecordingSampler';
  }
}

function sdk() {
  const sampler = new RecordingSampler();
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor(spans)] });
  const meterProvider = new MeterProvider();
  return { sampler, spans, tracerProvider, meterProvider };
}

/** The keys whose value is undefined, span by span (none, when the guards hold). */
const unset = (seen: RecordingSampler['seen']) =>
  seen.flatMap(({ name, attributes }) => Object.entries(attributes).filter(([, value]) => value === undefined).map(([key]) => `${name}: ${key}`));

describe('the attributes a sampler is handed (the recorder on its own)', () => {
  const T0 = 1_700_000_000_000;
  let otel: ReturnType<typeof sdk>;
  beforeEach(() => {
    otel = sdk();
  });
  afterEach(async () => {
    await otel.tracerProvider.shutdown();
    await otel.meterProvider.shutdown();
  });

  function recorder(): Telemetry {
    const telemetry = createTelemetry({ tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider });
    if (!telemetry) throw new Error('telemetry is off');
    return telemetry;
  }

  it('a step without the optional fields, and its provider call: only the keys that have a value', () => {
    const call = { operation: 'check', startedAt: T0 + 1, latencyMs: 1, result: 'valid' } as const;
    recorder().recordAction({ type: 'verify', outcome: 'verified', at: new Date(T0 + 2), provider: 'fake' }, { startedAt: T0, calls: [call] });
    // toStrictEqual: a key present with the value undefined is a difference.
    expect(otel.sampler.seen).toStrictEqual([
      { name: 'passport-ding verify', attributes: { 'passport_ding.action': 'verify', 'passport_ding.outcome': 'verified', 'passport_ding.provider': 'fake' } },
      { name: 'passport-ding provider check', attributes: { 'passport_ding.provider': 'fake', 'passport_ding.operation': 'check', 'passport_ding.result': 'valid' } },
    ]);
  });

  it('a step with every optional field: the sampler sees each of them', () => {
    const call = { operation: 'send', startedAt: T0 + 1, latencyMs: 3, result: 'ok' } as const;
    recorder().recordAction(
      { type: 'send', outcome: 'blocked', status: 429, at: new Date(T0 + 5), provider: 'fake', country: 'US', verificationId: 'vrf_1', latencyMs: 3, rule: 'sendsPerPhone' },
      { startedAt: T0, calls: [call] },
    );
    expect(otel.sampler.seen).toStrictEqual([
      {
        name: 'passport-ding send',
        attributes: {
          'passport_ding.action': 'send',
          'passport_ding.outcome': 'blocked',
          'passport_ding.provider': 'fake',
          'passport_ding.status': 429,
          'passport_ding.country': 'US',
          'passport_ding.verification_id': 'vrf_1',
          'passport_ding.latency_ms': 3,
          'passport_ding.rule': 'sendsPerPhone',
        },
      },
      { name: 'passport-ding provider send', attributes: { 'passport_ding.provider': 'fake', 'passport_ding.operation': 'send', 'passport_ding.result': 'ok', 'passport_ding.verification_id': 'vrf_1' } },
    ]);
  });
});

// The same through whole logins on the sandbox: the events lib/events.ts builds leave some
// optional fields out (a refusal before any provider call has no verification id or latency, a
// verify no rule), and the sampler never sees one of them as a key.
describe.each(PROVIDERS)('the attributes a sampler is handed (%s, whole logins)', (provider) => {
  const h = harness(express, {}, provider);
  let otel: ReturnType<typeof sdk>;
  beforeEach(() => {
    otel = sdk();
  });
  afterEach(async () => {
    await otel.tracerProvider.shutdown();
    await otel.meterProvider.shutdown();
  });

  it('send, verify and a refusal: no key without a value', async () => {
    const telemetry = { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider };
    const agent = request.agent(h.app({ strategies: { ding: h.strategy({ telemetry }) } }).app);
    await agent.post('/login/phone').send({ phoneNumber: '+14155552671' }).expect(200);
    await agent.post('/login/code').send({ code: h.code('+14155552671') }).expect(200);
    const refusing = h.strategy({ telemetry, allowedCountries: ['FR'] });
    await request(h.app({ strategies: { ding: refusing } }).app).post('/login/phone').send({ phoneNumber: '+14155552672' }).expect(403);

    expect(otel.sampler.seen.map((s) => s.name)).toEqual([
      'passport-ding send',
      'passport-ding provider send',
      'passport-ding verify',
      'passport-ding provider check',
      'passport-ding send',
    ]);
    expect(unset(otel.sampler.seen)).toEqual([]);
    // The refusal: a rule and a status, no provider call, so no verification id and no latency.
    const refusal = otel.sampler.seen[4]?.attributes ?? {};
    expect(refusal).toMatchObject({ 'passport_ding.outcome': 'blocked', 'passport_ding.rule': 'allowedCountries', 'passport_ding.status': 403 });
    expect(Object.keys(refusal)).not.toContain('passport_ding.verification_id');
    expect(Object.keys(refusal)).not.toContain('passport_ding.latency_ms');
  });
});
