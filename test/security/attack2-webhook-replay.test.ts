// attack2: a captured, signed Prelude event replayed after the memory de-duplication store has
// evicted its id, but well inside `ttlSeconds`.
//
// SECURITY.md: "A Prelude event whose signed created_at is older than the ids are kept (ttlSeconds)
// gets 200 stale and no event, so a captured event cannot be replayed once its id is forgotten."
// The stale cut-off (lib/webhooks/handler.ts) is `ttlMs` only. But the memory store also forgets by
// count (`maxEntries`, default 10,000, oldest first): an app past 10,000 webhook events in 14 days
// (three per login: created, sent, delivered; about 240 logins a day) forgets ids days before they
// are stale. A replay of a captured body (from a log, a proxy, a debugging dump) in that gap is
// handled again as new: a second event to onEvent, which an app may act on (a delivery failure that
// triggers a resend by another channel, a status shown to the user, metrics).
//
// Expected safe behaviour: an event the store can no longer tell from a replay is not handed on:
// e.g. the memory store keeps a watermark (the newest created_at, or claim time, of any id it
// evicted before its ttl) and the handler answers `stale` to events not newer than it; or the
// stale cut-off is the age of the oldest id the store still remembers.
// Shown with `maxEntries: 3` so the test is fast; the default 10,000 changes only the traffic needed.
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { preludeWebhook } from 'passport-ding';
import type { PassportDingEvent } from 'passport-ding';
import { keyPair, signature } from '../webhooks/sign.js';

const keys = keyPair();

function body(id: string, status: string, minutesAgo: number): string {
  const createdAt = new Date(Date.now() - minutesAgo * 60_000).toISOString();
  return JSON.stringify({
    id,
    type: 'verify.delivery_status',
    created_at: createdAt,
    payload: { verification_id: `vrf_${id}`, target: { type: 'phone_number', value: '+14155552671' }, status, time: createdAt },
  });
}

describe('attack2: Prelude webhook replay after eviction', () => {
  it.fails('a replay of a signed event an hour old, evicted by newer ones, is not handed on again', async () => {
    const events: PassportDingEvent[] = [];
    const app = express();
    app.post('/webhooks/prelude', preludeWebhook({ publicKey: keys.publicPem, onEvent: (e) => void events.push(e), store: { maxEntries: 3 } }));
    const post = (text: string) =>
      request(app).post('/webhooks/prelude').set('Content-Type', 'application/json').set('X-Webhook-Signature', signature(text, keys.privateKey)).send(text);

    const captured = body('evt_captured', 'undeliverable', 60);
    expect((await post(captured)).status).toBe(200);
    // Ordinary traffic since: three more events push the captured id out of the store.
    for (let i = 0; i < 3; i += 1) expect((await post(body(`evt_later_${i}`, 'delivered', 30 - i))).status).toBe(200);
    expect(events).toHaveLength(4);

    // The attacker replays the captured body, an hour old (14 days is the store's ttl).
    const replay = await post(captured);
    expect(replay.status).toBe(200);
    // Safe: answered as a duplicate or as stale, and no second event for it.
    expect(events).toHaveLength(4);
  });
});
