// The strategy's `webhookUrl` option: the `callback_url` sent with every create (send, and
// Prelude's resend, which is a create), so the provider reports deliveries to the app. With Ding
// V1, whose webhooks are unsigned, it must be `{ url, secret }`: the secret travels in the URL as
// `?token=<secret>` and `dingWebhook({ secret })` checks it. A `callbackUrl` from `signals(req)`
// wins over this one for that request.

import { isLoopbackHost } from '../http.js';
import type { OtpProvider, ResendRequest, SendRequest } from '../providers/provider.js';

/** `'https://app.example/webhooks/prelude'`, or `{ url, secret }` (required with Ding V1). */
export type WebhookUrlOption = string | { url: string; secret: string };

export const WEBHOOK_TOKEN_PARAM = 'token';
// A guessable token would let anyone post fake delivery reports.
const MIN_SECRET_LENGTH = 16;

export function checkWebhookSecret(secret: unknown, what: string): void {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new TypeError(`${what} must be a random string of at least ${MIN_SECRET_LENGTH} characters`);
  }
}

function absoluteUrl(value: unknown): URL {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new TypeError('DingOtpStrategy: option `webhookUrl` must be an absolute http(s) URL (or { url, secret })');
  }
  return url;
}

/**
 * The option's secret as it may come back in a provider's error text (as given, and as the URL
 * encodes it): a credential like the API key, blanked from errors the same way.
 */
export function webhookSecrets(value: unknown): string[] {
  const secret = value !== null && typeof value === 'object' ? (value as { secret?: unknown }).secret : undefined;
  if (typeof secret !== 'string' || secret === '') return [];
  const encoded = new URLSearchParams({ t: secret }).toString().slice(2);
  return encoded === secret ? [secret] : [secret, encoded];
}

/** The callback URL to send, for `providerName`; undefined when the option is not set. */
export function resolveWebhookUrl(value: unknown, providerName: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    if (providerName === 'ding') {
      throw new TypeError('DingOtpStrategy: Ding V1 webhooks are unsigned, so `webhookUrl` must be { url, secret } (the secret goes in the URL and dingWebhook({ secret }) checks it)');
    }
    return absoluteUrl(value).href;
  }
  if (value === null || typeof value !== 'object') throw new TypeError('DingOtpStrategy: option `webhookUrl` must be a URL string or { url, secret }');
  const { url, secret } = value as { url?: unknown; secret?: unknown };
  const parsed = absoluteUrl(url);
  // The secret is the only proof a Ding post is Ding's: over plain HTTP anyone on the path reads
  // it and forges delivery reports. The same rule as `baseUrl`'s for the API key.
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    throw new TypeError('DingOtpStrategy: option `webhookUrl.url` carries the secret, so it must use https (http is allowed only for loopback hosts)');
  }
  checkWebhookSecret(secret, 'DingOtpStrategy: option `webhookUrl.secret`');
  parsed.searchParams.set(WEBHOOK_TOKEN_PARAM, secret as string);
  return parsed.href;
}

/** `provider` sending `callbackUrl` with every send and resend that has none of its own. */
export function withCallbackUrl(provider: OtpProvider, callbackUrl: string | undefined): OtpProvider {
  if (callbackUrl === undefined) return provider;
  const withUrl = <T extends SendRequest>(request: T): T => (request.callbackUrl === undefined ? { ...request, callbackUrl } : request);
  const wrapped: OtpProvider = {
    name: provider.name,
    send: (request) => provider.send(withUrl(request)),
    check: (request) => provider.check(request),
    resend: (request: ResendRequest) => provider.resend(withUrl(request)),
    close: () => provider.close(),
  };
  if (provider.lookup) wrapped.lookup = provider.lookup.bind(provider);
  return wrapped;
}
