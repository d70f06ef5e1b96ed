// preludeWebhook over real HTTP: signed deliveries become one delivery event each; forgeries get
// 401 and no event; a replayed id gets 200 and no second event; a failing app handler gets 500 and
// its retry is processed; the raw body is read whatever body parser ran first.
import express from 'express';
import express4 from 'express4';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { preludeWebhook } from 'passport-ding';
import type { DeliveryEvent, PassportDingEvent } from 'passport-ding';
import { keyPair, signature } from './sign.js';
import { waitFor } from '../helpers/wait.js';

const keys = keyPair();
const other = keyPair();

let sequence = 0;
function envelope(type: string, payload: Record<string, unknown>, id = `evt_${++sequence}`): string {
  return JSON.stringify({ id, type, payload, created_at: '2026-12-02T07:00:00Z' });
}
const deliveryStatus = (status: string, id?: string): string =>
  envelope(
    'verify.delivery_status',
    { id: 'dls_1', attempt_id: 'att_1', verification_id: 'vrf_123', target: { type: 'phone_number', value: '+14155552671' }, status, time: '2026-12-02T07:00:05Z' },
    id,
  );

type Parser = 'none' | 'json' | 'raw' | 'text' | 'urlencoded';

function app(onEvent: (e: PassportDingEvent) => void | Promise<void>, parser: Parser = 'none', publicKey: string | typeof keys.publicKey = keys.publicPem) {
  const a = express();
  if (parser === 'json') a.use(express.json());
  if (parser === 'raw') a.use(express.raw({ type: 'application/json' }));
  if (parser === 'text') a.use(express.text({ type: 'application/json' }));
  if (parser === 'urlencoded') a.use(express.urlencoded({ extended: false }));
  a.post('/webhooks/prelude', preludeWebhook({ publicKey, onEvent }));
  return a;
}

function post(a: express.Express, body: string, sig: string | null = signature(body, keys.privateKey)) {
  const r = request(a).post('/webhooks/prelude').set('Content-Type', 'application/json');
  if (sig !== null) r.set('X-Webhook-Signature', sig);
  return r.send(body);
}

