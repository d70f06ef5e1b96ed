// The V1 webhook events the sandbox posts to a create's `callback_url`. V1 signs nothing; an app
// authenticates the URL itself (a secret in its query string), which the sandbox keeps as given.
//
// Ding documents the `authentication` event's fields (id, auth_uuid, type, recipient_phone_number,
// price, time, correlation_id) and a `time` with a numeric offset (`2023-05-09T12:09:31+0000`).
// The `attempt` and `delivery_status` payloads were never published: these carry the same
// common fields plus what the status endpoint's events of those types carry (an assumption).
import { randomUUID } from 'node:crypto';

interface Common {
  /** Stable across retries of one delivery: receivers de-duplicate on it. */
  id: string;
  auth_uuid: string;
  recipient_phone_number: string;
  time: string;
  correlation_id?: string;
}

export interface DingAuthenticationEvent extends Common {
  type: 'authentication';
  price: { amount: number; currency: string };
}

export interface DingAttemptEvent extends Common {
  type: 'attempt';
  attempt_number: number;
  capability: 'text';
  status: 'delivered' | 'failed';
}

export interface DingDeliveryStatusEvent extends Common {
  type: 'delivery_status';
  attempt_id: string;
  status: 'delivered' | 'undeliverable';
}

export type DingWebhookEvent = DingAuthenticationEvent | DingAttemptEvent | DingDeliveryStatusEvent;

/** `2023-05-09T12:09:31+0000`, the form of Ding's own example. */
export function dingTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

function common(authUuid: string, phoneNumber: string, now: number, correlationId: string | undefined, id: string = randomUUID()): Common {
  const event: Common = { id, auth_uuid: authUuid, recipient_phone_number: phoneNumber, time: dingTime(now) };
  if (correlationId !== undefined) event.correlation_id = correlationId;
  return event;
}

export const dingEvent = {
  /** The authentication was created (and, upstream, billed). The sandbox charges nothing. */
  authentication(authUuid: string, phoneNumber: string, now: number, correlationId: string | undefined): DingAuthenticationEvent {
    return { ...common(authUuid, phoneNumber, now, correlationId), type: 'authentication', price: { amount: 0, currency: 'EUR' } };
  },
  attempt(
    authUuid: string,
    phoneNumber: string,
    now: number,
    correlationId: string | undefined,
    attemptId: string,
    attemptNumber: number,
    sent: boolean,
  ): DingAttemptEvent {
    const event = common(authUuid, phoneNumber, now, correlationId, attemptId);
    return { ...event, type: 'attempt', attempt_number: attemptNumber, capability: 'text', status: sent ? 'delivered' : 'failed' };
  },
  deliveryStatus(
    authUuid: string,
    phoneNumber: string,
    now: number,
    correlationId: string | undefined,
    attemptId: string,
    status: 'delivered' | 'undeliverable',
  ): DingDeliveryStatusEvent {
    return { ...common(authUuid, phoneNumber, now, correlationId), type: 'delivery_status', attempt_id: attemptId, status };
  },
};
