// A per-request view of the provider that notes, in the step's ActionRecord, what the event and
// the telemetry spans need: how long each call took, the verification id, the number, Prelude's
// risk factors, whether a test number answered, whether a send or resend may have sent a code,
// and how a line-type lookup ended. Built only when events or telemetry are on; it changes no
// argument and no result.

import { OtpUnavailableError } from './errors.js';
import type { ActionRecord, ProviderCall } from './events.js';
import { nothingSent } from './actions/nothing-sent.js';
import type { CheckRequest, OtpProvider, ResendRequest, SendRequest } from './providers/provider.js';

/** A provider that can say a number is one of its test numbers (see ./test-numbers.ts). */
interface MaybeTestNumbers {
  isTestNumber?(phoneNumber: string): boolean;
}

function statusOf(value: unknown): string {
  const status = (value as { status?: unknown } | undefined)?.status;
  return typeof status === 'string' ? status : 'ok';
}

/**
 * Runs one provider call and notes its latency (and, for telemetry, the call itself) in `record`.
 * Plain promise callbacks rather than an async function with try/finally: this runs on every
 * step when events are on, and each await costs a turn of the microtask queue.
 */
function timed<T>(record: ActionRecord, operation: ProviderCall['operation'], call: () => Promise<T>): Promise<T> {
  const startedAt = record.calls ? Date.now() : 0;
  const t0 = performance.now();
  const done = (result: string): void => {
    const latencyMs = Math.round((performance.now() - t0) * 1000) / 1000;
    // A lookup is a gate's call; the event's latency is the step's send, check or resend.
    if (operation !== 'lookup') record.latencyMs = latencyMs;
    record.calls?.push({ operation, startedAt, latencyMs, result });
  };
  let pending: Promise<T>;
  try {
    pending = call();
  } catch (err) {
    // A provider that throws instead of rejecting: the same fault, as a rejection.
    done('error');
    return Promise.reject(err as Error);
  }
  return pending.then(
    (value) => {
      done(statusOf(value));
      return value;
    },
    (err: unknown) => {
      // An open circuit answers without calling the provider: no call to time, as for a local
      // refusal (a 0 ms latency per refused request would hide the outage in the histogram).
      if (!circuitOpen(err)) done('error');
      throw err;
    },
  );
}

/** An open circuit answers without calling the provider: no call was made. */
function circuitOpen(err: unknown): boolean {
  return err instanceof OtpUnavailableError && err.reason === 'circuit_open';
}

/**
 * A failed send or resend may have sent a code when the failure keeps its send points (the same
 * decision, ./actions/nothing-sent.ts), so the bill's upper bound is exact.
 */
function failedSend(record: ActionRecord): (err: unknown) => never {
  return (err) => {
    if (!nothingSent(err)) record.mayHaveSent = true;
    throw err;
  };
}

/** The provider as one step sees it: each call noted in the step's record (one object per step). */
class RecordingProvider implements OtpProvider {
  readonly name: string;
  lookup?: NonNullable<OtpProvider['lookup']>;
  readonly #provider: OtpProvider;
  readonly #record: ActionRecord;

  constructor(provider: OtpProvider, record: ActionRecord) {
    this.name = provider.name;
    this.#provider = provider;
    this.#record = record;
    if (provider.lookup) {
      const lookup = provider.lookup.bind(provider);
      const record = this.#record;
      // Billed when the provider answered; maybe when the reply was lost after the request was
      // written (the same faults that keep a send's points); not when it refused or was never
      // reached. An open circuit made no lookup at all.
      this.lookup = (phoneNumber: string) =>
        this.#timed('lookup', phoneNumber, () => lookup(phoneNumber)).then(
          (info) => {
            record.lookup = 'answered';
            return info;
          },
          (err: unknown) => {
            if (!circuitOpen(err)) record.lookup = nothingSent(err) ? 'failed' : 'unknown';
            throw err;
          },
        );
    }
  }

  #timed<T>(operation: ProviderCall['operation'], phone: string, call: () => Promise<T>): Promise<T> {
    const record = this.#record;
    record.phone = phone;
    if ((this.#provider as MaybeTestNumbers).isTestNumber?.(phone) === true) record.test = true;
    return timed(record, operation, call);
  }

  send(request: SendRequest): ReturnType<OtpProvider['send']> {
    const record = this.#record;
    return this.#timed('send', request.phoneNumber, () => this.#provider.send(request)).then((result) => {
      if (result.status === 'sent') {
        record.verificationId = result.id;
        record.mayHaveSent = true;
      }
      const risk = (result as { riskFactors?: readonly string[] }).riskFactors;
      if (risk !== undefined) record.riskFactors = risk;
      return result;
    }, failedSend(record));
  }

  check(request: CheckRequest): ReturnType<OtpProvider['check']> {
    this.#record.verificationId = request.id;
    return this.#timed('check', request.phoneNumber, () => this.#provider.check(request));
  }

  resend(request: ResendRequest): ReturnType<OtpProvider['resend']> {
    const record = this.#record;
    record.verificationId = request.id;
    return this.#timed('resend', request.phoneNumber, () => this.#provider.resend(request)).then((result) => {
      if (result.id !== undefined) record.verificationId = result.id;
      if (result.status === 'sent') record.mayHaveSent = true;
      return result;
    }, failedSend(record));
  }

  close(): Promise<void> {
    return this.#provider.close();
  }
}

export function recordingProvider(provider: OtpProvider, record: ActionRecord): OtpProvider {
  return new RecordingProvider(provider, record);
}
