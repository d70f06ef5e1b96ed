// A captured, signed Prelude event replayed after a full memory store dropped its id early, well
// inside `ttlSeconds`: the store remembers when the last such id was handled, and an event created
// no later than that is `stale` (lib/webhooks/dedup.ts). Fresh events still go through. Shown with
// `maxEntries: 3`; the default 10,000 changes only the traffic needed.
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { preludeWebhook } from 'passport-ding';
import type { PassportDingEvent } from 'passport-ding';
import { keyPair, signature } from './sign.js';

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

describe('Prelude webhook replay after eviction', () => {
  it('a replay of a signed event an hour old, evicted by newer ones, is not handed on again; new events are', async () => {
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
    expect(replay.body).toEqual({ received: true, stale: true });
    expect(events).toHaveLength(4);
    // An event created after the dropped ids were handled is new, and handled.
    const fresh = await post(body('evt_fresh', 'delivered', -0.01));
    expect(fresh.body).toEqual({ received: true });
    expect(events).toHaveLength(5);
    // With room in the store (nothing dropped), an hour-old first delivery is handled.
    const roomy: PassportDingEvent[] = [];
    const app2 = express();
    app2.post('/webhooks/prelude', preludeWebhook({ publicKey: keys.publicPem, onEvent: (e) => void roomy.push(e), store: { maxEntries: 100 } }));
    const text = body('evt_old_first', 'delivered', 60);
    const first = await request(app2).post('/webhooks/prelude').set('Content-Type', 'application/json').set('X-Webhook-Signature', signature(text, keys.privateKey)).send(text);
    expect(first.body).toEqual({ received: true });
    expect(roomy).toHaveLength(1);
  });
});
