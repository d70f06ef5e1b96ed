// How a code reaches the user: the channels a provider can send by, and whether it can ask for a
// WebOTP-format message. The strategy's `channels` and `webOtpOrigin` options are checked against
// a provider's capabilities at construction, so a setup the provider cannot honour (WhatsApp or
// voice with Ding V1) is a TypeError before the first login, not a surprise SMS.

/** Every channel a user may ask for. `voice` is a phone call that reads the code out. */
export const DELIVERY_CHANNELS = ['sms', 'whatsapp', 'rcs', 'viber', 'telegram', 'zalo', 'voice'] as const;
/** One of {@link DELIVERY_CHANNELS}: a way a code can reach the user. */
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

/** What a provider can do beyond a plain SMS. Absent on a provider: SMS only, no WebOTP. */
export interface ProviderCapabilities {
  /** The channels `SendRequest.channel` may name. */
  readonly channels: readonly DeliveryChannel[];
  /** Whether it can send `webOtpDomain` (a WebOTP-format message bound to the site). */
  readonly webOtp: boolean;
}

export const SMS_ONLY: ProviderCapabilities = { channels: ['sms'], webOtp: false };

export function isDeliveryChannel(value: unknown): value is DeliveryChannel {
  return typeof value === 'string' && (DELIVERY_CHANNELS as readonly string[]).includes(value);
}

// A channel a provider reports goes into the session and onto pages: a short lowercase word.
// Values newer than this list (Prelude adds channels) pass; anything else is dropped.
const CHANNEL_NAME = /^[a-z][a-z_]{0,31}$/;

/** `value` if it reads as a channel name, else undefined. */
export function channelName(value: unknown): string | undefined {
  return typeof value === 'string' && CHANNEL_NAME.test(value) ? value : undefined;
}

/**
 * The `channels` option: which channels a user may choose with the `channel` field of a send or
 * resend. Default `['sms']`. Throws a TypeError for anything else than a non-empty list of known
 * channels.
 */
export function resolveChannels(value: unknown): ReadonlySet<DeliveryChannel> {
  if (value === undefined) return new Set<DeliveryChannel>(['sms']);
  if (!Array.isArray(value) || value.length === 0 || !value.every(isDeliveryChannel)) {
    throw new TypeError(`DingOtpStrategy: option \`channels\` must be a non-empty array of ${DELIVERY_CHANNELS.map((c) => `'${c}'`).join(', ')}`);
  }
  return new Set(value);
}

/**
 * The `webOtpOrigin` option (`https://example.com`) as the domain a WebOTP message names: the
 * origin's host, with the port when it is not the default (`localhost:3000`). Browsers fill the
 * code only on a page of exactly this origin, and only in a secure context: https, or http on
 * localhost. Undefined when the option is not set.
 */
export function resolveWebOtpOrigin(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  const ok = url !== undefined && (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname)));
  if (!ok || url === undefined || url.origin !== String(value).replace(/\/$/, '')) {
    throw new TypeError("DingOtpStrategy: option `webOtpOrigin` must be the site's origin, e.g. 'https://example.com' (https, or http on localhost; no path)");
  }
  return url.host;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/** Throws a TypeError when the options ask for what `provider` cannot do. */
export function checkDeliveryOptions(
  settings: { channels: ReadonlySet<DeliveryChannel>; webOtpDomain: string | undefined },
  provider: { name: string; capabilities?: ProviderCapabilities | undefined },
): void {
  const can = provider.capabilities ?? SMS_ONLY;
  const missing = [...settings.channels].filter((c) => !can.channels.includes(c));
  const v1 = provider.name === 'ding' ? ' (Ding V1 sends by SMS only; Prelude Verify V2 has the other channels)' : '';
  if (missing.length > 0) {
    throw new TypeError(`DingOtpStrategy: option \`channels\` names ${missing.join(', ')}, which the ${provider.name} provider cannot send by${v1}`);
  }
  if (settings.webOtpDomain !== undefined && !can.webOtp) {
    const why = provider.name === 'ding' ? ' (Ding V1 knows only Android app realms; WebOTP needs Prelude Verify V2)' : '';
    throw new TypeError(`DingOtpStrategy: option \`webOtpOrigin\` needs a provider that sends WebOTP messages, and the ${provider.name} provider does not${why}`);
  }
}
