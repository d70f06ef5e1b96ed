// The flow both webhook handlers share: read the raw body, authenticate it, parse it, claim its
// event id, hand the delivery event to the app, answer. Answers are small JSON bodies with no
// upstream text and no stack:
//
//   401 forged (bad signature or token): no event      400 / 413 unreadable, malformed, too big
//   200 processed, a duplicate (no second event), or   409 the same event is being processed by
//       older than the store remembers ids (stale:        another delivery: not acknowledged, so
//       no event; a replay, or too late to matter)         the provider sends it again
//                                                      500 the app's handler failed or the store
//                                                          did: the id is given back, so the
//                                                          provider's retry is processed

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeliveryEvent, OnEvent } from '../events.js';
import type { ClaimResult, DedupStore } from './dedup.js';
import { rawBody } from './raw-body.js';

/** A hint to a provider retrying an event another delivery is still processing. */
const RETRY_IN_PROGRESS_SECONDS = 30;

/** An event id we store and key on: printable ASCII, bounded. */
const EVENT_ID = /^[\x21-\x7e]{1,128}$/;

export interface ParsedDelivery {
  id: string;
  /** When the provider created the event (epoch ms), if the body says: older than the store's ttl is stale. */
  createdAt?: number | undefined;
  /** Undefined for an event type this library does not report (acknowledged, not handed on). */
  event: DeliveryEvent | undefined;
}

/**
 * How a delivery proves its origin: by the request alone (Ding V1's URL token, checked before the
 * body is read, so a forger costs no read of up to the body limit) or by its bytes (a signature).
 */
export type WebhookAuth = { request(req: IncomingMessage): boolean } | { body(req: IncomingMessage, body: Buffer): boolean };

export interface WebhookFlow {
  authenticate: WebhookAuth;
  parse(json: unknown): ParsedDelivery | undefined;
  onEvent: OnEvent;
  store: DedupStore;
  name: string;
}

/** An Express (or plain node:http) handler: `(req, res) => void`. */
export type WebhookHandler = (req: IncomingMessage, res: ServerResponse) => void;

function answer(res: ServerResponse, status: number, body: object): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

function warnOnce(name: string): (err: unknown) => void {
  let warned = false;
  return (err) => {
    if (warned) return;
    warned = true;
    const what = err instanceof Error ? err.name : typeof err;
    process.emitWarning(`passport-ding: ${name} answered 500 (${what}); the provider will retry, and later failures are not reported`, {
      code: 'PASSPORT_DING_WEBHOOK',
    });
  };
}

export function webhookHandler(flow: WebhookFlow): WebhookHandler {
  const warn = warnOnce(flow.name);
  const run = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const auth = flow.authenticate;
    if ('request' in auth && !auth.request(req)) return answer(res, 401, { error: 'invalid_signature' });
    const read = await rawBody(req);
    if (!read.ok) return answer(res, read.status, { error: read.status === 413 ? 'payload_too_large' : 'bad_request' });
    if ('body' in auth && !auth.body(req, read.body)) return answer(res, 401, { error: 'invalid_signature' });
    let json: unknown;
    try {
      json = JSON.parse(read.body.toString('utf8'));
    } catch {
      return answer(res, 400, { error: 'bad_request' });
    }
    const parsed = flow.parse(json);
    if (!parsed || !EVENT_ID.test(parsed.id)) return answer(res, 400, { error: 'bad_request' });
    if (!parsed.event) return answer(res, 200, { received: true });
    // Its id may be forgotten already (ttl, eviction, a restart): it cannot be told from a replay.
    if (parsed.createdAt !== undefined && flow.store.isStale(parsed.createdAt)) return answer(res, 200, { received: true, stale: true });

    let claimed: ClaimResult;
    try {
      claimed = await flow.store.claim(parsed.id);
    } catch (err) {
      warn(err);
      return answer(res, 500, { error: 'store_failed' });
    }
    if (claimed === 'done') return answer(res, 200, { received: true, duplicate: true });
    if (claimed === 'processing') {
      res.setHeader('Retry-After', String(RETRY_IN_PROGRESS_SECONDS));
      return answer(res, 409, { error: 'in_progress' });
    }
    try {
      await flow.onEvent(parsed.event);
    } catch (err) {
      await flow.store.release(parsed.id).catch(() => undefined);
      warn(err);
      return answer(res, 500, { error: 'handler_failed' });
    }
    // Handled: a store that fails now leaves the claim to expire (PROCESSING_SECONDS), after
    // which a retry is handled again; the event itself is done, so the answer is still 200.
    await flow.store.finish(parsed.id).catch(warn);
    answer(res, 200, { received: true });
  };
  return (req, res) => {
    run(req, res).catch((err: unknown) => {
      warn(err);
      answer(res, 500, { error: 'internal' });
    });
  };
}
