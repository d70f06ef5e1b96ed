// OpenTelemetry, built on the same events as `onEvent`: a span per step (send, resend, verify)
// with a child span per provider call, a counter of steps by type and outcome, and a histogram of
// provider latency. Spans are made when the step ends, from the times its record kept, so a step
// costs one batch of API calls rather than a live span threaded through every action; the parent
// is whatever span was active when the request reached the strategy (an HTTP server span).
//
// No span or metric carries a phone number, masked or not, a code, a key or a session id.

import type { Attributes, Context, Counter, Histogram, Meter, Tracer } from '@opentelemetry/api';
import type { ActionEvent, ActionRecord } from '../events.js';
import type { OpenTelemetryApi } from './load-api.js';
import { loadOpenTelemetryApi } from './load-api.js';

const SCOPE = 'passport-ding';

/**
 * The `telemetry` option: `true` uses the globally registered tracer and meter providers (what
 * the OpenTelemetry SDK's `start()` registers); or name the providers to use.
 */
export interface TelemetryOptions {
  /** A TracerProvider (default: the global one). */
  tracerProvider?: {
    /** The tracer for an instrumentation scope (OpenTelemetry `TracerProvider.getTracer`). */
    getTracer(name: string, version?: string): unknown;
  } | undefined;
  /** A MeterProvider (default: the global one). */
  meterProvider?: {
    /** The meter for an instrumentation scope (OpenTelemetry `MeterProvider.getMeter`). */
    getMeter(name: string, version?: string): unknown;
  } | undefined;
}

/** What the strategy's event hook uses. */
export interface Telemetry {
  /** The context active now: the parent of the step's span. */
  activeContext(): unknown;
  /** The spans and metrics of a step that ended as `event`. */
  recordAction(event: ActionEvent, record: ActionRecord): void;
}

/** Metric and attribute names, documented in docs/events.md. */
export const TELEMETRY_NAMES = {
  actions: 'passport_ding.actions',
  providerLatency: 'passport_ding.provider.latency',
} as const;

function actionAttributes(event: ActionEvent): Attributes {
  const attributes: Attributes = {
    'passport_ding.action': event.type,
    'passport_ding.outcome': event.outcome,
    'passport_ding.provider': event.provider,
  };
  if (event.status !== undefined) attributes['passport_ding.status'] = event.status;
  if (event.country !== undefined) attributes['passport_ding.country'] = event.country;
  if (event.verificationId !== undefined) attributes['passport_ding.verification_id'] = event.verificationId;
  if (event.latencyMs !== undefined) attributes['passport_ding.latency_ms'] = event.latencyMs;
  if (event.rule !== undefined) attributes['passport_ding.rule'] = event.rule;
  if (event.riskFactors !== undefined) attributes['passport_ding.risk_factors'] = [...event.riskFactors];
  if (event.test) attributes['passport_ding.test'] = true;
  if (event.maybeSent) attributes['passport_ding.maybe_sent'] = true;
  if (event.lookup !== undefined) attributes['passport_ding.lookup'] = event.lookup;
  // OpenTelemetry's fallback value for an error with no known type (an app's own error).
  if (event.outcome === 'error') attributes['error.type'] = event.error ?? '_OTHER';
  return attributes;
}

/**
 * What the counter takes of a step's span attributes: what a bill or an alert splits by (sends per
 * country, refusals per rule, errors per code, failed sends that may have gone out, lookups by
 * how they ended), each from a small fixed set (ISO country codes, the limit and gate names, the
 * error codes, `true`, the three lookup outcomes), so the series stay bounded. Ids, latency and
 * risk factors stay on spans.
 */
const COUNTED = [
  'passport_ding.action',
  'passport_ding.outcome',
  'passport_ding.provider',
  'passport_ding.country',
  'passport_ding.rule',
  'error.type',
  'passport_ding.maybe_sent',
  'passport_ding.lookup',
] as const;

/** The counter's attributes; `test` is always set, so a query can leave review logins out. */
function counterAttributes(span: Attributes, test: boolean): Attributes {
  const attributes: Attributes = { 'passport_ding.test': test };
  for (const key of COUNTED) if (span[key] !== undefined) attributes[key] = span[key];
  return attributes;
}

