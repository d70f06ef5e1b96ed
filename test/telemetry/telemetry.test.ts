// OpenTelemetry over real HTTP on both providers, read back through the SDK's in-memory exporters:
// a span per step with a child span per provider call, the event's attributes (no phone number),
// a counter of steps by type and outcome, and a histogram of provider latency.
import express from 'express';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { context, metrics, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import type { HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { harness, PROVIDERS } from '../helpers/harness.js';
import { inMemorySdk } from '../helpers/otel-sdk.js';
import { wrongCode } from '../helpers/codes.js';
import { createTelemetry } from '../../lib/telemetry/index.js';
import type { Telemetry } from '../../lib/telemetry/index.js';
import type { ActionEvent, ActionRecord } from '../../lib/events.js';

const PHONE = '+14155552671';

describe.each(PROVIDERS)('telemetry (%s)', (provider) => {
  const h = harness(express, {}, provider);
  let sdk: ReturnType<typeof inMemorySdk>;
  beforeEach(() => {
    sdk = inMemorySdk();
  });
  afterEach(async () => {
    await sdk.tracerProvider.shutdown();
    await sdk.meterProvider.shutdown();
  });

  async function metrics(): Promise<MetricData[]> {
    await sdk.reader.forceFlush();
    return sdk.metricExporter.getMetrics().at(-1)?.scopeMetrics.flatMap((s) => s.metrics) ?? [];
  }

  function app() {
    return h.app({ strategies: { ding: h.strategy({ telemetry: { tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider } }) } }).app;
  }

  it('spans each step and each provider call, with the event attributes and no phone number', async () => {
    const agent = request.agent(app());
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    await agent.post('/login/code').send({ code: wrongCode(h.code(PHONE)) }).expect(401);
    await agent.post('/login/code').send({ code: h.code(PHONE) }).expect(200);

    const finished = sdk.spans.getFinishedSpans();
    const steps = finished.filter((s) => !s.name.includes('provider'));
    expect(steps.map((s) => [s.name, s.attributes['passport_ding.outcome']])).toEqual([
      ['passport-ding send', 'sent'],
      ['passport-ding verify', 'invalid_code'],
      ['passport-ding verify', 'verified'],
    ]);
    const send = steps[0] as ReadableSpan;
    expect(send.attributes).toMatchObject({ 'passport_ding.action': 'send', 'passport_ding.provider': provider, 'passport_ding.country': 'US' });
    expect(typeof send.attributes['passport_ding.verification_id']).toBe('string');
    const calls = finished.filter((s) => s.name.includes('provider'));
    expect(calls.map((s) => s.name)).toEqual(['passport-ding provider send', 'passport-ding provider check', 'passport-ding provider check']);
    // Each provider call is a child of its step's span, in the same trace.
    expect(calls[0]?.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(calls[0]?.spanContext().traceId).toBe(send.spanContext().traceId);
    const everything = JSON.stringify(finished.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
    expect(everything).not.toContain('2671');
    expect(everything).not.toContain(h.sandbox.apiKey);

    const data = await metrics();
    const actions = data.find((m) => m.descriptor.name === 'passport_ding.actions');
    expect(actions?.dataPointType).toBe(DataPointType.SUM);
    const counts = Object.fromEntries((actions?.dataPoints ?? []).map((p) => [`${String(p.attributes['passport_ding.action'])}:${String(p.attributes['passport_ding.outcome'])}`, p.value]));
    expect(counts).toEqual({ 'send:sent': 1, 'verify:invalid_code': 1, 'verify:verified': 1 });
    const latency = data.find((m) => m.descriptor.name === 'passport_ding.provider.latency');
    expect(latency?.dataPointType).toBe(DataPointType.HISTOGRAM);
    expect(latency?.descriptor.unit).toBe('ms');
    const counted = (latency?.dataPoints ?? []).reduce((n, p) => n + (p.value as { count: number }).count, 0);
    expect(counted).toBe(3);
  });

  it('marks a fault as an error span with the error code', async () => {
    h.sandbox.fail({ mode: 'http500', operation: h.op('send') });
    await request(app()).post('/login/phone').send({ phoneNumber: PHONE }).expect(500);
    const [call, step] = sdk.spans.getFinishedSpans();
    expect(step?.status.code).toBe(SpanStatusCode.ERROR);
    expect(step?.attributes['error.type']).toBe('DING_UNAVAILABLE');
    expect(call?.status.code).toBe(SpanStatusCode.ERROR);
    expect(call?.attributes['passport_ding.result']).toBe('error');
  });

  // An open circuit answers without calling the provider: no provider-call span and no latency
  // point (a 0 ms point per refused request would pull the provider's latency down just when it
  // is failing); the step's span still says error, DING_UNAVAILABLE.
  it('an open circuit: the step is an error span, with no provider-call span and no latency point', async () => {
    const strategy = h.strategy({ telemetry: { tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider }, circuitBreaker: { failures: 1, cooldownMs: 60_000 } });
    const a = h.app({ strategies: { ding: strategy } }).app;
    h.sandbox.fail({ mode: 'http500', operation: h.op('send') });
    await request(a).post('/login/phone').send({ phoneNumber: PHONE }).expect(500);
    const before = h.sandbox.stats().requests;
    await request(a).post('/login/phone').send({ phoneNumber: '+14155552672' }).expect(500); // the harness's error handler answers 500 to every error
    expect(h.sandbox.stats().requests).toBe(before);
    const finished = sdk.spans.getFinishedSpans();
    expect(finished.map((s) => s.name)).toEqual(['passport-ding provider send', 'passport-ding send', 'passport-ding send']);
    const open = finished[2];
    expect(open?.status.code).toBe(SpanStatusCode.ERROR);
    expect(open?.attributes['error.type']).toBe('DING_UNAVAILABLE');
    expect(open?.attributes['passport_ding.latency_ms']).toBeUndefined();
    const latency = (await metrics()).find((m) => m.descriptor.name === 'passport_ding.provider.latency');
    expect((latency?.dataPoints ?? []).reduce((n, p) => n + (p.value as { count: number }).count, 0)).toBe(1);
  });

  it("types an app's own error as _OTHER, never by its code", async () => {
    const appError = Object.assign(new Error('lookup failed'), { code: `NO_USER_${PHONE}` });
    const strategy = h.strategy({ telemetry: { tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider } }, async () => {
      throw appError;
    });
    const agent = request.agent(h.app({ strategies: { ding: strategy } }).app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    await agent.post('/login/code').send({ code: h.code(PHONE) }).expect(500);
    const step = sdk.spans.getFinishedSpans().find((s) => s.name === 'passport-ding verify');
    expect(step?.status.code).toBe(SpanStatusCode.ERROR);
    expect(step?.attributes['error.type']).toBe('_OTHER');
    expect(JSON.stringify(sdk.spans.getFinishedSpans().map((s) => [s.attributes, s.status]))).not.toContain('2671');
  });

  it('spans a refusal without a provider call, with the rule that refused', async () => {
    const strategy = h.strategy({ telemetry: { tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider }, allowedCountries: ['FR'] });
    await request(h.app({ strategies: { ding: strategy } }).app).post('/login/phone').send({ phoneNumber: PHONE }).expect(403);
    const finished = sdk.spans.getFinishedSpans();
    expect(finished).toHaveLength(1);
    expect(finished[0]?.attributes).toMatchObject({ 'passport_ding.outcome': 'blocked', 'passport_ding.rule': 'allowedCountries', 'passport_ding.status': 403 });
  });
});

// The recorder on its own, fed a step's event and record as lib/events.ts builds them: every
// attribute, span kind, time and status, and each metric's attributes, read back exactly.
describe('createTelemetry on its own', () => {
  const T0 = 1_700_000_000_000;
  const ms = (t: HrTime | undefined): number => (t ? t[0] * 1000 + t[1] / 1e6 : Number.NaN);
  const OPTION_MESSAGE = 'DingOtpStrategy: option `telemetry` must be true, false or { tracerProvider?, meterProvider? }';
  let sdk: ReturnType<typeof inMemorySdk>;
  beforeEach(() => {
    sdk = inMemorySdk();
  });
  afterEach(async () => {
    trace.disable();
    metrics.disable();
    await sdk.tracerProvider.shutdown();
    await sdk.meterProvider.shutdown();
  });

  async function metricData(): Promise<MetricData[]> {
    await sdk.reader.forceFlush();
    return sdk.metricExporter.getMetrics().at(-1)?.scopeMetrics.flatMap((s) => s.metrics) ?? [];
  }

  function recorder(option: unknown = { tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider }): Telemetry {
    const telemetry = createTelemetry(option);
    if (!telemetry) throw new Error('telemetry is off');
    return telemetry;
  }

  it('is off for undefined and false without loading the API; refuses any other shape with its exact message', () => {
    const never = (): never => {
      throw new Error('loaded');
    };
    expect(createTelemetry(undefined, never)).toBeUndefined();
    expect(createTelemetry(false, never)).toBeUndefined();
    for (const bad of ['yes', null, 42, 0, '']) {
      expect(() => createTelemetry(bad, never)).toThrow(new TypeError(OPTION_MESSAGE));
    }
    for (const bad of [{}, { getTracer: 'tracer' }]) {
      expect(() => createTelemetry({ tracerProvider: bad }, never)).toThrow(
        new TypeError('DingOtpStrategy: option `telemetry.tracerProvider` must be an OpenTelemetry TracerProvider'),
      );
    }
    for (const bad of [{}, { getMeter: 'meter' }]) {
      expect(() => createTelemetry({ meterProvider: bad }, never)).toThrow(
        new TypeError('DingOtpStrategy: option `telemetry.meterProvider` must be an OpenTelemetry MeterProvider'),
      );
    }
    const missing = new TypeError('DingOtpStrategy: option `telemetry` needs the optional peer dependency @opentelemetry/api (npm install @opentelemetry/api)');
    expect(() => createTelemetry(true, () => undefined)).toThrow(missing);
    expect(() => createTelemetry({}, () => undefined)).toThrow(missing);
    expect(createTelemetry({ tracerProvider: undefined, meterProvider: undefined })).toBeDefined();
  });

  it('true, and a provider left out, use the global ones', async () => {
    trace.setGlobalTracerProvider(sdk.tracerProvider);
    metrics.setGlobalMeterProvider(sdk.meterProvider);
    const event = { type: 'send', outcome: 'sent', at: new Date(T0 + 5), provider: 'fake' } as const;
    for (const option of [true, {}, { tracerProvider: sdk.tracerProvider }, { meterProvider: sdk.meterProvider }]) {
      recorder(option).recordAction(event, { startedAt: T0, calls: [] });
    }
    expect(sdk.spans.getFinishedSpans().map((s) => s.name)).toEqual(Array(4).fill('passport-ding send'));
    const actions = (await metricData()).find((m) => m.descriptor.name === 'passport_ding.actions');
    expect(actions?.dataPoints.map((p) => p.value)).toEqual([4]);
  });

  it('activeContext() is the context active now, the parent of the step', () => {
    expect(recorder().activeContext()).toBe(context.active());
  });

  it("a step's span and its provider calls: names, kinds, times, parents, every attribute, statuses", async () => {
    const parentSpan = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED });
    const parent = trace.setSpan(ROOT_CONTEXT, parentSpan);
    const record: ActionRecord = {
      startedAt: T0,
      parent,
      calls: [
        { operation: 'lookup', startedAt: T0 + 1, latencyMs: 2.5, result: 'ok' },
        { operation: 'send', startedAt: T0 + 4, latencyMs: 10.25, result: 'error' },
      ],
    };
    const event: ActionEvent = {
      type: 'send',
      outcome: 'error',
      status: 503,
      at: new Date(T0 + 20),
      provider: 'prelude',
      phone: '+1•••••2671',
      country: 'US',
      verificationId: 'vrf_1',
      latencyMs: 10.25,
      rule: 'sendsPerPhone',
      riskFactors: ['ip_reputation'],
      test: true,
      error: 'DING_UNAVAILABLE',
      maybeSent: true,
      lookup: 'answered',
    };
    recorder().recordAction(event, record);

    const [lookup, send, step] = sdk.spans.getFinishedSpans();
    expect(step?.name).toBe('passport-ding send');
    expect(step?.kind).toBe(SpanKind.INTERNAL);
    expect(ms(step?.startTime)).toBe(T0);
    expect(ms(step?.endTime)).toBe(T0 + 20);
    expect(step?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(step?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(step?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'DING_UNAVAILABLE' });
    // The phone, even masked, is no attribute.
    expect(step?.attributes).toEqual({
      'passport_ding.action': 'send',
      'passport_ding.outcome': 'error',
      'passport_ding.provider': 'prelude',
      'passport_ding.status': 503,
      'passport_ding.country': 'US',
      'passport_ding.verification_id': 'vrf_1',
      'passport_ding.latency_ms': 10.25,
      'passport_ding.rule': 'sendsPerPhone',
      'passport_ding.risk_factors': ['ip_reputation'],
      'passport_ding.test': true,
      'passport_ding.maybe_sent': true,
      'passport_ding.lookup': 'answered',
      'error.type': 'DING_UNAVAILABLE',
    });

    expect([lookup?.name, send?.name]).toEqual(['passport-ding provider lookup', 'passport-ding provider send']);
    for (const call of [lookup, send]) {
      expect(call?.kind).toBe(SpanKind.CLIENT);
      expect(call?.parentSpanContext?.spanId).toBe(step?.spanContext().spanId);
    }
    expect([ms(lookup?.startTime), ms(lookup?.endTime)]).toEqual([T0 + 1, T0 + 3.5]);
    expect([ms(send?.startTime), ms(send?.endTime)]).toEqual([T0 + 4, T0 + 14.25]);
    expect(lookup?.status).toEqual({ code: SpanStatusCode.UNSET });
    expect(send?.status).toEqual({ code: SpanStatusCode.ERROR });
    expect(send?.attributes).toEqual({
      'passport_ding.provider': 'prelude',
      'passport_ding.operation': 'send',
      'passport_ding.result': 'error',
      'passport_ding.verification_id': 'vrf_1',
      'passport_ding.test': true,
    });

    const data = await metricData();
    const actions = data.find((m) => m.descriptor.name === 'passport_ding.actions');
    expect(actions?.descriptor).toMatchObject({ description: 'Login steps (send, resend, verify) by type and outcome' });
    expect(actions?.dataPoints.map((p) => [p.attributes, p.value])).toEqual([
      [
        {
          'passport_ding.action': 'send',
          'passport_ding.outcome': 'error',
          'passport_ding.provider': 'prelude',
          'passport_ding.test': true,
          'passport_ding.country': 'US',
          'passport_ding.rule': 'sendsPerPhone',
          'error.type': 'DING_UNAVAILABLE',
          'passport_ding.maybe_sent': true,
          'passport_ding.lookup': 'answered',
        },
        1,
      ],
    ]);
    const latency = data.find((m) => m.descriptor.name === 'passport_ding.provider.latency');
    expect(latency?.descriptor).toMatchObject({ description: 'Duration of OTP provider calls', unit: 'ms' });
    expect(latency?.dataPoints.map((p) => [p.attributes, (p.value as { sum: number }).sum])).toEqual([
      [{ 'passport_ding.provider': 'prelude', 'passport_ding.operation': 'lookup', 'passport_ding.test': true }, 2.5],
      [{ 'passport_ding.provider': 'prelude', 'passport_ding.operation': 'send', 'passport_ding.test': true }, 10.25],
    ]);
  });

  it('a step with only the required fields has only those attributes; an error without a code is _OTHER', async () => {
    const telemetry = recorder();
    const call = { operation: 'check', startedAt: T0 + 1, latencyMs: 1, result: 'valid' } as const;
    telemetry.recordAction({ type: 'verify', outcome: 'verified', at: new Date(T0 + 2), provider: 'fake' }, { startedAt: T0, calls: [call] });
    telemetry.recordAction({ type: 'resend', outcome: 'error', at: new Date(T0 + 2), provider: 'fake' }, { startedAt: T0, calls: [] });
    const [check, verify, resend] = sdk.spans.getFinishedSpans();
    expect(verify?.attributes).toEqual({ 'passport_ding.action': 'verify', 'passport_ding.outcome': 'verified', 'passport_ding.provider': 'fake' });
    expect(verify?.status).toEqual({ code: SpanStatusCode.UNSET });
    expect(verify?.parentSpanContext).toBeUndefined();
    expect(check?.attributes).toEqual({ 'passport_ding.provider': 'fake', 'passport_ding.operation': 'check', 'passport_ding.result': 'valid' });
    expect(resend?.attributes).toEqual({ 'passport_ding.action': 'resend', 'passport_ding.outcome': 'error', 'passport_ding.provider': 'fake', 'error.type': '_OTHER' });
    expect(resend?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'error' });

    const data = await metricData();
    const actions = data.find((m) => m.descriptor.name === 'passport_ding.actions');
    expect(actions?.dataPoints.map((p) => p.attributes)).toStrictEqual([
      { 'passport_ding.action': 'verify', 'passport_ding.outcome': 'verified', 'passport_ding.provider': 'fake', 'passport_ding.test': false },
      { 'passport_ding.action': 'resend', 'passport_ding.outcome': 'error', 'passport_ding.provider': 'fake', 'passport_ding.test': false, 'error.type': '_OTHER' },
    ]);
    const latency = data.find((m) => m.descriptor.name === 'passport_ding.provider.latency');
    expect(latency?.dataPoints.map((p) => p.attributes)).toEqual([{ 'passport_ding.provider': 'fake', 'passport_ding.operation': 'check', 'passport_ding.test': false }]);
  });
});
