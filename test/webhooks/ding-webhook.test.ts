// dingWebhook over real HTTP: Ding V1 signs nothing, so the request is authentic only when its URL
// carries the secret token; a forgery gets 401 and no event.
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { dingWebhook } from 'passport-ding';
import type { DeliveryEvent, PassportDingEvent } from 'passport-ding';

const SECRET = 'a-long-random-webhook-secret-0123456789';

function app(onEvent: (e: PassportDingEvent) => void | Promise<void>, parser = false) {
  const a = express();
  if (parser) a.use(express.json());
  a.post('/webhooks/ding', dingWebhook({ secret: SECRET, onEvent }));
  return a;
}

let sequence = 0;
function event(fields: Record<string, unknown>): Record<string, unknown> {
  return { id: `00000000-0000-4000-8000-${String(++sequence).padStart(12, '0')}`, auth_uuid: 'b1c2d3e4-0000-4000-8000-000000000001', recipient_phone_number: '+14155552671', time: '2023-05-09T12:09:31+0000', ...fields };
}

describe('dingWebhook', () => {
  it.each([false, true])('hands created, sent, delivered and undeliverable to onEvent (express.json first: %s)', async (parser) => {
    const events: DeliveryEvent[] = [];
    const a = app((e) => void events.push(e as DeliveryEvent), parser);
    const url = `/webhooks/ding?token=${encodeURIComponent(SECRET)}`;
    await request(a).post(url).send(event({ type: 'authentication', price: { amount: 0.01, currency: 'EUR' } })).expect(200);
    await request(a).post(url).send(event({ type: 'attempt' })).expect(200);
    await request(a).post(url).send(event({ type: 'delivery_status', status: 'delivered' })).expect(200);
    await request(a).post(url).send(event({ type: 'delivery_status', status: 'undeliverable' })).expect(200);
    expect(events.map((e) => e.status)).toEqual(['created', 'sent', 'delivered', 'undeliverable']);
    expect(events[0]).toEqual({
      type: 'delivery',
      status: 'created',
      provider: 'ding',
      verificationId: 'b1c2d3e4-0000-4000-8000-000000000001',
      phone: '+1•••••2671',
      country: 'US',
      at: new Date('2023-05-09T12:09:31Z'),
    });
  });

  it('answers 401 without the right token, and hands on nothing', async () => {
    const events: PassportDingEvent[] = [];
    const a = app((e) => void events.push(e));
    const body = event({ type: 'attempt' });
    await request(a).post('/webhooks/ding').send(body).expect(401);
    await request(a).post('/webhooks/ding?token=wrong').send(body).expect(401);
    await request(a).post(`/webhooks/ding?token=${SECRET}x`).send(body).expect(401);
    await request(a).post(`/webhooks/ding?token=${SECRET}&token=${SECRET}`).send(body).expect(401);
    await request(a).post('/webhooks/ding').set('X-Token', SECRET).send(body).expect(401);
    // The token is checked before the body is read: a forgery with a body past the limit (64 KiB)
    // is refused as a forgery, not read first.
    await request(a).post('/webhooks/ding?token=wrong').set('Content-Type', 'application/json').send(`{"pad":"${'x'.repeat(100_000)}"}`).expect(401);
    expect(events).toEqual([]);
  });

  it('answers a forgery with the small JSON body both handlers use, before reading the body', async () => {
    const a = app(() => undefined);
    for (const url of ['/webhooks/ding', '/webhooks/ding?token=wrong']) {
      const res = await request(a).post(url).send(event({ type: 'attempt' })).expect(401);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['content-length']).toBe(String(Buffer.byteLength('{"error":"invalid_signature"}')));
      expect(res.text).toBe('{"error":"invalid_signature"}');
    }
  });

  it('de-duplicates by event id and processes a retry after a 500', async () => {
    let calls = 0;
    const events: PassportDingEvent[] = [];
    const a = app((e) => {
      calls++;
      if (calls === 1) throw new Error('down');
      events.push(e);
    });
    const url = `/webhooks/ding?token=${SECRET}`;
    const body = event({ type: 'attempt' });
    await request(a).post(url).send(body).expect(500);
    await request(a).post(url).send(body).expect(200);
    const again = await request(a).post(url).send(body).expect(200);
    expect(again.body.duplicate).toBe(true);
    expect(events).toHaveLength(1);
  });

  it('refuses a short secret at construction', () => {
    expect(() => dingWebhook({ secret: 'short', onEvent: () => undefined })).toThrow(TypeError);
  });
});
