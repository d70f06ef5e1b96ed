// preludeWebhook({ publicKey, onEvent, store? }): the Express handler for Prelude Verify V2's
// webhooks (`callback_url`). Each POST is an envelope `{ id, type, payload, created_at }`, signed
// (./prelude-signature.ts). `verify.authentication` is reported as `created`, `verify.attempt` as
// `sent`, `verify.delivery_status` as its carrier status; other types are acknowledged only.

import type { KeyObject } from 'node:crypto';
import type { DeliveryEvent, OnEvent } from '../events.js';
import type { WebhookStoreOption } from './dedup.js';
import { dedupStore } from './dedup.js';
import type { ParsedDelivery, WebhookHandler } from './handler.js';
import { webhookHandler } from './handler.js';
import { idField, phoneFields, record, statusField, timeField, timeOrUndefined } from './payload.js';
import { PRELUDE_SIGNATURE_HEADER, preludePublicKey, verifyPreludeSignature } from './prelude-signature.js';

/** Options of `preludeWebhook`: the webhook signing public key, `onEvent`, and the de-duplication store. */
export interface PreludeWebhookOptions {
  /** The webhook signing key from Prelude's dashboard: a PEM string (SPKI) or a public KeyObject. */
  publicKey: string | KeyObject;
  /** Gets `{ type: 'delivery', status, provider: 'prelude', verificationId, phone (masked), country, at }`. A throw or rejection answers 500, so Prelude retries. */
  onEvent: OnEvent;
  /** Where seen event ids are kept. Default: memory, 10 000 ids. */
  store?: WebhookStoreOption | undefined;
}

function statusOf(type: unknown, payload: Record<string, unknown>): string | undefined {
  switch (type) {
    case 'verify.authentication':
      return 'created';
    case 'verify.attempt':
      return 'sent';
    case 'verify.delivery_status':
      return statusField(payload.status) ?? 'unknown';
    default:
      return undefined;
  }
}

export function parsePreludeDelivery(json: unknown): ParsedDelivery | undefined {
  const envelope = record(json);
  const id = idField(envelope?.id);
  if (!envelope || id === undefined) return undefined;
  const payload = record(envelope.payload) ?? {};
  const status = statusOf(envelope.type, payload);
  if (status === undefined) return { id, event: undefined };
  const event: DeliveryEvent = { type: 'delivery', status, provider: 'prelude', at: timeField(payload.time ?? envelope.created_at) };
  // The envelope's creation time is signed with the body: it tells a replay from a late retry.
  const createdAt = timeOrUndefined(envelope.created_at);
  const verificationId = idField(payload.verification_id);
  if (verificationId !== undefined) event.verificationId = verificationId;
  Object.assign(event, phoneFields(record(payload.target)?.value));
  return { id, event, createdAt };
}

/** An Express or `node:http` handler for Prelude Verify V2 delivery webhooks, authenticated by their signature (see docs/webhooks.md). */
export function preludeWebhook(options: PreludeWebhookOptions): WebhookHandler {
  if (options === null || typeof options !== 'object') throw new TypeError('preludeWebhook requires { publicKey, onEvent }');
  const key = preludePublicKey(options.publicKey);
  if (typeof options.onEvent !== 'function') throw new TypeError('preludeWebhook: `onEvent` must be a function');
  return webhookHandler({
    name: 'preludeWebhook',
    authenticate: { body: (req, body) => verifyPreludeSignature(body, req.headers[PRELUDE_SIGNATURE_HEADER], key) },
    parse: parsePreludeDelivery,
    onEvent: options.onEvent,
    store: dedupStore(options.store),
  });
}
