// The `webhookUrl` option on its own: what it resolves to for each provider (and the exact refusal
// for each wrong shape), the secrets blanked from provider errors, and the provider wrapper that
// adds the callback URL to every send and resend that has none of its own, passing everything
// else through (an in-process FakeProvider records what it got).
import { describe, expect, it } from 'vitest';
import { checkWebhookSecret, resolveWebhookUrl, WEBHOOK_TOKEN_PARAM, webhookSecrets, withCallbackUrl } from '../../lib/webhooks/callback-url.js';
import type { LineInfo } from '../../lib/providers/provider.js';
import { FakeProvider } from '../helpers/fake-provider.js';

const SECRET = 'a-long-random-webhook-secret-0123456789';
const URL_MESSAGE = 'DingOtpStrategy: option `webhookUrl` must be an absolute http(s) URL (or { url, secret })';

describe('resolveWebhookUrl', () => {
  it('is undefined without the option, the URL for Prelude, the URL with ?token= for { url, secret }', () => {
    expect(resolveWebhookUrl(undefined, 'prelude')).toBeUndefined();
    expect(resolveWebhookUrl('https://app.example/hooks/prelude', 'prelude')).toBe('https://app.example/hooks/prelude');
    expect(resolveWebhookUrl('http://127.0.0.1:3000/hook', 'fake')).toBe('http://127.0.0.1:3000/hook');
    expect(WEBHOOK_TOKEN_PARAM).toBe('token');
    for (const provider of ['ding', 'prelude']) {
      expect(resolveWebhookUrl({ url: 'https://app.example/hooks?a=1', secret: SECRET }, provider)).toBe(`https://app.example/hooks?a=1&token=${SECRET}`);
      expect(resolveWebhookUrl({ url: 'http://127.0.0.1:3000/hooks', secret: 'x'.repeat(16) }, provider)).toBe(`http://127.0.0.1:3000/hooks?token=${'x'.repeat(16)}`);
    }
  });

  it('names each wrong shape', () => {
    expect(() => resolveWebhookUrl('https://app.example/hooks/ding', 'ding')).toThrow(
      new TypeError('DingOtpStrategy: Ding V1 webhooks are unsigned, so `webhookUrl` must be { url, secret } (the secret goes in the URL and dingWebhook({ secret }) checks it)'),
    );
    for (const bad of [null, 42, true]) {
      expect(() => resolveWebhookUrl(bad, 'prelude')).toThrow(new TypeError('DingOtpStrategy: option `webhookUrl` must be a URL string or { url, secret }'));
    }
    for (const bad of ['/hooks', 'ftp://app.example/hooks', 'app.example/hooks', '']) {
      expect(() => resolveWebhookUrl(bad, 'prelude')).toThrow(new TypeError(URL_MESSAGE));
      expect(() => resolveWebhookUrl({ url: bad, secret: SECRET }, 'ding')).toThrow(new TypeError(URL_MESSAGE));
    }
    expect(() => resolveWebhookUrl({ secret: SECRET }, 'ding')).toThrow(new TypeError(URL_MESSAGE));
    // The URL is a string: a URL object (or anything else whose text would parse) is refused.
    expect(() => resolveWebhookUrl({ url: new URL('https://app.example/hooks'), secret: SECRET }, 'ding')).toThrow(new TypeError(URL_MESSAGE));
    const secretRule = new TypeError('DingOtpStrategy: option `webhookUrl.secret` must be a random string of at least 16 characters');
    for (const bad of [undefined, 'x'.repeat(15), 1234567890123456]) {
      expect(() => resolveWebhookUrl({ url: 'https://app.example/hooks', secret: bad }, 'ding')).toThrow(secretRule);
    }
    expect(() => checkWebhookSecret('x'.repeat(16), 'it')).not.toThrow();
  });

  it('{ url, secret } over plain http only to a loopback host: the token would cross the network in clear', () => {
    const rule = new TypeError('DingOtpStrategy: option `webhookUrl.url` carries the secret, so it must use https (http is allowed only for loopback hosts)');
    for (const provider of ['ding', 'prelude']) {
      for (const url of ['http://app.example/hooks', 'http://10.0.0.7:3000/hooks', 'http://127.example/hooks', 'http://[::2]/hooks']) {
        expect(() => resolveWebhookUrl({ url, secret: SECRET }, provider)).toThrow(rule);
      }
      for (const url of ['http://localhost:3000/hooks', 'http://127.0.0.2/hooks', 'http://[::1]:8080/hooks', 'HTTP://LOCALHOST/hooks']) {
        expect(resolveWebhookUrl({ url, secret: SECRET }, provider)).toBe(`${new URL(url).href}?token=${SECRET}`);
      }
    }
    // A URL without a secret carries nothing to steal (Prelude signs its posts).
    expect(resolveWebhookUrl('http://app.example/hooks', 'prelude')).toBe('http://app.example/hooks');
  });
});

