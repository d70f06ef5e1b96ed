// The webhook handlers at their edges, over real HTTP: the answers' exact bodies and headers, a
// de-duplication store that fails at each step, the warning given once, the raw body after
// middleware that kept it or kept nothing, a key that cannot verify PSS, and the staleness bound
// to the millisecond. A failing store is a Redis-client stand-in (set/get/del) that rejects.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dingWebhook, preludeWebhook, verifyPreludeSignature } from 'passport-ding';
import type { PassportDingEvent, WebhookStoreOption } from 'passport-ding';
import { keyPair, signature } from './sign.js';

const keys = keyPair();
const SECRET = 'a-long-random-webhook-secret-0123456789';

let sequence = 0;
function envelope(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ id: `evt_edge_${++sequence}`, type: 'verify.attempt', payload: { verification_id: 'vrf_edge' }, created_at: new Date().toISOString(), ...fields });
}

function prelude(onEvent: (e: PassportDingEvent) => void | Promise<void>, store?: WebhookStoreOption, before?: express.RequestHandler) {
  const a = express();
  if (before) a.use(before);
  a.post('/hook', preludeWebhook({ publicKey: keys.publicPem, onEvent, store }));
  return a;
}

function post(a: express.Express, body: string, sig: string = signature(body, keys.privateKey)) {
  return request(a).post('/hook').set('Content-Type', 'application/json').set('X-Webhook-Signature', sig).send(body);
}

/** A Redis client stand-in: answers `set` with what `onSet` returns, `get` null, `del` as `onDel`. */
function client(onSet: (args: unknown[]) => Promise<unknown>, onDel: () => Promise<unknown> = async () => 1) {
  return { set: (...args: unknown[]) => onSet(args), get: async () => null, del: onDel };
}

function collectWarnings(): { codes: () => string[]; messages: () => string[]; stop: () => Promise<void> } {
  const warned: Array<Error & { code?: string }> = [];
  const on = (w: Error & { code?: string }): void => void warned.push(w);
  process.on('warning', on);
  const ours = () => warned.filter((w) => w.code === 'PASSPORT_DING_WEBHOOK');
  return {
    codes: () => ours().map((w) => w.code as string),
    messages: () => ours().map((w) => w.message),
    stop: async () => {
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      process.off('warning', on);
    },
  };
}

