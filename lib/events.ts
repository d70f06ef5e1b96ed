// The `onEvent` hook: what an operator sees of each login step, and the one place events are
// emitted. Each action the strategy takes (send, resend, verify) ends in exactly one event, built
// when the strategy takes its one Passport action, from a small per-request record the steps fill
// in (`ActionRecord`). Delivery webhooks (./webhooks/) hand their events to the same kind of hook.
//
// An event never carries a code, an API key, a session id or a full phone number: the phone is
// masked as `pendingVerification()` masks it. A handler that throws or rejects never changes the
// login and is reported once (process.emitWarning); a slow one is not awaited.

import type { Telemetry } from './telemetry/index.js';
import { PassportDingError } from './errors.js';
import { phoneFacts } from './event-phone.js';

/** The step a login event describes: `retry` reads `resend` here, as operators say it. */
export type ActionEventType = 'send' | 'resend' | 'verify';

/**
 * How a send's line-type lookup (the `lineTypes` gate) ended, as far as a bill can tell:
 * `'answered'` (the provider said what the line is: billed, whether the gate then let the number
 * through or refused it), `'unknown'` (a timeout, a reset once the request was written, an
 * unreadable reply, or a custom provider's own error: it may have been done and billed), `'failed'` (the provider refused the
 * request, answered a 5xx, or was never reached: nothing done). The same reasoning as for a send's
 * points (`maybeSent`).
 */
export type LookupOutcome = 'answered' | 'unknown' | 'failed';

/** One login step, as it ended. */
export interface ActionEvent {
  type: ActionEventType;
  /**
   * `'sent'` (a code went out, or a test number's would have), `'verified'` (a right code and the
   * verify callback accepted the user), an outcome code (`'invalid_code'`, `'rate_limited'`, ...,
   * or the app's own code when it declined the user), or `'error'` (a fault went to `error()`).
   */
  outcome: string;
  /** The HTTP status Passport answers a refusal with; absent for `sent`, `verified` and `error`. */
  status?: number;
  /** When the step ended. */
  at: Date;
  /** The provider's short name: `prelude`, `ding`, or a custom provider's `name`. */
  provider: string;
  /** Masked, e.g. `+1•••••7890`; absent when no usable number was read. */
  phone?: string;
  /** ISO 3166-1 alpha-2 country of the number, when it has one. */
  country?: string;
  /** The provider's id for the verification (never a secret: it is useless without the code). */
  verificationId?: string;
  /** How long the provider call of this step took, in milliseconds (absent when none was made). */
  latencyMs?: number;
  /** The limit or gate that refused (`sendsPerPhone`, `allowedCountries`, ...). Never in the client's answer. */
  rule?: string;
  /** Prelude's `risk_factors`, when it gave any (a block or a shadow block). */
  riskFactors?: readonly string[];
  /** True for a configured test number (`testNumbers`): no provider was called. */
  test?: true;
  /** The error class's stable `code` (`DING_UNAVAILABLE`, `DING_AUTH_ERROR`, `PASSPORT_DING_LIMIT_STORE`, ...) when `outcome` is `'error'`. */
  error?: string;
  /**
   * `true` on a `send` or `resend` that ended in `'error'` when the code may have gone out (and
   * may be on the bill): the provider call timed out, lost its connection once the request was
   * written, gave an unreadable reply or failed with a custom provider's own error, or the provider
   * said `sent` and a later part of the step failed (the session store, the limits store). Such a step keeps its send points. Absent when
   * nothing was sent: the provider refused or answered a 5xx, the request never left, or the step
   * failed before the provider was called. So `sent` counts are the bill's lower bound, and `sent`
   * plus `maybeSent` its upper bound.
   */
  maybeSent?: true;
  /** On a `send` that made a line-type lookup (the `lineTypes` gate): how it ended. Absent when none was made. */
  lookup?: LookupOutcome;
}

/** A delivery report from the provider's webhook (`preludeWebhook`, `dingWebhook`). */
export interface DeliveryEvent {
  type: 'delivery';
  /**
   * `created` (the verification was created and billed), `sent` (a message went out), or the
   * carrier's report: `submitted`, `in_transit`, `delivered`, `undeliverable`, `unknown`.
   */
  status: string;
  provider: 'prelude' | 'ding';
  verificationId?: string;
  /** Masked, e.g. `+1•••••7890`. */
  phone?: string;
  /** ISO 3166-1 alpha-2 country of the number, when the body names one that has a country (as on `ActionEvent`). */
  country?: string;
  /** When the provider says it happened (else when the webhook arrived). */
  at: Date;
}

/** Everything `onEvent` may receive. */
export type PassportDingEvent = ActionEvent | DeliveryEvent;

/** The `onEvent` option: called once per event; its result is not awaited by the strategy. */
export type OnEvent = (event: PassportDingEvent) => void | Promise<void>;

/** One provider call of a step, for the telemetry spans. */
export interface ProviderCall {
  operation: 'send' | 'check' | 'resend' | 'lookup';
  /** Epoch milliseconds. */
  startedAt: number;
  latencyMs: number;
  /** `ok`, the result's status, or `error`. */
  result: string;
}

