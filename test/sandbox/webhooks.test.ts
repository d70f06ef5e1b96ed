// Webhook deliveries from the sandbox to a receiver on 127.0.0.1: what each API posts, V2's
// signature, scripted undeliverable numbers, retries on a non-2xx with a stable event id, giving
// up, and close() with deliveries still pending.
import { constants, createPublicKey, verify } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startDingSandbox, type DingSandbox, type DingSandboxOptions } from 'passport-ding/sandbox';
import { sleep, waitFor } from '../helpers/wait.js';

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  body: Record<string, unknown>;
}

interface Receiver {
  url: string;
  received: Received[];
  /** Status for the n-th request (0-based) that is the `seen`-th try of its event id (0-based); 200 by default. */
  statusFor: (n: number, seen: number) => number;
  server: Server;
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function receiver(statusFor: (n: number, seen: number) => number = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const r: Receiver = { url: '', received, statusFor, server: createServer() };
  r.server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const n = received.length;
      const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      const seen = received.filter((e) => e.body.id === body.id).length;
      received.push({ url: req.url ?? '', headers: req.headers, raw, body });
      res.writeHead(r.statusFor(n, seen)).end();
    });
  });
  r.server.listen(0, '127.0.0.1');
  await once(r.server, 'listening');
  r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
  open.push({ close: () => new Promise<void>((resolve) => r.server.close(() => resolve())) });
  return r;
}

async function sandbox(options: DingSandboxOptions = {}): Promise<DingSandbox> {
  const sb = await startDingSandbox(options);
  open.unshift(sb);
  return sb;
}

const PHONE = '+14155552671';

async function createV2(sb: DingSandbox, callbackUrl: string, phone = PHONE, extra: Record<string, unknown> = {}) {
  const res = await fetch(`${sb.preludeUrl}/v2/verification`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sb.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ target: { type: 'phone_number', value: phone }, options: { callback_url: callbackUrl }, ...extra }),
  });
  return (await res.json()) as Record<string, unknown>;
}

