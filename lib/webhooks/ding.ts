// dingWebhook({ secret, onEvent, store? }): the Express handler for Ding OTP V1's webhooks. Ding
// signs nothing, so the URL authenticates the request: the strategy's `webhookUrl: { url, secret }`
// registers `url?token=<secret>` as the callback, and this handler answers 401 unless the query
// holds exactly that token (compared in constant time). Events: `authentication` is reported as
// `created`, `attempt` as `sent`, anything carrying a delivery status as that status.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { DeliveryEvent, OnEvent } from '../events.js';
import type { WebhookStoreOption } from './dedup.js';
import { dedupStore } from './dedup.js';
import type { ParsedDelivery, WebhookHandler } from './handler.js';
import { webhookHandler } from './handler.js';
import { idField, phoneFields, record, statusField, timeField } from './payload.js';
import { checkWebhookSecret, WEBHOOK_TOKEN_PARAM } from './callback-url.js';

/** Options of `dingWebhook`: the secret token in the callback URL, `onEvent`, and the de-duplication store. */
export interface DingWebhookOptions {
  /** The same secret as the strategy's `webhookUrl: { url, secret }`. */
  secret: string;
  /** Gets `{ type: 'delivery', status, provider: 'ding', verificationId, phone (masked), country, at }`. A throw or rejection answers 500. */
  onEvent: OnEvent;
  /** Where seen event ids are kept. Default: memory, 10 000 ids. */
  store?: WebhookStoreOption | undefined;
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

function tokenOf(req: IncomingMessage): string | undefined {
  const url = (req as { originalUrl?: unknown }).originalUrl ?? req.url;
  if (typeof url !== 'string') return undefined;
  const query = url.indexOf('?');
  if (query < 0) return undefined;
  const tokens = new URLSearchParams(url.slice(query + 1)).getAll(WEBHOOK_TOKEN_PARAM);
  return tokens.length === 1 ? tokens[0] : undefined;
}

export function parseDingDelivery(json: unknown): ParsedDelivery | undefined {
  const body = record(json);
  const id = idField(body?.id);
  if (!body || id === undefined) return undefined;
  const type = body.type;
  const status =
    type === 'authentication' ? 'created' : type === 'attempt' ? 'sent' : statusField(body.status ?? body.delivery_status);
  if (status === undefined) return { id, event: undefined };
  const event: DeliveryEvent = { type: 'delivery', status, provider: 'ding', at: timeField(body.time) };
  const verificationId = idField(body.auth_uuid ?? body.authentication_uuid);
  if (verificationId !== undefined) event.verificationId = verificationId;
  Object.assign(event, phoneFields(body.recipient_phone_number ?? body.phone_number));
  return { id, event };
}

/** An Express or `node:http` handler for Ding V1 delivery webhooks, authenticated by the secret token (see docs/webhooks.md). */
export function dingWebhook(options: DingWebhookOptions): WebhookHandler {
  if (options === null || typeof options !== 'object') throw new TypeError('dingWebhook requires { secret, onEvent }');
  checkWebhookSecret(options.secret, 'dingWebhook: `secret`');
  if (typeof options.onEvent !== 'function') throw new TypeError('dingWebhook: `onEvent` must be a function');
  const expected = digest(options.secret);
  return webhookHandler({
    name: 'dingWebhook',
    authenticate: {
      request: (req) => {
        const token = tokenOf(req);
        // Digests of both sides: equal lengths, so the comparison takes the same time for any token.
        return token !== undefined && timingSafeEqual(digest(token), expected);
      },
    },
    parse: parseDingDelivery,
    onEvent: options.onEvent,
    store: dedupStore(options.store),
  });
}
