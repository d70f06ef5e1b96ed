// The V2 webhook events the sandbox posts to a create's `options.callback_url`, in the envelope
// Prelude documents: `{ id: "evt_…", type, payload, created_at }`. Field lists follow the newest
// SDKs' event types; the channel field's name is not published (`channel` here, an assumption).
import { rfc3339 } from '../core/clock.js';
import { ulid } from './state.js';

export type PreludeEventType = 'verify.authentication' | 'verify.attempt' | 'verify.delivery_status';

export interface PreludeEventEnvelope {
  /** Stable across retries of one delivery: receivers de-duplicate on it. */
  id: string;
  type: PreludeEventType;
  payload: Record<string, unknown>;
  created_at: string;
}

export interface WindowFacts {
  verificationId: string;
  phoneNumber: string;
  correlationId: string | undefined;
  carrier: { mcc: string; mnc: string } | undefined;
}

const PRICE = { amount: 0, currency: 'EUR' };

function base(w: WindowFacts, now: number, withCarrier = true): Record<string, unknown> {
  const payload: Record<string, unknown> = { verification_id: w.verificationId, target: { type: 'phone_number', value: w.phoneNumber } };
  if (withCarrier && w.carrier) payload.carrier_information = { ...w.carrier };
  payload.price = { ...PRICE };
  payload.time = rfc3339(now);
  if (w.correlationId !== undefined) payload.metadata = { correlation_id: w.correlationId };
  return payload;
}

function envelope(type: PreludeEventType, payload: Record<string, unknown>, now: number): PreludeEventEnvelope {
  return { id: ulid('evt', now), type, payload, created_at: rfc3339(now) };
}

export const preludeEvent = {
  /** A verification window opened (and, upstream, was billed). */
  authentication(w: WindowFacts, now: number): PreludeEventEnvelope {
    return envelope('verify.authentication', base(w, now, false), now);
  },
  attempt(w: WindowFacts, now: number, attemptId: string, channel: string, delivered: boolean): PreludeEventEnvelope {
    const payload = { id: attemptId, ...base(w, now), delivery_status: delivered ? 'delivered' : 'undeliverable', channel };
    return envelope('verify.attempt', payload, now);
  },
  deliveryStatus(w: WindowFacts, now: number, attemptId: string, delivered: boolean): PreludeEventEnvelope {
    const payload = { id: ulid('dls', now), attempt_id: attemptId, ...base(w, now), status: delivered ? 'delivered' : 'undeliverable' };
    return envelope('verify.delivery_status', payload, now);
  },
};