describe('preludeWebhook', () => {
  it('hands a delivered report to onEvent, phone masked, with its country', async () => {
    const events: PassportDingEvent[] = [];
    const res = await post(app((e) => void events.push(e)), deliveryStatus('delivered')).expect(200);
    expect(res.body).toEqual({ received: true });
    expect(events).toEqual([
      { type: 'delivery', status: 'delivered', provider: 'prelude', verificationId: 'vrf_123', phone: '+1•••••2671', country: 'US', at: new Date('2026-12-02T07:00:05Z') },
    ]);
  });

  it('reports created, sent and undeliverable', async () => {
    const events: DeliveryEvent[] = [];
    const a = app((e) => void events.push(e as DeliveryEvent));
    await post(a, envelope('verify.authentication', { verification_id: 'vrf_9', target: { type: 'phone_number', value: '+33612345678' } })).expect(200);
    await post(a, envelope('verify.attempt', { id: 'att_1', verification_id: 'vrf_9', delivery_status: 'pending' })).expect(200);
    await post(a, deliveryStatus('undeliverable')).expect(200);
    expect(events.map((e) => e.status)).toEqual(['created', 'sent', 'undeliverable']);
    expect(events[0]).toMatchObject({ verificationId: 'vrf_9', phone: '+33•••••5678', country: 'FR' });
  });

  it('answers 401 to a forgery and hands on nothing', async () => {
    const events: PassportDingEvent[] = [];
    const a = app((e) => void events.push(e));
    const body = deliveryStatus('delivered');
    await post(a, body, signature(body, other.privateKey)).expect(401);
    await post(a, body.replace('delivered', 'undeliverable'), signature(body, keys.privateKey)).expect(401);
    await post(a, body, null).expect(401);
    await post(a, body, 'sha256=abc').expect(401);
    await post(a, body, 'rsassa-pss-sha256=').expect(401);
    await post(a, body, 'rsassa-pss-sha256=!!!').expect(401);
    const res = await post(a, body, `rsassa-pss-sha256=${'A'.repeat(5000)}`).expect(401);
    expect(res.body).toEqual({ error: 'invalid_signature' });
    expect(events).toEqual([]);
  });

  it('accepts standard base64 and a KeyObject', async () => {
    const events: PassportDingEvent[] = [];
    const body = deliveryStatus('delivered');
    await post(app((e) => void events.push(e), 'none', keys.publicKey), body, signature(body, keys.privateKey, 'base64')).expect(200);
    expect(events).toHaveLength(1);
  });

  it('de-duplicates a replayed event id', async () => {
    const events: PassportDingEvent[] = [];
    const a = app((e) => void events.push(e));
    const body = deliveryStatus('delivered', 'evt_replayed');
    await post(a, body).expect(200);
    const again = await post(a, body).expect(200);
    expect(again.body).toEqual({ received: true, duplicate: true });
    expect(events).toHaveLength(1);
  });

  // The signature covers the body only, and an event id is remembered for `ttlSeconds` (14 days)
  // at most, in this process only: a signed event captured once (a log line, a proxy) would be
  // processed again once its id has gone (after the ttl, 10,000 newer ids, or a restart). The envelope's `created_at` is signed, so an event older
  // than the store can vouch for is known to be a replay or too late to matter: it is acknowledged
  // (200) without being handed on, like a duplicate.
  it('does not hand on a signed event older than the de-duplication window (a replay)', async () => {
    const events: PassportDingEvent[] = [];
    const a = app((e) => void events.push(e));
    const created = new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString();
    const body = JSON.stringify({
      id: 'evt_captured_long_ago',
      type: 'verify.delivery_status',
      payload: { verification_id: 'vrf_old', target: { type: 'phone_number', value: '+14155552671' }, status: 'undeliverable', time: created },
      created_at: created,
    });
    const res = await post(a, body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, stale: true });
    expect(events).toEqual([]);
  });

  it('hands on a late retry still within the de-duplication window (13 days old)', async () => {
    const events: PassportDingEvent[] = [];
    const a = app((e) => void events.push(e));
    const created = new Date(Date.now() - 13 * 24 * 3600 * 1000).toISOString();
    const body = JSON.stringify({ id: 'evt_late_retry', type: 'verify.attempt', payload: { verification_id: 'vrf_late' }, created_at: created });
    expect((await post(a, body)).status).toBe(200);
    expect(events).toHaveLength(1);
  });

  it('answers 500 when the app handler fails, and processes the retry', async () => {
    let calls = 0;
    const events: PassportDingEvent[] = [];
    const a = app(async (e) => {
      calls++;
      if (calls === 1) throw new Error('database down');
      events.push(e);
    });
    const warned: Array<Error & { code?: string }> = [];
    const onWarning = (w: Error & { code?: string }): void => void warned.push(w);
    process.on('warning', onWarning);
    const body = deliveryStatus('delivered', 'evt_retried');
    const failed = await post(a, body).expect(500);
    expect(failed.body).toEqual({ error: 'handler_failed' });
    expect(failed.text).not.toContain('database');
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    // Reported once, by the error's class name only: never its message (it may carry app data).
    expect(warned.filter((w) => w.code === 'PASSPORT_DING_WEBHOOK').map((w) => w.message)).toEqual([
      expect.stringMatching(/^passport-ding: preludeWebhook answered 500 \(Error\)/),
    ]);
    expect(warned.map((w) => w.message).join(' ')).not.toContain('database');
    await post(a, body).expect(200);
    await post(a, body).expect(200);
    expect(calls).toBe(2);
    expect(events).toHaveLength(1);
  });

  // A retry that arrives while the first delivery is still in onEvent (a slow database write
  // outlasting the provider's timeout): answered 200 duplicate, and the first then failing, the
  // provider would hold a 2xx and never send the event again. It gets 409 instead.
  it('a retry that arrives while the first delivery is still in onEvent is not acknowledged before the event is handled', async () => {
    let release: (() => void) | undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const handled: PassportDingEvent[] = [];
    const a = app(async (e) => {
      calls++;
      if (calls === 1) {
        await held;
        throw new Error('database timed out');
      }
      handled.push(e);
    });
    const body = deliveryStatus('delivered', 'evt_slow_then_failed');
    const first = post(a, body).then((r) => r);
    // Wait until the first delivery is inside onEvent.
    await waitFor('the first delivery inside onEvent', () => calls !== 0);
    const retry = await post(a, body);
    release?.();
    expect(retry.status).toBe(409);
    expect(retry.body).toEqual({ error: 'in_progress' });
    expect((await first).status).toBe(500);
    // The first failed and gave its id back: the provider's next retry is handled.
    expect((await post(a, body)).status).toBe(200);
    expect(handled).toHaveLength(1);
  });

  it.each<Parser>(['json', 'raw', 'text', 'urlencoded'])('verifies the raw body after express.%s()', async (parser) => {
    const events: PassportDingEvent[] = [];
    await post(app((e) => void events.push(e), parser), deliveryStatus('delivered')).expect(200);
    expect(events).toHaveLength(1);
  });

  it.each([false, true])('works on Express 4 (express.json() first: %s)', async (parser) => {
    const events: PassportDingEvent[] = [];
    const a = express4();
    if (parser) a.use(express4.json());
    a.post('/webhooks/prelude', preludeWebhook({ publicKey: keys.publicPem, onEvent: (e) => void events.push(e) }));
    const body = deliveryStatus('delivered');
    await post(a as unknown as express.Express, body).expect(200);
    await post(a as unknown as express.Express, body, signature(body, other.privateKey)).expect(401);
    expect(events).toHaveLength(1);
  });

  it('refuses a malformed or oversized body without an event', async () => {
    const events: PassportDingEvent[] = [];
    const a = app((e) => void events.push(e));
    await post(a, '{not json').expect(400);
    await post(a, JSON.stringify({ type: 'verify.attempt' })).expect(400);
    const big = envelope('verify.attempt', { pad: 'x'.repeat(70_000) });
    await post(a, big).expect(413);
    // A type this library does not report is acknowledged, so Prelude stops sending it.
    await post(a, envelope('verify.something_new', {})).expect(200);
    expect(events).toEqual([]);
  });

  it('refuses bad options at construction', () => {
    const onEvent = () => undefined;
    expect(() => preludeWebhook({ publicKey: 'not a key', onEvent })).toThrow(TypeError);
    expect(() => preludeWebhook({ publicKey: keys.privateKey, onEvent })).toThrow(TypeError);
    expect(() => preludeWebhook({ publicKey: keys.publicPem, onEvent: undefined as never })).toThrow(TypeError);
    expect(() => preludeWebhook({ publicKey: keys.publicPem, onEvent, store: { maxEntries: 0 } })).toThrow(TypeError);
    // A bound the store could not allocate (100 million ids exhaust the heap at startup), or a
    // lifetime far past any provider's retries, is refused here, with the range.
    expect(() => preludeWebhook({ publicKey: keys.publicPem, onEvent, store: { maxEntries: 100_000_000 } })).toThrow(
      'webhook option `store.maxEntries` must be an integer from 1 to 10000000',
    );
    expect(() => preludeWebhook({ publicKey: keys.publicPem, onEvent, store: { ttlSeconds: 365 * 24 * 3600 + 1 } })).toThrow(
      'webhook option `store.ttlSeconds` must be an integer from 1 to 31536000',
    );
    expect(() => preludeWebhook({ publicKey: keys.publicPem, onEvent, store: { maxEntries: 10_000_000, ttlSeconds: 365 * 24 * 3600 } })).not.toThrow();
  });
});