describe('webhook answers', () => {
  it('are small JSON bodies with their length', async () => {
    const a = prelude(() => undefined);
    const forged = await post(a, envelope(), signature('other', keys.privateKey)).expect(401);
    expect(forged.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(forged.headers['content-length']).toBe(String(Buffer.byteLength('{"error":"invalid_signature"}')));
    expect(forged.text).toBe('{"error":"invalid_signature"}');
    const ok = await post(a, envelope()).expect(200);
    expect(ok.text).toBe('{"received":true}');
    expect(ok.headers['content-length']).toBe('17');
  });

  it('names a malformed body, a body that is no event, and a too large one', async () => {
    const events: PassportDingEvent[] = [];
    const a = prelude((e) => void events.push(e));
    expect((await post(a, '{not json').expect(400)).body).toEqual({ error: 'bad_request' });
    for (const body of ['[]', '"evt_1"', 'null', JSON.stringify({ id: 'has space', type: 'verify.attempt' }), JSON.stringify({ id: 'x'.repeat(129), type: 'verify.attempt' })]) {
      expect((await post(a, body).expect(400)).body).toEqual({ error: 'bad_request' });
    }
    expect((await post(a, envelope({ payload: { pad: 'x'.repeat(70_000) } })).expect(413)).body).toEqual({ error: 'payload_too_large' });
    // A type this library does not report: acknowledged as received, with no event.
    expect((await post(a, envelope({ type: 'verify.something_new' })).expect(200)).body).toEqual({ received: true });
    // An id of 128 printable characters is an id.
    await post(a, envelope({ id: '~'.repeat(128) })).expect(200);
    expect(events).toHaveLength(1);
  });

  it('takes a body of exactly 64 KiB, read from the stream or left by express.raw()', async () => {
    for (const before of [undefined, express.raw({ type: 'application/json', limit: '1mb' })]) {
      const events: PassportDingEvent[] = [];
      const a = prelude((e) => void events.push(e), undefined, before);
      const base = envelope();
      const body = `${base}${' '.repeat(64 * 1024 - Buffer.byteLength(base))}`;
      expect(Buffer.byteLength(body)).toBe(64 * 1024);
      await post(a, body).expect(200);
      await post(a, `${body} `, signature(`${body} `, keys.privateKey)).expect(413);
      expect(events).toHaveLength(1);
    }
  });
});

describe('webhook de-duplication store failures', () => {
  it('answers 500 store_failed when the store cannot claim the id, and hands on nothing', async () => {
    const events: PassportDingEvent[] = [];
    const warnings = collectWarnings();
    const a = prelude((e) => void events.push(e), { redis: client(() => Promise.reject(new Error('redis down'))) });
    const res = await post(a, envelope()).expect(500);
    await warnings.stop();
    expect(res.body).toEqual({ error: 'store_failed' });
    expect(events).toEqual([]);
    expect(warnings.messages()).toEqual([expect.stringMatching(/^passport-ding: preludeWebhook answered 500 \(Error\)/)]);
  });

  it('answers 200 when the event was handled and only marking it done failed', async () => {
    const events: PassportDingEvent[] = [];
    const warnings = collectWarnings();
    // The claim (SET ... NX) succeeds; the finish (SET without NX) fails.
    const a = prelude((e) => void events.push(e), { redis: client(async (args) => ((args[2] as { NX?: boolean }).NX ? 'OK' : Promise.reject(new Error('redis down')))) });
    const res = await post(a, envelope()).expect(200);
    await warnings.stop();
    expect(res.body).toEqual({ received: true });
    expect(events).toHaveLength(1);
    expect(warnings.codes()).toEqual(['PASSPORT_DING_WEBHOOK']);
  });

  it('answers 500 handler_failed when the handler failed and giving the id back failed too', async () => {
    const a = prelude(
      () => {
        throw new Error('database down');
      },
      { redis: client(async () => 'OK', () => Promise.reject(new Error('redis down'))) },
    );
    expect((await post(a, envelope()).expect(500)).body).toEqual({ error: 'handler_failed' });
  });

  it('warns once per handler, naming what was thrown when it is not an Error', async () => {
    const warnings = collectWarnings();
    const a = prelude(() => {
      throw 'database down';
    });
    await post(a, envelope()).expect(500);
    await post(a, envelope()).expect(500);
    await warnings.stop();
    expect(warnings.messages()).toEqual([
      'passport-ding: preludeWebhook answered 500 (string); the provider will retry, and later failures are not reported',
    ]);
  });
});

describe('the raw body', () => {
  it('is the verify hook rawBody when express.json() kept one, not the object serialised again', async () => {
    const events: PassportDingEvent[] = [];
    const keep = express.json({ verify: (req, _res, buf) => void ((req as IncomingMessage & { rawBody?: Buffer }).rawBody = buf) });
    const a = prelude((e) => void events.push(e), undefined, keep);
    // Spaces JSON.stringify would not write: the signature holds only over these exact bytes.
    const body = `{ "id": "evt_spaced_${++sequence}", "type": "verify.attempt", "payload": {}, "created_at": "${new Date().toISOString()}" }`;
    await post(a, body).expect(200);
    expect(events).toHaveLength(1);
  });

  it('is too large after a parser when the parser allowed more than 64 KiB', async () => {
    const events: PassportDingEvent[] = [];
    for (const before of [express.json({ limit: '1mb' }), express.text({ type: 'application/json', limit: '1mb' })]) {
      const a = prelude((e) => void events.push(e), undefined, before);
      const res = await post(a, envelope({ payload: { pad: 'x'.repeat(70_000) } })).expect(413);
      expect(res.body).toEqual({ error: 'payload_too_large' });
    }
    expect(events).toEqual([]);
  });

  it('is missing (400, not a forgery) when middleware read the stream and kept nothing, or null', async () => {
    for (const kept of [undefined, null, 42]) {
      const drop: express.RequestHandler = (req, _res, next) => {
        req.on('end', () => {
          (req as { body?: unknown }).body = kept;
          next();
        });
        req.resume();
      };
      const res = await post(prelude(() => undefined, undefined, drop), envelope()).expect(400);
      expect(res.body).toEqual({ error: 'bad_request' });
    }
  });

  it('is read from a stream of strings (an encoding set before the handler)', async () => {
    const events: PassportDingEvent[] = [];
    const utf8: express.RequestHandler = (req, _res, next) => {
      req.setEncoding('utf8');
      next();
    };
    const body = envelope({ payload: { note: 'délivré ✓' } });
    await post(prelude((e) => void events.push(e), undefined, utf8), body).expect(200);
    expect(events).toHaveLength(1);
  });

  it('is a 400 when the stream fails', async () => {
    const events: PassportDingEvent[] = [];
    const handler = preludeWebhook({ publicKey: keys.publicPem, onEvent: (e) => void events.push(e) });
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      const failing = new Readable({
        read() {
          this.destroy(new Error('connection reset'));
        },
      });
      handler(Object.assign(failing, { headers: req.headers, url: req.url, method: req.method }) as unknown as IncomingMessage, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, { method: 'POST', body: envelope() });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'bad_request' });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(events).toEqual([]);
  });
});

