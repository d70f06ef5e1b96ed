// What the production options add around a strategy's provider and its steps, built once in the
// constructor: test numbers and the webhook URL as provider decorators, and the event hook
// (`onEvent`, `telemetry`). Kept apart from the strategy so that it wires them in a few lines.

import type { ActionEventType, ActionRecord, DecisionSummary, OnEvent } from './events.js';
import { EventHook } from './events.js';
import type { OtpProvider } from './providers/provider.js';
import { recordingProvider } from './recording-provider.js';
import { createTelemetry } from './telemetry/index.js';
import type { TestNumberSettings } from './test-numbers.js';
import { resolveTestNumbers, trustEndsAt, withTestNumbers } from './test-numbers.js';
import { resolveWebhookUrl, withCallbackUrl } from './webhooks/callback-url.js';

/** The options read here (declared, with their documentation, in ./options.ts). */
interface ProductionOptions {
  onEvent?: unknown;
  telemetry?: unknown;
  testNumbers?: unknown;
  webhookUrl?: unknown;
}

export class Production {
  /** The provider the steps call: the built one, decorated as the options say. */
  readonly provider: OtpProvider;
  readonly #events: EventHook | undefined;
  readonly #testNumbers: TestNumberSettings | undefined;

  constructor(options: ProductionOptions, provider: OtpProvider, settings: { codePattern: RegExp; now: () => number }) {
    const { onEvent } = options;
    if (onEvent !== undefined && typeof onEvent !== 'function') throw new TypeError('DingOtpStrategy: option `onEvent` must be a function');
    const telemetry = createTelemetry(options.telemetry);
    this.#events = onEvent !== undefined || telemetry ? new EventHook(onEvent as OnEvent | undefined, telemetry) : undefined;
    const callbackUrl = resolveWebhookUrl(options.webhookUrl, provider.name);
    const testNumbers = resolveTestNumbers(options.testNumbers, settings.codePattern, settings.now());
    this.#testNumbers = testNumbers;
    this.provider = withTestNumbers(withCallbackUrl(provider, callbackUrl), testNumbers, settings.now);
  }

  /** When trust earned by verification `id` must end (a test number's: at the numbers' expiry); undefined: no cap. */
  trustEndsAt(id: string): number | undefined {
    return trustEndsAt(this.#testNumbers, id);
  }

  /** A record for a step starting now; undefined when nobody listens (then nothing is recorded). */
  start(): ActionRecord | undefined {
    return this.#events?.start();
  }

  /** The provider as this step sees it: recording into `record` when there is one. */
  providerFor(record: ActionRecord | undefined): OtpProvider {
    return record ? recordingProvider(this.provider, record) : this.provider;
  }

  /** The step's one event. */
  emit(action: 'send' | 'verify' | 'retry', record: ActionRecord | undefined, decision: DecisionSummary): void {
    if (!record || !this.#events) return;
    const type: ActionEventType = action === 'retry' ? 'resend' : action;
    this.#events.emit(type, this.provider.name, record, decision);
  }
}
