// The strategy's `webhookUrl` reaches the wire as `callback_url` on every create, on both
// providers: seen by a recording proxy between the real provider and the sandbox. Ding V1 gets the
// secret as `?token=`, which is what dingWebhook({ secret }) checks.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DingOtpStrategy } from 'passport-ding';
import { harness, PROVIDERS } from '../helpers/harness.js';
import { createApp } from '../helpers/app.js';
import { everythingIn } from '../helpers/errors.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const PHONE = '+14155552671';
const SECRET = 'a-long-random-webhook-secret-0123456789';

/** Forwards every request to `target` and remembers the JSON bodies it carried. */
function recordingProxy(target: () => string): { start(): Promise<string>; bodies: Array<{ path: string; body: Record<string, unknown> }>; close(): Promise<void> } {
  const bodies: Array<{ path: string; body: Record<string, unknown> }> = [];
  let server: Server | undefined;
  return {
    bodies,
    async start() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const raw = Buffer.concat(chunks);
          if (raw.length > 0) bodies.push({ path: req.url ?? '', body: JSON.parse(raw.toString()) as Record<string, unknown> });
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection' && k !== 'content-length') headers[k] = v;
          fetch(`${target()}${req.url ?? ''}`, { method: req.method ?? 'POST', headers, body: raw.length > 0 ? raw : null }).then(
            async (upstream) => {
              const text = await upstream.text();
              res.writeHead(upstream.status, { 'Content-Type': upstream.headers.get('content-type') ?? 'application/json' });
              res.end(text);
            },
            () => {
              res.writeHead(502);
              res.end();
            },
          );
        });
      });
      await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server?.address() as AddressInfo).port}`;
    },
    close: () => new Promise((resolve) => (server ? server.close(() => resolve()) : resolve())),
  };
}

describe.each(PROVIDERS)('webhookUrl (%s)', (provider) => {
  const h = harness(express, {}, provider);
  const origin = (): string => new URL(h.sandbox.url).origin;
  const proxy = recordingProxy(origin);
  let proxyUrl = '';
  beforeAll(async () => {
    proxyUrl = await proxy.start();
  });
  afterAll(() => proxy.close());

  function strategy(webhookUrl: unknown): DingOtpStrategy {
    const credentials = h.credentials();
    const baseUrl = provider === 'ding' ? `${proxyUrl}/v1` : proxyUrl;
    return h.own(new DingOtpStrategy({ ...credentials, baseUrl, webhookUrl: webhookUrl as never, resendCooldownSeconds: 0 }, async (phone) => h.users.findOrCreate(phone)));
  }

  it('sends callback_url with every create (and the token for Ding V1)', async () => {
    proxy.bodies.length = 0;
    const { app } = h.app({ strategies: { ding: strategy({ url: 'https://app.example/webhooks/otp', secret: SECRET }) } });
    const agent = request.agent(app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    h.clock.advance(61_000);
    await agent.post('/login/resend').send({}).expect(200);
    const expected = `https://app.example/webhooks/otp?token=${SECRET}`;
    const creates = proxy.bodies.filter((b) => /authentication$|verification$/.test(b.path));
    const callbacks = creates.map((b) => (provider === 'ding' ? b.body.callback_url : (b.body.options as Record<string, unknown> | undefined)?.callback_url));
    // Ding's resend is /retry, which takes no callback; Prelude's resend is a create.
    expect(callbacks).toEqual(provider === 'ding' ? [expected] : [expected, expected]);
  });

  it(provider === 'ding' ? 'refuses a bare URL: unsigned webhooks need the secret' : 'takes a bare URL', () => {
    if (provider === 'ding') expect(() => strategy('https://app.example/webhooks/ding')).toThrow(/secret/);
    else expect(() => strategy('https://app.example/webhooks/prelude')).not.toThrow();
  });

  it('refuses a relative URL or a short secret', () => {
    expect(() => strategy('/webhooks')).toThrow(TypeError);
    expect(() => strategy({ url: 'https://app.example/hook', secret: 'short' })).toThrow(TypeError);
    expect(() => strategy({ url: 'ftp://app.example/hook', secret: SECRET })).toThrow(TypeError);
  });
});

// The webhook secret is a credential like the API key (it is all that authenticates a Ding V1
// delivery): a provider error that quotes the callback_url it was sent must not carry
// `?token=<secret>` onto OtpApiError.apiMessage / docUrl, which apps log.
describe('webhookUrl secret and upstream error texts (attack3)', () => {
  const KEY = 'sk_live_attack3_Zx81kQ0pL2';
  const CUSTOMER = '00000000-0000-4000-8000-000000000000';
  // `openssl rand -hex 16`-shaped, as docs/webhooks.md suggests: no digit run long enough for the
  // code-shaped masking to touch it.
  const HEX_SECRET = 'f3a9c1e07b5d4a2f9e8c7b6a5d4e3f2a';
  const upstreams: Upstream[] = [];
  const strategies: DingOtpStrategy[] = [];
  afterAll(async () => {
    await Promise.all(strategies.map((s) => s.close()));
    await Promise.all(upstreams.map((u) => u.close()));
  });

  it.each([
    ['hex', HEX_SECRET],
    // URL-encoded in callback_url: the encoded form is what comes back.
    ['with URL-special characters', 'Zx+81/kQ0=pL2&a9c1e07b'],
  ])('an error body quoting callback_url does not put the webhook secret on the error (%s)', async (_kind, secret) => {
    const u = await startUpstream((req) => {
      const sent = req.body as { callback_url?: string } | undefined;
      return { status: 400, body: { code: 'bad_request', message: `callback_url ${sent?.callback_url ?? ''} did not answer`, doc_url: 'https://docs.ding.live/errors' } };
    });
    upstreams.push(u);
    const s = new DingOtpStrategy(
      { apiKey: KEY, customerUuid: CUSTOMER, baseUrl: `${u.url}/v1`, webhookUrl: { url: 'https://app.example/webhooks/ding', secret }, limits: false },
      async (phone) => ({ id: phone }),
    );
    strategies.push(s);
    const t = createApp({ express, strategies: { ding: s } });
    const res = await request(t.app).post('/login/phone').send({ phoneNumber: PHONE });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(u.seen.length).toBe(1);
    expect(t.errors).toHaveLength(1);
    const all = everythingIn(t.errors[0]);
    expect(all).not.toContain(secret);
    expect(all).not.toContain(encodeURIComponent(secret));
    expect(all).toContain('[redacted]');
  });
});