describe('the Prelude signature', () => {
  it('is checked with the key: a key that cannot verify RSASSA-PSS accepts nothing', async () => {
    const events: PassportDingEvent[] = [];
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const a = express();
    a.post('/hook', preludeWebhook({ publicKey: ed, onEvent: (e) => void events.push(e) }));
    const body = envelope();
    await post(a, body, 'rsassa-pss-sha256=AAAA').expect(401);
    await post(a, body).expect(401);
    expect(events).toEqual([]);
  });

  it('may have spaces after the scheme', async () => {
    const body = envelope();
    const sig = signature(body, keys.privateKey).replace('=', '=  ');
    await post(prelude(() => undefined), body, sig).expect(200);
    expect(verifyPreludeSignature(Buffer.from(body), sig, keys.publicKey)).toBe(true);
  });

  it('verifyPreludeSignature never throws, whatever the header', () => {
    const body = Buffer.from(envelope());
    const good = signature(body, keys.privateKey);
    for (const header of [undefined, null, 42, [good], { toString: () => good }]) {
      expect(verifyPreludeSignature(body, header, keys.publicKey)).toBe(false);
    }
    expect(verifyPreludeSignature(body, good, keys.publicKey)).toBe(true);
    expect(verifyPreludeSignature(body, ` ${good}`, keys.publicKey)).toBe(false);
    expect(verifyPreludeSignature(body, `x${good}`, keys.publicKey)).toBe(false);
    expect(verifyPreludeSignature(body, `${good}!`, keys.publicKey)).toBe(false);
    expect(verifyPreludeSignature(body, `${good}===`, keys.publicKey)).toBe(false);
  });

  it('names what is wrong with the publicKey option', () => {
    const onEvent = (): void => undefined;
    const wrongType = 'preludeWebhook: `publicKey` must be a PEM string or a public crypto.KeyObject';
    for (const bad of [null, undefined, 42, {}, keys.privateKey]) {
      expect(() => preludeWebhook({ publicKey: bad as never, onEvent })).toThrow(new TypeError(wrongType));
    }
    expect(() => preludeWebhook({ publicKey: 'not a key', onEvent })).toThrow(new TypeError('preludeWebhook: `publicKey` is not a PEM public key (-----BEGIN PUBLIC KEY-----)'));
    expect(() => preludeWebhook(null as never)).toThrow(new TypeError('preludeWebhook requires { publicKey, onEvent }'));
    expect(() => preludeWebhook('publicKey' as never)).toThrow(new TypeError('preludeWebhook requires { publicKey, onEvent }'));
    expect(() => preludeWebhook({ publicKey: keys.publicPem, onEvent: 'x' as never })).toThrow(new TypeError('preludeWebhook: `onEvent` must be a function'));
  });
});

