// Channel choice and WebOTP through the whole strategy, on both providers against the sandbox over
// HTTP: the `channels` allow-list and the `channel` field of send and resend, the channel the
// provider used in pendingVerification(req), and `webOtpOrigin` (Prelude V2 only).
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { DingOtpStrategy, OUTCOMES } from 'passport-ding';
import { EXPRESS_VERSIONS } from '../helpers/app.js';
import { harness, onlyWhen, PROVIDERS } from '../helpers/harness.js';

const PHONE = '+14155552671';
const COOLDOWN_MS = 30_000;
const express = EXPRESS_VERSIONS[0]![1];

describe.each(PROVIDERS)('channels on %s', (provider) => {
  const h = harness(express, {}, provider);
  const prelude = provider === 'prelude';

  it('without a channel field and with the default allow-list, a send goes by SMS as before and says so', async () => {
    const agent = request.agent(h.app().app);
    const res = await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    expect(res.body.pending.channel).toBe('sms');
    expect(h.sandbox.latestDelivery(PHONE)).toMatchObject({ channel: 'sms', method: 'message' });
  });

  it('a channel outside the allow-list is refused before anything is spent (channel_not_allowed, 400)', async () => {
    const sends = h.counter('send');
    const agent = request.agent(h.app().app);
    const res = await agent.post('/api/send').send({ phoneNumber: PHONE, channel: 'whatsapp' }).expect(400);
    expect(res.body).toEqual({ code: 'channel_not_allowed', message: OUTCOMES.channel_not_allowed.message });
    expect(sends()).toBe(0);
    expect((await agent.get('/me')).body.pending).toBeNull();
  });

  it('a channel field that is not one string, or names no channel at all, is refused the same way', async () => {
    const sends = h.counter('send');
    const agent = request.agent(h.app().app);
    for (const channel of [['sms'], { sms: true }, 42, 'carrier-pigeon', 'SMS']) {
      const res = await agent.post('/api/send').send({ phoneNumber: PHONE, channel }).expect(400);
      expect(res.body.code).toBe('channel_not_allowed');
    }
    expect(sends()).toBe(0);
  });

  it("`channel: 'sms'` is allowed by default and sends as usual; an empty field is no choice", async () => {
    const agent = request.agent(h.app().app);
    expect((await agent.post('/login/phone').send({ phoneNumber: PHONE, channel: 'sms' }).expect(200)).body.pending.channel).toBe('sms');
    expect((await agent.post('/login/phone').send({ phoneNumber: '+14155552672', channel: '' }).expect(200)).body.pending.channel).toBe('sms');
  });

  it('a resend with a channel outside the allow-list is refused and the pending code stays', async () => {
    const agent = request.agent(h.app().app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    h.clock.advance(COOLDOWN_MS);
    const before = (await agent.get('/me')).body.pending;
    const resends = h.counter('resend');
    const res = await agent.post('/api/retry').send({ channel: 'voice' }).expect(400);
    expect(res.body.code).toBe('channel_not_allowed');
    expect(resends()).toBe(0);
    expect((await agent.get('/me')).body.pending).toEqual({ ...before, channel: 'sms' });
    await agent.post('/login/code').send({ code: h.code(PHONE) }).expect(200);
  });

  onlyWhen(!prelude, it)('Ding V1: a non-SMS allow-list or webOtpOrigin is a TypeError at construction', () => {
    expect(() => h.strategy({ channels: ['sms', 'voice'] })).toThrow(/channels.*voice.*Ding V1 sends by SMS only/);
    expect(() => h.strategy({ channels: ['whatsapp'] })).toThrow(TypeError);
    expect(() => h.strategy({ webOtpOrigin: 'https://example.com' })).toThrow(/webOtpOrigin.*Ding V1 knows only Android app realms/);
    expect(() => h.strategy({ channels: ['sms'] })).not.toThrow();
  });

  onlyWhen(prelude, it)('Prelude: a send by WhatsApp goes out as preferred_channel and the pending view says whatsapp', async () => {
    const agent = request.agent(h.app({ strategies: { ding: h.strategy({ channels: ['sms', 'whatsapp', 'voice'] }) } }).app);
    const res = await agent.post('/login/phone').send({ phoneNumber: PHONE, channel: 'whatsapp' }).expect(200);
    expect(res.body.pending.channel).toBe('whatsapp');
    expect(h.sandbox.latestDelivery(PHONE)).toMatchObject({ channel: 'whatsapp', method: 'message' });
    await agent.post('/login/code').send({ code: h.code(PHONE) }).expect(200);
  });

  onlyWhen(prelude, it)('Prelude: "call me instead": a resend with channel voice after the cooldown is a call, and its code logs in', async () => {
    const agent = request.agent(h.app({ strategies: { ding: h.strategy({ channels: ['sms', 'voice'] }) } }).app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    const first = h.code(PHONE);
    // Before the cooldown: the usual wait, the channel changes nothing about it.
    expect((await agent.post('/api/retry').send({ channel: 'voice' }).expect(429)).body.code).toBe('retry_too_soon');
    h.clock.advance(COOLDOWN_MS);
    const res = await agent.post('/login/resend').send({ channel: 'voice' }).expect(200);
    expect(res.body.pending.channel).toBe('voice');
    const delivery = h.sandbox.latestDelivery(PHONE);
    expect(delivery).toMatchObject({ channel: 'voice', method: 'voice', kind: 'retry' });
    expect(delivery?.message).toBe(`Your verification code is ${delivery?.code.split('').join(' ')}.`);
    const code = h.code(PHONE);
    if (code !== first) await agent.post('/api/verify').send({ code: first }).expect(401);
    await agent.post('/login/code').send({ code }).expect(200);
  });

  onlyWhen(prelude, it)('Prelude: a voice-only allow-list still refuses SMS when asked by name', async () => {
    const agent = request.agent(h.app({ strategies: { ding: h.strategy({ channels: ['voice'] }) } }).app);
    expect((await agent.post('/api/send').send({ phoneNumber: PHONE, channel: 'sms' }).expect(400)).body.code).toBe('channel_not_allowed');
    expect((await agent.post('/login/phone').send({ phoneNumber: PHONE, channel: 'voice' }).expect(200)).body.pending.channel).toBe('voice');
  });

  onlyWhen(prelude, it)('Prelude: webOtpOrigin makes every message, resends included, end in the WebOTP line for that host', async () => {
    const agent = request.agent(h.app({ strategies: { ding: h.strategy({ webOtpOrigin: 'https://login.example.com' }) } }).app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    let delivery = h.sandbox.latestDelivery(PHONE);
    expect(delivery?.message.split('\n').at(-1)).toBe(`@login.example.com #${delivery?.code}`);
    h.clock.advance(COOLDOWN_MS);
    await agent.post('/login/resend').send({}).expect(200);
    delivery = h.sandbox.latestDelivery(PHONE);
    expect(delivery?.kind).toBe('retry');
    expect(delivery?.message.split('\n').at(-1)).toBe(`@login.example.com #${delivery?.code}`);
  });

  onlyWhen(prelude, it)("Prelude: an Android appRealm from signals(req) wins over webOtpOrigin for its request (one realm per message)", async () => {
    const strategy = h.strategy({
      webOtpOrigin: 'http://localhost:3000',
      signals: (req) => (req.get('x-android') ? { deviceType: 'ANDROID', appRealm: 'FA+9qCX9VSu' } : {}),
    });
    const { app } = h.app({ strategies: { ding: strategy } });
    await request.agent(app).post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    expect(h.sandbox.latestDelivery(PHONE)?.message.split('\n').at(-1)).toMatch(/^@localhost:3000 #\d{6}$/);
    h.clock.advance(COOLDOWN_MS);
    await request.agent(app).post('/login/phone').set('x-android', '1').send({ phoneNumber: PHONE }).expect(200);
    expect(h.sandbox.latestDelivery(PHONE)?.message.split('\n').at(-1)).toBe('FA+9qCX9VSu');
  });
});

describe('the channels and webOtpOrigin options', () => {
  const h = harness(express, {}, 'prelude');

  it('refuse anything but a non-empty list of known channels', () => {
    for (const channels of [[], ['fax'], 'sms', ['sms', 'Voice'], [null]]) {
      expect(() => h.strategy({ channels: channels as never })).toThrow(/option `channels` must be a non-empty array/);
    }
  });

  it('refuse anything but a secure origin without a path', () => {
    for (const origin of ['example.com', 'https://example.com/login', 'http://example.com', 'ftp://example.com', 42, 'https://example.com?x=1']) {
      expect(() => h.strategy({ webOtpOrigin: origin as never })).toThrow(/option `webOtpOrigin` must be the site's origin/);
    }
    for (const origin of ['https://example.com', 'https://example.com/', 'http://localhost:3000', 'http://127.0.0.1:8080', 'https://example.com:8443']) {
      expect(() => h.strategy({ webOtpOrigin: origin })).not.toThrow();
    }
  });

  it('a custom provider without capabilities is SMS only: other channels and WebOTP are TypeErrors', () => {
    const custom = {
      name: 'custom',
      send: async () => ({ status: 'rate_limited' as const }),
      check: async () => ({ status: 'invalid' as const }),
      resend: async () => ({ status: 'exhausted' as const }),
      close: async () => undefined,
    };
    const verify = async (): Promise<false> => false;
    expect(() => new DingOtpStrategy({ provider: custom, channels: ['sms', 'whatsapp'] }, verify)).toThrow(/whatsapp, which the custom provider cannot send by/);
    expect(() => new DingOtpStrategy({ provider: custom, webOtpOrigin: 'https://example.com' }, verify)).toThrow(/webOtpOrigin/);
    const withCapabilities = { ...custom, capabilities: { channels: ['sms', 'whatsapp'] as const, webOtp: true } };
    expect(() => h.own(new DingOtpStrategy({ provider: withCapabilities, channels: ['whatsapp'], webOtpOrigin: 'https://example.com' }, verify))).not.toThrow();
  });
});