class OpenTelemetryRecorder implements Telemetry {
  readonly #api: OpenTelemetryApi;
  readonly #tracer: Tracer;
  readonly #actions: Counter;
  readonly #latency: Histogram;

  constructor(api: OpenTelemetryApi, options: TelemetryOptions) {
    this.#api = api;
    this.#tracer = (options.tracerProvider?.getTracer(SCOPE) as Tracer | undefined) ?? api.trace.getTracer(SCOPE);
    const meter = (options.meterProvider?.getMeter(SCOPE) as Meter | undefined) ?? api.metrics.getMeter(SCOPE);
    this.#actions = meter.createCounter(TELEMETRY_NAMES.actions, {
      description: 'Login steps (send, resend, verify) by type and outcome',
    });
    this.#latency = meter.createHistogram(TELEMETRY_NAMES.providerLatency, {
      description: 'Duration of OTP provider calls',
      unit: 'ms',
    });
  }

  activeContext(): unknown {
    return this.#api.context.active();
  }

  recordAction(event: ActionEvent, record: ActionRecord): void {
    const api = this.#api;
    const parent = (record.parent as Context | undefined) ?? api.context.active();
    const attributes = actionAttributes(event);
    const span = this.#tracer.startSpan(`passport-ding ${event.type}`, { kind: api.SpanKind.INTERNAL, startTime: record.startedAt, attributes }, parent);
    if (event.outcome === 'error') span.setStatus({ code: api.SpanStatusCode.ERROR, message: event.error ?? 'error' });
    const inside = api.trace.setSpan(parent, span);
    const test = event.test === true;
    for (const call of record.calls ?? []) {
      const callAttributes: Attributes = {
        'passport_ding.provider': event.provider,
        'passport_ding.operation': call.operation,
        'passport_ding.result': call.result,
      };
      if (event.verificationId !== undefined) callAttributes['passport_ding.verification_id'] = event.verificationId;
      if (test) callAttributes['passport_ding.test'] = true;
      const child = this.#tracer.startSpan(`passport-ding provider ${call.operation}`, { kind: api.SpanKind.CLIENT, startTime: call.startedAt, attributes: callAttributes }, inside);
      if (call.result === 'error') child.setStatus({ code: api.SpanStatusCode.ERROR });
      child.end(call.startedAt + call.latencyMs);
      this.#latency.record(call.latencyMs, { 'passport_ding.provider': event.provider, 'passport_ding.operation': call.operation, 'passport_ding.test': test });
    }
    span.end(event.at);
    this.#actions.add(1, counterAttributes(attributes, test));
  }
}

/**
 * The `telemetry` option as a recorder; undefined when off. Turned on without
 * `@opentelemetry/api` installed, it is a TypeError at construction (a missing dependency
 * should not silently mean missing traces).
 */
export function createTelemetry(option: unknown, load: () => OpenTelemetryApi | undefined = loadOpenTelemetryApi): Telemetry | undefined {
  if (option === undefined || option === false) return undefined;
  if (option !== true && (option === null || typeof option !== 'object')) {
    throw new TypeError('DingOtpStrategy: option `telemetry` must be true, false or { tracerProvider?, meterProvider? }');
  }
  const options: TelemetryOptions = option === true ? {} : (option as TelemetryOptions);
  if (options.tracerProvider !== undefined && typeof options.tracerProvider.getTracer !== 'function') {
    throw new TypeError('DingOtpStrategy: option `telemetry.tracerProvider` must be an OpenTelemetry TracerProvider');
  }
  if (options.meterProvider !== undefined && typeof options.meterProvider.getMeter !== 'function') {
    throw new TypeError('DingOtpStrategy: option `telemetry.meterProvider` must be an OpenTelemetry MeterProvider');
  }
  const api = load();
  if (!api) {
    throw new TypeError('DingOtpStrategy: option `telemetry` needs the optional peer dependency @opentelemetry/api (npm install @opentelemetry/api)');
  }
  return new OpenTelemetryRecorder(api, options);
}