describe('dingWebhook edges', () => {
  const dingBody = (fields: Record<string, unknown> = {}): string =>
    JSON.stringify({ id: `ding_evt_${++sequence}`, type: 'attempt', auth_uuid: 'b1c2d3e4-0000-4000-8000-000000000001', time: '2023-05-09T12:09:31+0000', ...fields });

  it('reads the token from a plain node:http request (no originalUrl)', async () => {
    const events: PassportDingEvent[] = [];
    const handler = dingWebhook({ secret: SECRET, onEvent: (e) => void events.push(e) });
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const ok = await fetch(`${base}/hooks/ding?token=${SECRET}`, { method: 'POST', body: dingBody(), headers: { 'content-type': 'application/json' } });
      expect(ok.status).toBe(200);
      const forged = await fetch(`${base}/hooks/ding?token=${SECRET.slice(1)}`, { method: 'POST', body: dingBody(), headers: { 'content-type': 'application/json' } });
      expect(forged.status).toBe(401);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(events).toHaveLength(1);
  });

  it('reads the token under a mounted router, with other query parameters', async () => {
    const events: PassportDingEvent[] = [];
    const router = express.Router();
    router.post('/ding', dingWebhook({ secret: SECRET, onEvent: (e) => void events.push(e) }));
    const a = express();
    a.use('/hooks', router);
    await request(a).post(`/hooks/ding?x=1&token=${SECRET}&y=2`).send(JSON.parse(dingBody()) as object).expect(200);
    expect(events).toHaveLength(1);
  });

  it('warns as dingWebhook when its handler fails', async () => {
    const warnings = collectWarnings();
    const a = express();
    a.post('/hook', dingWebhook({ secret: SECRET, onEvent: () => Promise.reject(new RangeError('database down')) }));
    await request(a).post(`/hook?token=${SECRET}`).send(JSON.parse(dingBody()) as object).expect(500);
    await warnings.stop();
    expect(warnings.messages()).toEqual([expect.stringMatching(/^passport-ding: dingWebhook answered 500 \(RangeError\)/)]);
  });

  it('takes a secret of 16 characters, and names the rule for a shorter one', () => {
    const onEvent = (): void => undefined;
    expect(() => dingWebhook({ secret: 'x'.repeat(16), onEvent })).not.toThrow();
    const rule = new TypeError('dingWebhook: `secret` must be a random string of at least 16 characters');
    expect(() => dingWebhook({ secret: 'x'.repeat(15), onEvent })).toThrow(rule);
    expect(() => dingWebhook({ secret: 1234567890123456 as never, onEvent })).toThrow(rule);
    expect(() => dingWebhook(undefined as never)).toThrow(new TypeError('dingWebhook requires { secret, onEvent }'));
    expect(() => dingWebhook(null as never)).toThrow(new TypeError('dingWebhook requires { secret, onEvent }'));
    expect(() => dingWebhook({ secret: SECRET, onEvent: undefined as never })).toThrow(new TypeError('dingWebhook: `onEvent` must be a function'));
  });
});

describe('the staleness bound', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands on an event created exactly ttlSeconds ago, and not one a millisecond older', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const now = Date.UTC(2026, 11, 2, 7, 0, 0);
    vi.setSystemTime(now);
    const events: PassportDingEvent[] = [];
    const a = prelude((e) => void events.push(e), { ttlSeconds: 60 });
    const edge = await post(a, envelope({ created_at: new Date(now - 60_000).toISOString() })).expect(200);
    expect(edge.body).toEqual({ received: true });
    const stale = await post(a, envelope({ created_at: new Date(now - 60_001).toISOString() })).expect(200);
    expect(stale.body).toEqual({ received: true, stale: true });
    expect(events).toHaveLength(1);
  });
});
