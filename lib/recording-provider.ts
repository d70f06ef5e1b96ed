// A per-request view of the provider that notes, in the step's ActionRecord, what the event and
// the telemetry spans need: how long each call took, the verification id, the number, Prelude's
// risk factors, and whether a test number answered. Built only when events or telemetry are on;
// it changes no argument and no result.

import type { ActionRecord, ProviderCall } from './events.js';
import type { CheckRequest, OtpProvider, ResendRequest, SendRequest } from './providers/provider.js';

/** A provider that can say a number is one of its test numbers (see ./test-numbers.ts). */
interface MaybeTestNumbers {
  isTestNumber?(phoneNumber: string): boolean;
}

function statusOf(value: unknown): string {
  const status = (value as { status?: unknown } | undefined)?.status;
  return typeof status === 'string' ? status : 'ok';
}

export function recordingProvider(provider: OtpProvider, record: ActionRecord): OtpProvider {
  const isTest = (phone: string): boolean => (provider as MaybeTestNumbers).isTestNumber?.(phone) === true;

  async function timed<T>(operation: ProviderCall['operation'], phone: string, call: () => Promise<T>): Promise<T> {
    record.phone = phone;
    if (isTest(phone)) record.test = true;
    const startedAt = Date.now();
    const t0 = performance.now();
    let result = 'error';
    try {
      const value = await call();
      result = statusOf(value);
      return value;
    } finally {
      const latencyMs = Math.round((performance.now() - t0) * 1000) / 1000;
      // A lookup is a gate's call; the event's latency is the step's send, check or resend.
      if (operation !== 'lookup') record.latencyMs = latencyMs;
      (record.calls ??= []).push({ operation, startedAt, latencyMs, result });
    }
  }

  const view: OtpProvider = {
    name: provider.name,
    async send(request: SendRequest) {
      const result = await timed('send', request.phoneNumber, () => provider.send(request));
      if (result.status === 'sent') record.verificationId = result.id;
      const risk = (result as { riskFactors?: readonly string[] }).riskFactors;
      if (risk !== undefined) record.riskFactors = risk;
      return result;
    },
    check(request: CheckRequest) {
      record.verificationId = request.id;
      return timed('check', request.phoneNumber, () => provider.check(request));
    },
    async resend(request: ResendRequest) {
      record.verificationId = request.id;
      const result = await timed('resend', request.phoneNumber, () => provider.resend(request));
      if (result.id !== undefined) record.verificationId = result.id;
      return result;
    },
    close: () => provider.close(),
  };
  if (provider.lookup) {
    const lookup = provider.lookup.bind(provider);
    view.lookup = (phoneNumber: string) => timed('lookup', phoneNumber, () => lookup(phoneNumber));
  }
  return view;
}
