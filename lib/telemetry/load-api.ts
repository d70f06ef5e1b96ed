// `@opentelemetry/api` is an optional peer dependency: loaded only when the app turns telemetry
// on, synchronously (the strategy is built synchronously), and never imported at the top of any
// module, so an app without it pays nothing and sees no import error. A `require` through
// createRequire also works from the ESM build: the API keeps its registered providers on a global
// symbol, so the copy loaded here and the one the app imports see the same tracer and meter.

import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';

export type OpenTelemetryApi = typeof OtelApi;

const requireHere = createRequire(import.meta.url);

/** The API module, or undefined when it is not installed. Other load errors are thrown. */
export function loadOpenTelemetryApi(specifier = '@opentelemetry/api'): OpenTelemetryApi | undefined {
  try {
    return requireHere(specifier) as OpenTelemetryApi;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}
