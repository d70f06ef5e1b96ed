// The delivery rules of lib/providers/delivery.ts called directly: which values are channels, which
// reported channel names are kept, how the `channels` and `webOtpOrigin` options are read, and the
// exact TypeError for a setup a provider cannot honour. test/strategy/channels.test.ts drives the
// same rules through a strategy; this file holds their edges, so the quick mutation run
// (MUTATE_SUITES=providers, no login suites) reaches them too.
import { describe, expect, it } from 'vitest';
import {
  channelName,
  checkDeliveryOptions,
  DELIVERY_CHANNELS,
  isDeliveryChannel,
  resolveChannels,
  resolveWebOtpOrigin,
  SMS_ONLY,
  type DeliveryChannel,
} from '../../lib/providers/delivery.js';

describe('isDeliveryChannel', () => {
  it('is true for each listed channel and nothing else', () => {
    for (const c of DELIVERY_CHANNELS) expect(isDeliveryChannel(c)).toBe(true);
    for (const v of ['SMS', 'fax', '', 'sms ', 42, null, undefined, ['sms'], { toString: () => 'sms' }]) {
      expect(isDeliveryChannel(v)).toBe(false);
    }
  });
});

describe('channelName', () => {
  it('keeps a short lowercase word, newer channels included', () => {
    for (const v of ['sms', 'whatsapp', 'apple_messages', 'a', `a${'b'.repeat(31)}`]) expect(channelName(v)).toBe(v);
  });

  it('drops anything else, a non-string that would read as a word included', () => {
    for (const v of ['', 'SMS', '1sms', '_sms', 'sms-x', 'sms\n', `a${'b'.repeat(32)}`, 42, null, undefined, ['sms'], { toString: () => 'sms' }]) {
      expect(channelName(v)).toBeUndefined();
    }
  });
});

describe('the channels option', () => {
  it('is SMS only when absent', () => {
    expect([...resolveChannels(undefined)]).toEqual(['sms']);
  });

  it('keeps a list of known channels, once each', () => {
    expect([...resolveChannels(['voice', 'sms', 'voice'])]).toEqual(['voice', 'sms']);
    expect([...resolveChannels([...DELIVERY_CHANNELS])]).toEqual([...DELIVERY_CHANNELS]);
  });

  it('refuses anything but a non-empty list of known channels, naming them all', () => {
    const message =
      "DingOtpStrategy: option `channels` must be a non-empty array of 'sms', 'whatsapp', 'rcs', 'viber', 'telegram', 'zalo', 'voice'";
    for (const v of [[], 'sms', ['fax'], ['sms', 'Voice'], [null], null, { 0: 'sms', length: 1 }]) {
      expect(() => resolveChannels(v)).toThrow(new TypeError(message));
    }
  });
});

describe('the webOtpOrigin option', () => {
  it('is undefined when absent', () => {
    expect(resolveWebOtpOrigin(undefined)).toBeUndefined();
  });

  it.each([
    ['https://example.com', 'example.com'],
    ['https://example.com/', 'example.com'],
    ['https://example.com:8443', 'example.com:8443'],
    ['http://localhost:3000', 'localhost:3000'],
    ['http://localhost', 'localhost'],
    ['http://127.0.0.1:8080', '127.0.0.1:8080'],
    ['http://[::1]:3000', '[::1]:3000'],
  ])('%s names the domain %s', (origin, domain) => {
    expect(resolveWebOtpOrigin(origin)).toBe(domain);
  });

  it.each([
    'example.com',
    'https://example.com/login',
    'https://example.com//',
    'https://example.com?x=1',
    'https://example.com#x',
    'https://EXAMPLE.com',
    'http://example.com',
    'http://127.0.0.2',
    'http://localhost.example.com',
    'ftp://localhost',
    '',
    42,
    null,
    // Not a string, though it reads as the origin.
    new URL('https://example.com'),
    ['https://example.com'],
  ])('refuses %j', (origin) => {
    expect(() => resolveWebOtpOrigin(origin)).toThrow(
      new TypeError("DingOtpStrategy: option `webOtpOrigin` must be the site's origin, e.g. 'https://example.com' (https, or http on localhost; no path)"),
    );
  });
});

describe('checkDeliveryOptions', () => {
  const sms = new Set<DeliveryChannel>(['sms']);
  const prelude = { name: 'prelude', capabilities: { channels: [...DELIVERY_CHANNELS], webOtp: true } };
  const ding = { name: 'ding', capabilities: SMS_ONLY };

  it('accepts what the provider can do; a provider without capabilities can send SMS', () => {
    expect(() => checkDeliveryOptions({ channels: new Set(DELIVERY_CHANNELS), webOtpDomain: 'example.com' }, prelude)).not.toThrow();
    expect(() => checkDeliveryOptions({ channels: sms, webOtpDomain: undefined }, ding)).not.toThrow();
    expect(() => checkDeliveryOptions({ channels: sms, webOtpDomain: undefined }, { name: 'custom' })).not.toThrow();
  });

  it('names every channel the provider lacks; for Ding V1, says which API has them', () => {
    const channels = new Set<DeliveryChannel>(['sms', 'whatsapp', 'voice']);
    expect(() => checkDeliveryOptions({ channels, webOtpDomain: undefined }, ding)).toThrow(
      new TypeError(
        'DingOtpStrategy: option `channels` names whatsapp, voice, which the ding provider cannot send by (Ding V1 sends by SMS only; Prelude Verify V2 has the other channels)',
      ),
    );
    expect(() => checkDeliveryOptions({ channels, webOtpDomain: undefined }, { name: 'custom' })).toThrow(
      new TypeError('DingOtpStrategy: option `channels` names whatsapp, voice, which the custom provider cannot send by'),
    );
  });

  it('refuses a WebOTP domain a provider cannot send; for Ding V1, says why', () => {
    expect(() => checkDeliveryOptions({ channels: sms, webOtpDomain: 'example.com' }, ding)).toThrow(
      new TypeError(
        'DingOtpStrategy: option `webOtpOrigin` needs a provider that sends WebOTP messages, and the ding provider does not (Ding V1 knows only Android app realms; WebOTP needs Prelude Verify V2)',
      ),
    );
    expect(() => checkDeliveryOptions({ channels: sms, webOtpDomain: 'example.com' }, { name: 'custom', capabilities: { channels: ['sms'], webOtp: false } })).toThrow(
      new TypeError('DingOtpStrategy: option `webOtpOrigin` needs a provider that sends WebOTP messages, and the custom provider does not'),
    );
  });
});
