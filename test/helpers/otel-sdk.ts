// The OpenTelemetry SDK with in-memory exporters, for the suites that read what the library
// exports: spans as they end, metrics when the reader is asked (the periodic export, an hour
// apart, never runs by itself in a test).
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';

/** A tracer and a meter provider to pass as `telemetry`, with what they export. */
export function inMemorySdk() {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return { spans, tracerProvider, metricExporter, reader, meterProvider };
}