/**
 * What one request's step learned along the way, filled by the actions and the recording provider
 * (./recording-provider.ts). Internal: the E.164 number in it never leaves this module unmasked.
 */
export interface ActionRecord {
  /** Epoch milliseconds at the start of the step. */
  startedAt: number;
  phone?: string;
  country?: string;
  verificationId?: string;
  latencyMs?: number;
  rule?: string;
  riskFactors?: readonly string[];
  test?: boolean;
  /**
   * The send or resend call may have sent a code: it answered `sent`, or failed in a way that
   * keeps the send points (../actions/nothing-sent.ts). Reported only on a step that ends in error.
   */
  mayHaveSent?: boolean;
  /** How the step's line-type lookup ended, when one was made. */
  lookup?: LookupOutcome;
  /** Each provider call, for telemetry's spans: present (empty at the start) only when telemetry is on. */
  calls?: ProviderCall[];
  /** Telemetry's parent context (the request's active span), when telemetry is on. */
  parent?: unknown;
}

/** The strategy's Passport decision, as far as an event needs it. */
export type DecisionSummary =
  | { type: 'pass' }
  | { type: 'fail'; info: { code: string }; status: number }
  | { type: 'success' }
  | { type: 'error'; err: Error };

/** A handler's failure: reported once per hook, never thrown into a login. */
function reporter(what: string): (err: unknown) => void {
  let reported = false;
  return (err) => {
    if (reported) return;
    reported = true;
    const name = err instanceof Error ? err.name : typeof err;
    // The name only: the handler's message is the app's text and may quote the event it got.
    process.emitWarning(`passport-ding: the ${what} handler failed (${name}); the login went on, and later failures are not reported`, {
      code: 'PASSPORT_DING_EVENT_HANDLER',
    });
  };
}

/** Calls `handler` so that nothing it does (throw, reject, hang) reaches the caller. */
export function deliver(handler: OnEvent, event: PassportDingEvent, report: (err: unknown) => void): void {
  try {
    const result: unknown = handler(event);
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      (result as PromiseLike<unknown>).then(undefined, report);
    }
  } catch (err) {
    report(err);
  }
}

// Only this library's codes: an app's error (from a verify callback, beforeSend, a store) may
// carry a code of its own making, with anything in it, a phone number included.
function errorCode(err: Error): string | undefined {
  return err instanceof PassportDingError ? err.code : undefined;
}

/**
 * The one emitter of a strategy: built in its constructor when `onEvent` or `telemetry` is set,
 * else absent (and then nothing of this runs per request).
 */
export class EventHook {
  readonly #onEvent: OnEvent | undefined;
  readonly #telemetry: Telemetry | undefined;
  readonly #report: (err: unknown) => void;

  constructor(onEvent: OnEvent | undefined, telemetry: Telemetry | undefined) {
    this.#onEvent = onEvent;
    this.#telemetry = telemetry;
    this.#report = reporter('onEvent');
  }

  /** A fresh record for a step starting now. */
  start(): ActionRecord {
    const record: ActionRecord = { startedAt: Date.now() };
    if (this.#telemetry) {
      record.parent = this.#telemetry.activeContext();
      record.calls = [];
    }
    return record;
  }

  /** The step's event, to the handler and to telemetry. Never throws. */
  emit(type: ActionEventType, provider: string, record: ActionRecord, decision: DecisionSummary): void {
    const event = actionEvent(type, provider, record, decision, new Date());
    if (this.#onEvent) deliver(this.#onEvent, event, this.#report);
    if (this.#telemetry) {
      try {
        this.#telemetry.recordAction(event, record);
      } catch (err) {
        this.#report(err);
      }
    }
  }
}

/** Builds the plain event object; nothing secret goes in. */
export function actionEvent(type: ActionEventType, provider: string, record: ActionRecord, decision: DecisionSummary, at: Date): ActionEvent {
  const event: ActionEvent = { type, outcome: 'error', at, provider };
  switch (decision.type) {
    case 'pass':
      event.outcome = 'sent';
      break;
    case 'success':
      event.outcome = 'verified';
      break;
    case 'fail':
      event.outcome = decision.info.code;
      event.status = decision.status;
      break;
    case 'error': {
      const code = errorCode(decision.err);
      if (code !== undefined) event.error = code;
      if (record.mayHaveSent) event.maybeSent = true;
      break;
    }
  }
  if (record.phone !== undefined) {
    const facts = phoneFacts(record.phone, record.country);
    event.phone = facts.masked;
    if (facts.country !== undefined) event.country = facts.country;
  }
  if (record.verificationId !== undefined) event.verificationId = record.verificationId;
  if (record.latencyMs !== undefined) event.latencyMs = record.latencyMs;
  if (record.rule !== undefined) event.rule = record.rule;
  if (record.lookup !== undefined) event.lookup = record.lookup;
  if (record.riskFactors !== undefined && record.riskFactors.length > 0) event.riskFactors = record.riskFactors;
  if (record.test) event.test = true;
  return event;
}