describe('webhookSecrets', () => {
  it('is the secret, and its URL encoding when that differs; nothing without one', () => {
    expect(webhookSecrets({ url: 'https://app.example', secret: SECRET })).toEqual([SECRET]);
    expect(webhookSecrets({ secret: 'Zx+81/kQ0=pL2&a9 c1' })).toEqual(['Zx+81/kQ0=pL2&a9 c1', 'Zx%2B81%2FkQ0%3DpL2%26a9+c1']);
    for (const none of [undefined, null, 'https://app.example/hooks', { secret: '' }, { secret: 42 }, {}]) {
      expect(webhookSecrets(none)).toEqual([]);
    }
  });
});

describe('withCallbackUrl', () => {
  it('is the provider itself without a URL', () => {
    const provider = new FakeProvider();
    expect(withCallbackUrl(provider, undefined)).toBe(provider);
  });

  it('adds the URL to a send and a resend that have none, and keeps one a request has', async () => {
    const provider = new FakeProvider();
    const wrapped = withCallbackUrl(provider, 'https://app.example/hook');
    expect(wrapped.name).toBe('fake');
    const sent = await wrapped.send({ phoneNumber: '+14155552671' });
    await wrapped.send({ phoneNumber: '+14155552671', callbackUrl: 'https://other.example/hook' });
    if (sent.status !== 'sent') throw new Error('not sent');
    await wrapped.resend({ id: sent.id, phoneNumber: '+14155552671' });
    await wrapped.resend({ id: sent.id, phoneNumber: '+14155552671', callbackUrl: 'https://other.example/hook' });
    expect(provider.requests.send.map((r) => r.callbackUrl)).toEqual(['https://app.example/hook', 'https://other.example/hook']);
    expect(provider.requests.resend.map((r) => r.callbackUrl)).toEqual(['https://app.example/hook', 'https://other.example/hook']);
    expect(await wrapped.check({ id: sent.id, phoneNumber: '+14155552671', code: provider.code('+14155552671') })).toEqual({ status: 'valid' });
    expect(provider.requests.check).toHaveLength(1);
    await wrapped.close();
    expect(provider.closed).toBe(true);
  });

  it('keeps lookup when the provider has one (called on the provider), and has none otherwise', async () => {
    expect(withCallbackUrl(new FakeProvider(), 'https://app.example/hook').lookup).toBeUndefined();
    class LookupProvider extends FakeProvider {
      readonly looked: string[] = [];
      lookup(phoneNumber: string): Promise<LineInfo> {
        this.looked.push(phoneNumber);
        return Promise.resolve({ phoneNumber, lineType: 'mobile' });
      }
    }
    const provider = new LookupProvider();
    const { lookup } = withCallbackUrl(provider, 'https://app.example/hook');
    expect(await lookup?.('+14155552671')).toEqual({ phoneNumber: '+14155552671', lineType: 'mobile' });
    expect(provider.looked).toEqual(['+14155552671']);
  });
});
