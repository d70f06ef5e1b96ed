// End to end against the sandbox's own webhook deliveries (the scheme both sides pin): the
// strategy registers `webhookUrl`, the sandbox posts its events to the app's handler, and the app
// sees sent, delivered and undeliverable reports; a handler holding the wrong key sees none; a
// replayed delivery is a duplicate; a 500 from the app is retried by the sandbox and then processed.
//
// It needs a sandbox that sends webhooks (`sandbox.webhookPublicKey` set); with one that does not,
// the suite skips itself and says so.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dingWebhook, DingOtpStrategy, preludeWebhook } from 'passport-ding';
import type { ActionEvent, DeliveryEvent, PassportDingEvent } from 'passport-ding';
import { startDingSandbox } from 'passport-ding/sandbox';
import type { DingSandbox, DingSandboxOptions } from 'passport-ding/sandbox';
import { createApp } from '../helpers/app.js';
import { Users } from '../helpers/users.js';
import { sleep, waitFor, type Patience } from '../helpers/wait.js';
import { keyPair } from './sign.js';

const PHONE = '+14155552671';
const UNDELIVERABLE = '+14155552690';
const SECRET = 'a-long-random-webhook-secret-0123456789';

// The sandbox sends its webhooks on its own time, after the call that caused them has answered.
const DELIVERY: Patience = { withinMs: 10_000, everyMs: 25 };

function publicKeyOf(sandbox: DingSandbox): string | undefined {
  return (sandbox as DingSandbox & { webhookPublicKey?: string }).webhookPublicKey;
}

