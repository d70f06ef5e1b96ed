// Privacy of everything this issue adds, on both providers: events, spans, metrics, warnings and
// webhook handling (events and answers) never hold a code, the API key, a session id or a full
// phone number, whatever happens in the login (right and wrong codes, a resend, refusals, a
// fault, a send whose outcome is unknown, line-type lookups, a test number, a failing handler, a
// forged and a replayed webhook).
import express from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { preludeWebhook, dingWebhook } from 'passport-ding';
import type { PassportDingEvent } from 'passport-ding';
import { harness, PROVIDERS } from '../helpers/harness.js';
import { inMemorySdk } from '../helpers/otel-sdk.js';
import { keyPair, signature } from '../webhooks/sign.js';
import { wrongCode } from '../helpers/codes.js';

const PHONE = '+14155552671';
const REVIEW = '+12015550100';
const REVIEW_CODE = '987654';
const SECRET = 'a-long-random-webhook-secret-0123456789';
// A send whose connection is reset once the request was written: `maybeSent`.
const LOST = '+14155552673';

describe.each(PROVIDERS)('privacy of events, spans and webhooks (%s)', (provider) => {
  const h = harness(express, {}, provider);
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(`${w.name} ${w.message}`);
  afterEach(() => void process.off('warning', onWarning));

  it('nothing secret anywhere', async () => {
    process.on('warning', onWarning);
    const events: PassportDingEvent[] = [];
    const { spans, tracerProvider, metricExporter, reader, meterProvider } = inMemorySdk();
    const strategy = h.strategy({
      onEvent: (e) => {
        events.push(e);
        throw new Error(`handler failed on ${JSON.stringify(e)}`);
      },
      telemetry: { tracerProvider, meterProvider },
      testNumbers: { numbers: { [REVIEW]: REVIEW_CODE }, expiresAt: h.clock.now() + 3600_000 },
      limits: { sendsPerPhone: { points: 3, durationSeconds: 3600 } },
      lineTypes: true,
      timeoutMs: 2000,
    });
    const { app } = h.app({ strategies: { ding: strategy } });
    const agent = request.agent(app);
    const codes: string[] = [REVIEW_CODE];

    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    const sid = ((await agent.get('/me')).body as { sessionID: string }).sessionID;
    codes.push(h.code(PHONE));
    await agent.post('/login/code').send({ code: wrongCode(codes[1]) }).expect(401);
    h.clock.advance(61_000);
    await agent.post('/login/resend').send({}).expect(200);
    codes.push(h.code(PHONE));
    await agent.post('/login/code').send({ code: h.code(PHONE) }).expect(200);
    await request(app).post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    codes.push(h.code(PHONE));
    await request(app).post('/login/phone').send({ phoneNumber: PHONE }).expect(429);
    h.sandbox.fail({ mode: 'http500', operation: h.op('send') });
    await request(app).post('/login/phone').send({ phoneNumber: '+14155552672' }).expect(500);
    h.sandbox.fail({ mode: 'reset', operation: h.op('send') });
    await request(app).post('/login/phone').send({ phoneNumber: LOST }).expect(500);
    const review = request.agent(app);
    await review.post('/login/phone').send({ phoneNumber: REVIEW }).expect(200);
    await review.post('/login/code').send({ code: REVIEW_CODE }).expect(200);

    // Webhooks: a real one, a forged one, a replay; the app's handler fails once.
    const keys = keyPair();
    const hookApp = express();
    let failedOnce = false;
    const onHook = (e: PassportDingEvent): void => {
      events.push(e);
      if (!failedOnce) {
        failedOnce = true;
        throw new Error(`hook failed on ${JSON.stringify(e)}`);
      }
    };
    hookApp.post('/prelude', preludeWebhook({ publicKey: keys.publicPem, onEvent: onHook }));
    hookApp.post('/ding', dingWebhook({ secret: SECRET, onEvent: onHook }));
    const answers: string[] = [];
    const envelope = JSON.stringify({ id: 'evt_1', type: 'verify.delivery_status', payload: { verification_id: 'vrf_1', target: { type: 'phone_number', value: PHONE }, status: 'delivered' }, created_at: new Date().toISOString() });
    for (const sig of [signature(envelope, keys.privateKey), signature(envelope, keys.privateKey), signature(envelope, keys.privateKey), 'rsassa-pss-sha256=forged']) {
      const res = await request(hookApp).post('/prelude').set('Content-Type', 'application/json').set('X-Webhook-Signature', sig).send(envelope);
      answers.push(res.text);
    }
    const dingEvent = { id: 'd-1', type: 'delivery_status', status: 'undeliverable', auth_uuid: 'a-1', recipient_phone_number: PHONE };
    answers.push((await request(hookApp).post(`/ding?token=${SECRET}`).send(dingEvent)).text);
    answers.push((await request(hookApp).post('/ding?token=nope').send(dingEvent)).text);
    await new Promise((r) => setImmediate(r));

    await reader.forceFlush();
    const everything = JSON.stringify({
      events,
      spans: spans.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status, links: s.links })),
      // Names and attributes: the timestamps and sums are numbers, where a six-digit code could
      // turn up by chance.
      metrics: metricExporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((m) => m.metrics.map((x) => ({ d: x.descriptor, a: x.dataPoints.map((p) => p.attributes) })))),
      warnings,
      answers,
    });
    expect(events.length).toBeGreaterThan(8);
    // The fields the bill is read from are in what was checked.
    expect(events).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'send', outcome: 'error', maybeSent: true, lookup: 'answered' }),
      expect.objectContaining({ type: 'delivery', country: 'US' }),
    ]));
    expect(spans.getFinishedSpans().length).toBeGreaterThan(8);
    expect(warnings.length).toBeGreaterThan(0);
    for (const code of codes) expect(everything).not.toContain(code);
    expect(everything).not.toContain(h.sandbox.apiKey);
    expect(everything).not.toContain(sid);
    expect(everything).not.toContain(SECRET);
    for (const phone of [PHONE, REVIEW, '+14155552672', LOST]) {
      expect(everything).not.toContain(phone);
      expect(everything).not.toContain(phone.slice(2));
      expect(everything).not.toContain(phone.slice(-7));
    }
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  });
});