async function v1(sb: DingSandbox, path: string, body: Record<string, unknown>) {
  const res = await fetch(`${sb.url}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': sb.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ customer_uuid: sb.customerUuid, ...body }),
  });
  return (await res.json()) as Record<string, unknown>;
}

/** The receiver's side of the pinned scheme: RSASSA-PSS-SHA256 over the raw body, base64url. */
function signatureValid(publicKeyPem: string, raw: Buffer, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || !header.startsWith('rsassa-pss-sha256=')) return false;
  const signature = Buffer.from(header.slice('rsassa-pss-sha256='.length), 'base64url');
  return verify('sha256', raw, { key: createPublicKey(publicKeyPem), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
}

describe('Prelude V2 webhooks', () => {
  it('posts verify.authentication, verify.attempt and verify.delivery_status, signed, in the envelope', async () => {
    const r = await receiver();
    const sb = await sandbox();
    const created = await createV2(sb, `${r.url}/hooks/prelude`, PHONE, { metadata: { correlation_id: 'c-1' } });
    await sb.webhooks.settled();

    expect(r.received.map((e) => e.body.type)).toEqual(['verify.authentication', 'verify.attempt', 'verify.delivery_status']);
    type Envelope = { created_at: string; payload: Record<string, unknown> };
    const [auth, attempt, delivery] = r.received.map((e) => e.body as unknown as Envelope);
    for (const e of r.received) {
      expect(e.url).toBe('/hooks/prelude');
      expect(e.headers['content-type']).toBe('application/json');
      expect(e.body.id).toMatch(/^evt_[0-9a-z]{26}$/);
      expect(Number.isNaN(Date.parse(e.body.created_at as string))).toBe(false);
      expect(signatureValid(sb.webhookPublicKey, e.raw, e.headers['x-webhook-signature'])).toBe(true);
    }
    expect(auth!.payload).toEqual({
      verification_id: created.id,
      target: { type: 'phone_number', value: PHONE },
      price: { amount: 0, currency: 'EUR' },
      time: auth!.created_at,
      metadata: { correlation_id: 'c-1' },
    });
    expect(attempt!.payload).toMatchObject({
      verification_id: created.id,
      target: { type: 'phone_number', value: PHONE },
      carrier_information: { mcc: '310', mnc: '410' },
      delivery_status: 'delivered',
      channel: 'sms',
      metadata: { correlation_id: 'c-1' },
    });
    expect(attempt!.payload.id).toMatch(/^att_/);
    expect(delivery!.payload).toMatchObject({ attempt_id: attempt!.payload.id, verification_id: created.id, status: 'delivered' });
    expect(delivery!.payload.id).toMatch(/^dls_/);
    expect(sb.webhooks.stats()).toEqual({ delivered: 3, failed: 0, dropped: 0, pending: 0 });
  });

  it('a signature does not verify over other bytes or with another key', async () => {
    const r = await receiver();
    const sb = await sandbox();
    const other = await sandbox();
    await createV2(sb, r.url);
    await sb.webhooks.settled();
    const e = r.received[0]!;
    expect(sb.webhookPublicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(signatureValid(sb.webhookPublicKey, Buffer.concat([e.raw, Buffer.from(' ')]), e.headers['x-webhook-signature'])).toBe(false);
    expect(signatureValid(other.webhookPublicKey, e.raw, e.headers['x-webhook-signature'])).toBe(false);
  });

  it('a resend posts a new attempt for the same verification; no callback_url, no posts', async () => {
    const r = await receiver();
    const sb = await sandbox();
    const first = await createV2(sb, r.url);
    const again = await createV2(sb, r.url);
    expect(again).toMatchObject({ id: first.id, status: 'retry' });
    const res = await fetch(`${sb.preludeUrl}/v2/verification`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sb.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ target: { type: 'phone_number', value: '+14155552672' } }),
    });
    expect(res.status).toBe(200);
    await sb.webhooks.settled();
    expect(r.received.map((e) => e.body.type)).toEqual([
      'verify.authentication',
      'verify.attempt',
      'verify.delivery_status',
      'verify.attempt',
      'verify.delivery_status',
    ]);
  });

  it('a number scripted undeliverable reports undeliverable', async () => {
    const r = await receiver();
    const sb = await sandbox({ numbers: { '+15550000009': 'undeliverable' } });
    const created = await createV2(sb, r.url, '+15550000009');
    expect(created.status).toBe('success');
    await sb.webhooks.settled();
    const byType = Object.fromEntries(r.received.map((e) => [e.body.type, e.body.payload])) as Record<string, Record<string, unknown>>;
    expect(byType['verify.attempt']).toMatchObject({ delivery_status: 'undeliverable' });
    expect(byType['verify.delivery_status']).toMatchObject({ status: 'undeliverable' });
  });
});

describe('Ding V1 webhooks', () => {
  it('posts authentication, attempt and delivery_status to the URL exactly as given, unsigned', async () => {
    const r = await receiver();
    const sb = await sandbox({ retryCooldownSeconds: 0 });
    const created = await v1(sb, '/authentication', { phone_number: PHONE, callback_url: `${r.url}/hooks/ding?token=s3cret&x=1`, correlation_id: 'c-2' });
    await v1(sb, '/retry', { authentication_uuid: created.authentication_uuid });
    await sb.webhooks.settled();

    expect(r.received.map((e) => e.body.type)).toEqual(['authentication', 'attempt', 'delivery_status', 'attempt', 'delivery_status']);
    for (const e of r.received) {
      expect(e.url).toBe('/hooks/ding?token=s3cret&x=1');
      expect(e.headers['x-webhook-signature']).toBeUndefined();
      expect(e.headers['content-type']).toBe('application/json');
      expect(e.body).toMatchObject({ auth_uuid: created.authentication_uuid, recipient_phone_number: PHONE, correlation_id: 'c-2' });
      expect(e.body.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
    }
    const [auth, attempt, delivery, attempt2] = r.received.map((e) => e.body);
    expect(auth).toMatchObject({ price: { amount: 0, currency: 'EUR' } });
    expect(attempt).toMatchObject({ attempt_number: 1, capability: 'text', status: 'delivered' });
    expect(delivery).toMatchObject({ attempt_id: attempt!.id, status: 'delivered' });
    expect(attempt2).toMatchObject({ attempt_number: 2 });
    expect(new Set(r.received.map((e) => e.body.id)).size).toBe(5);
  });

  it('no callback_url, no deliveries: nothing pending, sent or failed', async () => {
    const sb = await sandbox({ retryCooldownSeconds: 0 });
    const created = await v1(sb, '/authentication', { phone_number: PHONE });
    expect((await v1(sb, '/retry', { authentication_uuid: created.authentication_uuid })).status).toBe('approved');
    expect(sb.webhooks.stats()).toEqual({ delivered: 0, failed: 0, dropped: 0, pending: 0 });
  });

  it('a number scripted undeliverable: failed attempt, undeliverable delivery, in webhooks and status events', async () => {
    const r = await receiver();
    const sb = await sandbox({ numbers: { '+15550000009': 'undeliverable' } });
    const created = await v1(sb, '/authentication', { phone_number: '+15550000009', callback_url: r.url });
    expect(created.status).toBe('pending');
    await sb.webhooks.settled();
    expect(r.received.map((e) => [e.body.type, e.body.status])).toEqual([
      ['authentication', undefined],
      ['attempt', 'failed'],
      ['delivery_status', 'undeliverable'],
    ]);
    const status = (await (
      await fetch(`${sb.url}/authentication/${created.authentication_uuid as string}`, { headers: { 'x-api-key': sb.apiKey } })
    ).json()) as { events: Array<{ type: string; status?: string }> };
    expect(status.events.filter((e) => e.type !== 'balance_update').map((e) => e.status)).toEqual(['failed', 'undeliverable']);
  });
});

describe('delivery', () => {
  it('retries a non-2xx with the same id and bytes until acknowledged', async () => {
    // Each event is refused twice, then acknowledged.
    const r = await receiver((_n, seen) => (seen < 2 ? 503 : 200));
    const sb = await sandbox();
    await v1(sb, '/authentication', { phone_number: PHONE, callback_url: r.url });
    await sb.webhooks.settled();
    const ids = r.received.map((e) => e.body.id);
    expect(r.received).toHaveLength(9);
    expect(new Set(ids).size).toBe(3);
    for (const id of new Set(ids)) {
      const tries = r.received.filter((e) => e.body.id === id);
      expect(tries).toHaveLength(3);
      expect(new Set(tries.map((e) => e.raw.toString('hex'))).size).toBe(1);
    }
    expect(sb.webhooks.stats()).toEqual({ delivered: 3, failed: 0, dropped: 0, pending: 0 });
  });

  it('gives up after four tries, and survives a receiver that is not there', async () => {
    const r = await receiver(() => 500);
    const sb = await sandbox();
    await createV2(sb, r.url);
    // A port nobody listens on: connection refused, retried, given up.
    const gone = await receiver();
    const goneUrl = gone.url;
    await new Promise<void>((resolve) => gone.server.close(() => resolve()));
    await createV2(sb, goneUrl, '+14155552672');
    await sb.webhooks.settled();
    expect(r.received).toHaveLength(3 * 4);
    expect(sb.webhooks.stats()).toEqual({ delivered: 0, failed: 6, dropped: 0, pending: 0 });
  });

  it('close() abandons pending retries at once: nothing left running, nothing rejected', async () => {
    const r = await receiver(() => 500);
    const sb = await startDingSandbox();
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => {
      rejections.push(reason);
    };
    process.on('unhandledRejection', onRejection);
    try {
      await createV2(sb, r.url);
      // Wait for the first tries to fail, so retries are waiting on their backoff.
      await waitFor('the first three tries', () => r.received.length >= 3);
      expect(sb.webhooks.stats().pending).toBe(3);
      const before = r.received.length;
      await sb.close();
      expect(sb.webhooks.stats()).toMatchObject({ pending: 0 });
      await sleep(500);
      // No retry went out after close(), though the backoff (100 ms) had long passed.
      expect(r.received.length).toBe(before);
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });
});
