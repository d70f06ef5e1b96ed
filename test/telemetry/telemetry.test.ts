// OpenTelemetry over real HTTP on both providers, read back through the SDK's in-memory exporters:
// a span per step with a child span per provider call, the event's attributes (no phone number),
// a counter of steps by type and outcome, and a histogram of provider latency.
import express from 'express';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { AggregationTemporality, DataPointType, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { harness, PROVIDERS } from '../helpers/harness.js';
import { wrongCode } from '../helpers/codes.js';

const PHONE = '+14155552671';

describe.each(PROVIDERS)('telemetry (%s)', (provider) => {
  const h = harness(express, {}, provider);
  let spans: InMemorySpanExporter;
  let tracerProvider: BasicTracerProvider;
  let metricExporter: InMemoryMetricExporter;
  let reader: PeriodicExportingMetricReader;
  let meterProvider: MeterProvider;

  beforeEach(() => {
    spans = new InMemorySpanExporter();
    tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
    meterProvider = new MeterProvider({ readers: [reader] });
  });
  afterEach(async () => {
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  });

  async function metrics(): Promise<MetricData[]> {
    await reader.forceFlush();
    return metricExporter.getMetrics().at(-1)?.scopeMetrics.flatMap((s) => s.metrics) ?? [];
  }

  function app() {
    return h.app({ strategies: { ding: h.strategy({ telemetry: { tracerProvider, meterProvider } }) } }).app;
  }

  it('spans each step and each provider call, with the event attributes and no phone number', async () => {
    const agent = request.agent(app());
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    await agent.post('/login/code').send({ code: wrongCode(h.code(PHONE)) }).expect(401);
    await agent.post('/login/code').send({ code: h.code(PHONE) }).expect(200);

    const finished = spans.getFinishedSpans();
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
    const [call, step] = spans.getFinishedSpans();
    expect(step?.status.code).toBe(SpanStatusCode.ERROR);
    expect(step?.attributes['error.type']).toBe('DING_UNAVAILABLE');
    expect(call?.status.code).toBe(SpanStatusCode.ERROR);
    expect(call?.attributes['passport_ding.result']).toBe('error');
  });

  it("types an app's own error as _OTHER, never by its code", async () => {
    const appError = Object.assign(new Error('lookup failed'), { code: `NO_USER_${PHONE}` });
    const strategy = h.strategy({ telemetry: { tracerProvider, meterProvider } }, async () => {
      throw appError;
    });
    const agent = request.agent(h.app({ strategies: { ding: strategy } }).app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    await agent.post('/login/code').send({ code: h.code(PHONE) }).expect(500);
    const step = spans.getFinishedSpans().find((s) => s.name === 'passport-ding verify');
    expect(step?.status.code).toBe(SpanStatusCode.ERROR);
    expect(step?.attributes['error.type']).toBe('_OTHER');
    expect(JSON.stringify(spans.getFinishedSpans().map((s) => [s.attributes, s.status]))).not.toContain('2671');
  });

  it('spans a refusal without a provider call, with the rule that refused', async () => {
    const strategy = h.strategy({ telemetry: { tracerProvider, meterProvider }, allowedCountries: ['FR'] });
    await request(h.app({ strategies: { ding: strategy } }).app).post('/login/phone').send({ phoneNumber: PHONE }).expect(403);
    const finished = spans.getFinishedSpans();
    expect(finished).toHaveLength(1);
    expect(finished[0]?.attributes).toMatchObject({ 'passport_ding.outcome': 'blocked', 'passport_ding.rule': 'allowedCountries', 'passport_ding.status': 403 });
  });
});