describe.each(['prelude', 'ding'] as const)('webhooks from the sandbox, end to end (%s)', (provider) => {
  let sandbox: DingSandbox;
  let hooks: Server;
  let hookUrl = '';
  // What the hook server does with each delivery; replaced per test.
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  // Every delivery as it arrived (headers and body), for the replay test.
  let scriptsUndeliverable = false;
  const arrived: Array<{ url: string; headers: Record<string, string>; body: Buffer }> = [];

  beforeAll(async () => {
    // An undeliverable number, scripted as the sandbox's number behaviours are.
    // (A sandbox that has no such behaviour refuses the option; the undeliverable case then skips.)
    try {
      sandbox = await startDingSandbox({ numbers: { [UNDELIVERABLE]: 'undeliverable' } } as unknown as DingSandboxOptions);
      scriptsUndeliverable = true;
    } catch {
      sandbox = await startDingSandbox();
    }
    hooks = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        arrived.push({ url: req.url ?? '', headers, body });
        // Hand the handler a fresh stream of the same bytes.
        const copy = Object.assign(Readable.from([body]), { headers: req.headers, url: req.url, method: req.method }) as unknown as IncomingMessage;
        handle(copy, res);
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await sandbox?.close();
    await new Promise<void>((resolve) => (hooks ? hooks.close(() => resolve()) : resolve()));
  });

  const ready = (): boolean => publicKeyOf(sandbox) !== undefined;

  function strategy(onEvent?: (e: PassportDingEvent) => void): DingOtpStrategy {
    const users = new Users();
    const credentials = provider === 'prelude'
      ? { provider: 'prelude' as const, apiKey: sandbox.apiKey, baseUrl: sandbox.preludeUrl, webhookUrl: hookUrl, onEvent }
      : { apiKey: sandbox.apiKey, customerUuid: sandbox.customerUuid, baseUrl: sandbox.url, webhookUrl: { url: hookUrl, secret: SECRET }, onEvent };
    return new DingOtpStrategy(credentials, async (phone) => users.findOrCreate(phone));
  }

  function handler(onEvent: (e: PassportDingEvent) => void | Promise<void>, publicKey?: string) {
    return provider === 'prelude'
      ? preludeWebhook({ publicKey: publicKey ?? (publicKeyOf(sandbox) as string), onEvent })
      : dingWebhook({ secret: SECRET, onEvent });
  }

  async function send(phone: string, onEvent?: (e: PassportDingEvent) => void): Promise<DingOtpStrategy> {
    const s = strategy(onEvent);
    const { app } = createApp({ express, strategies: { ding: s } });
    await request(app).post('/login/phone').send({ phoneNumber: phone }).expect(200);
    return s;
  }

  it('reports sent and delivered', async (ctx) => {
    if (!ready()) return ctx.skip('this sandbox sends no webhooks (sandbox.webhookPublicKey is undefined)');
    const events: DeliveryEvent[] = [];
    handle = handler((e) => void events.push(e as DeliveryEvent));
    const s = await send(PHONE);
    await waitFor('sent and delivered', () => (['sent', 'delivered'].every((st) => events.some((e) => e.status === st)) ? true : undefined), DELIVERY);
    expect(events.find((e) => e.status === 'delivered')).toMatchObject({ type: 'delivery', provider, phone: '+1•••••2671', country: 'US' });
    expect(typeof events.find((e) => e.status === 'delivered')?.verificationId).toBe('string');
    await s.close();
  });

  // Sends and deliveries split by the same country, so a dashboard can set one against the other:
  // a number of a shared calling code (+1: Canada here) and one of a code only France has.
  it.for([
    ['+16135550123', 'CA'],
    ['+33612345678', 'FR'],
  ] as const)('names the country of %s on its delivery events, as on its send event (%s)', async ([phone, country], ctx) => {
    if (!ready()) return ctx.skip('this sandbox sends no webhooks (sandbox.webhookPublicKey is undefined)');
    const events: DeliveryEvent[] = [];
    const sends: ActionEvent[] = [];
    handle = handler((e) => void events.push(e as DeliveryEvent));
    const s = await send(phone, (e) => void sends.push(e as ActionEvent));
    await waitFor('delivered', () => events.find((e) => e.status === 'delivered'), DELIVERY);
    expect(sends).toEqual([expect.objectContaining({ type: 'send', outcome: 'sent', country })]);
    const delivered = events.filter((e) => e.verificationId === sends[0]?.verificationId);
    expect(delivered.length).toBeGreaterThan(0);
    for (const e of delivered) expect(e).toMatchObject({ phone: sends[0]?.phone, country });
    await s.close();
  });

  it('reports undeliverable for a number the sandbox cannot deliver to', async (ctx) => {
    if (!ready()) return ctx.skip('this sandbox sends no webhooks (sandbox.webhookPublicKey is undefined)');
    if (!scriptsUndeliverable) return ctx.skip("this sandbox has no 'undeliverable' number behaviour");
    const events: DeliveryEvent[] = [];
    handle = handler((e) => void events.push(e as DeliveryEvent));
    const t = await send(UNDELIVERABLE);
    await waitFor('undeliverable', () => events.find((e) => e.status === 'undeliverable'), DELIVERY);
    await t.close();
  });

  it('hands on nothing from a sender it cannot authenticate', async (ctx) => {
    if (!ready()) return ctx.skip('this sandbox sends no webhooks (sandbox.webhookPublicKey is undefined)');
    if (provider === 'ding') return ctx.skip('Ding V1 is authenticated by the URL token, tested with a wrong token in ding-webhook.test.ts');
    const events: PassportDingEvent[] = [];
    handle = handler((e) => void events.push(e), keyPair().publicPem);
    const before = arrived.length;
    const s = await send(PHONE);
    await waitFor('a delivery attempt', () => (arrived.length > before ? true : undefined), DELIVERY);
    await sleep(300);
    expect(events).toEqual([]);
    await s.close();
  });

  it('de-duplicates a replayed delivery, and processes the retry after a 500', async (ctx) => {
    if (!ready()) return ctx.skip('this sandbox sends no webhooks (sandbox.webhookPublicKey is undefined)');
    const events: DeliveryEvent[] = [];
    let failures = 0;
    handle = handler((e) => {
      if (failures === 0) {
        failures++;
        throw new Error('database down');
      }
      events.push(e as DeliveryEvent);
    });
    const before = arrived.length;
    const s = await send(PHONE);
    const ids = (): string[] => arrived.slice(before).map((a) => (JSON.parse(a.body.toString()) as { id: string }).id);
    // The first delivery got a 500 and comes again with the same id (the sandbox retries it after
    // a backoff, so it may arrive after the later events).
    await waitFor('the refused delivery again, with the same id', () => (new Set(ids()).size < ids().length ? true : undefined), DELIVERY);
    await waitFor('delivered', () => events.find((e) => e.status === 'delivered'), DELIVERY);
    const count = events.length;
    const first = arrived[before];
    if (!first) throw new Error('no delivery arrived');
    const replayApp = express();
    replayApp.post('/hook', handle);
    const headers: Record<string, string> = { 'content-type': first.headers['content-type'] ?? 'application/json' };
    const signed = first.headers['x-webhook-signature'];
    if (signed !== undefined) headers['x-webhook-signature'] = signed;
    // As a string: superagent serialises a Buffer sent as JSON instead of sending its bytes.
    const replay = await request(replayApp).post(first.url).set(headers).send(first.body.toString('utf8')).expect(200);
    expect(replay.body.duplicate).toBe(true);
    expect(events).toHaveLength(count);
    await s.close();
  });
});
