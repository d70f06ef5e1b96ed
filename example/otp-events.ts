// What the example does with passport-ding's events (`onEvent`, docs/events.md): every event,
// of the strategies and of the delivery webhooks, becomes one JSON line in the log; a successful
// send or resend also tells this session which verification its code page shows the delivery
// report of (see ./delivery-status.ts).
//
// The library's events hold no code, API key, session id or full phone number (the phone is
// masked as `+1•••••0142`). As a second line of defence only the documented fields are copied
// into the line, so a field added to events later never reaches the log unread.
import type { ActionEvent, DeliveryEvent, OnEvent, PassportDingEvent } from 'passport-ding';
import { currentRequest } from './request-context.js';

const ACTION_FIELDS = ['type', 'outcome', 'status', 'at', 'provider', 'phone', 'country', 'verificationId', 'latencyMs', 'rule', 'riskFactors', 'test', 'error', 'maybeSent', 'lookup'] as const;
const DELIVERY_FIELDS = ['type', 'status', 'provider', 'verificationId', 'phone', 'country', 'at'] as const;

function pick(event: object, fields: readonly string[]): Record<string, unknown> {
  const source = event as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const name of fields) if (source[name] !== undefined) out[name] = source[name];
  return out;
}

/** One JSON line for an event: `{"time":…,"level":"info","msg":"otp.send","otp":{…}}`. */
export function eventLine(event: PassportDingEvent, time = new Date()): string {
  const isDelivery = event.type === 'delivery';
  const otp = pick(event, isDelivery ? DELIVERY_FIELDS : ACTION_FIELDS);
  const failed = !isDelivery && (event as ActionEvent).outcome === 'error';
  const summary = isDelivery ? (event as DeliveryEvent).status : (event as ActionEvent).outcome;
  return JSON.stringify({ time: time.toISOString(), level: failed ? 'error' : 'info', msg: `otp.${event.type}`, summary, otp });
}

/** Session data: the verification id each strategy's code page reports deliveries for. */
export type DeliveryIds = Record<string, string>;

declare module 'express-session' {
  interface SessionData {
    /** Strategy name -> the provider's id of the verification this session sent last. */
    deliveryIds: DeliveryIds;
  }
}

/**
 * The `onEvent` of the strategy registered as `strategyName`: logs the event and, after a send or
 * resend that went out, remembers its verification id in the session of the request that sent it.
 */
export function strategyEvents(strategyName: string, log: (event: PassportDingEvent) => void): OnEvent {
  return (event) => {
    log(event);
    if (event.type === 'delivery' || event.outcome !== 'sent' || !event.verificationId) return;
    const session = currentRequest()?.session;
    if (session) session.deliveryIds = { ...session.deliveryIds, [strategyName]: event.verificationId };
  };
}

/** The verification id `strategyName`'s code page shows the delivery report of, if any. */
export function deliveryIdOf(session: { deliveryIds?: DeliveryIds | undefined } | undefined, strategyName: string): string | undefined {
  const ids = session?.deliveryIds;
  return ids && Object.hasOwn(ids, strategyName) ? ids[strategyName] : undefined;
}
