// The providers' side of channel choice and WebOTP, against the sandbox over HTTP: what each
// declares it can do, what goes on the wire for a channel or a WebOTP domain, and which channel
// each reports back.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DingProvider, OtpConfigurationError, PreludeProvider } from 'passport-ding';
import { startDingSandbox } from 'passport-ding/sandbox';
import type { DingSandbox } from 'passport-ding/sandbox';

const PHONE = '+14155552671';

let sandbox: DingSandbox;
const open: Array<{ close(): Promise<void> }> = [];
beforeAll(async () => {
  sandbox = await startDingSandbox();
});
afterAll(async () => {
  await sandbox.close();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
  sandbox.reset();
});

function prelude(options: { method?: 'voice' | 'auto' | 'message'; preferredChannel?: 'viber' | 'sms' } = {}): PreludeProvider {
  const p = new PreludeProvider({ apiKey: sandbox.apiKey, baseUrl: sandbox.preludeUrl, ...options });
  open.push(p);
  return p;
}

function ding(): DingProvider {
  const p = new DingProvider({ apiKey: sandbox.apiKey, customerUuid: sandbox.customerUuid, baseUrl: sandbox.url });
  open.push(p);
  return p;
}

describe('PreludeProvider', () => {
  it('can send by every channel and sends WebOTP messages', () => {
    expect(prelude().capabilities).toEqual({ channels: ['sms', 'whatsapp', 'rcs', 'viber', 'telegram', 'zalo', 'voice'], webOtp: true });
  });

  it('a channel goes out as preferred_channel and comes back as the channel used', async () => {
    const result = await prelude().send({ phoneNumber: PHONE, channel: 'telegram' });
    expect(result).toMatchObject({ status: 'sent', channel: 'telegram' });
    expect(sandbox.latestDelivery(PHONE)).toMatchObject({ channel: 'telegram', method: 'message' });
  });

  it("voice goes out as method voice (preferred_channel has no voice), on send and on resend", async () => {
    const p = prelude();
    const sent = await p.send({ phoneNumber: PHONE, channel: 'voice' });
    expect(sent).toMatchObject({ status: 'sent', channel: 'voice' });
    expect(sandbox.latestDelivery(PHONE)).toMatchObject({ channel: 'voice', method: 'voice' });
    if (sent.status !== 'sent') throw new Error('not sent');
    expect(await p.resend({ id: sent.id, phoneNumber: PHONE, channel: 'sms' })).toMatchObject({ status: 'sent', channel: 'sms' });
    expect(sandbox.latestDelivery(PHONE)).toMatchObject({ channel: 'sms', method: 'message', kind: 'retry' });
  });

  it("the user's channel wins over the provider's defaults (method voice, preferredChannel)", async () => {
    expect(await prelude({ method: 'voice' }).send({ phoneNumber: PHONE, channel: 'whatsapp' })).toMatchObject({ channel: 'whatsapp' });
    expect(sandbox.latestDelivery(PHONE)).toMatchObject({ channel: 'whatsapp', method: 'message' });
    sandbox.reset();
    expect(await prelude({ preferredChannel: 'viber' }).send({ phoneNumber: PHONE, channel: 'voice' })).toMatchObject({ channel: 'voice' });
    expect(sandbox.latestDelivery(PHONE)).toMatchObject({ channel: 'voice', method: 'voice' });
    sandbox.reset();
    // No choice: the defaults apply as before.
    expect(await prelude({ preferredChannel: 'viber' }).send({ phoneNumber: PHONE })).toMatchObject({ channel: 'viber' });
  });

  it('webOtpDomain goes out as app_realm web; an Android appRealm on the same request wins', async () => {
    const p = prelude();
    await p.send({ phoneNumber: PHONE, webOtpDomain: 'example.com' });
    const web = sandbox.latestDelivery(PHONE);
    expect(web?.message.split('\n').at(-1)).toBe(`@example.com #${web?.code}`);
    await p.send({ phoneNumber: '+14155552672', webOtpDomain: 'example.com', appRealm: 'FA+9qCX9VSu' });
    expect(sandbox.latestDelivery('+14155552672')?.message.split('\n').at(-1)).toBe('FA+9qCX9VSu');
  });
});

describe('DingProvider (V1)', () => {
  it('declares SMS only and no WebOTP, and reports sms for a send and a resend', async () => {
    const p = ding();
    expect(p.capabilities).toEqual({ channels: ['sms'], webOtp: false });
    const sent = await p.send({ phoneNumber: PHONE, channel: 'sms' });
    expect(sent).toMatchObject({ status: 'sent', channel: 'sms' });
    if (sent.status !== 'sent') throw new Error('not sent');
    sandbox.advance(30_000);
    expect(await p.resend({ id: sent.id, phoneNumber: PHONE })).toMatchObject({ status: 'sent', channel: 'sms' });
  });

  it('refuses another channel or a WebOTP domain at the call when used directly, sending nothing', async () => {
    const p = ding();
    await expect(p.send({ phoneNumber: PHONE, channel: 'voice' })).rejects.toThrow(OtpConfigurationError);
    await expect(p.send({ phoneNumber: PHONE, webOtpDomain: 'example.com' })).rejects.toThrow(/WebOTP needs Prelude Verify V2/);
    await expect(p.resend({ id: 'x', phoneNumber: PHONE, channel: 'whatsapp' })).rejects.toThrow(/SMS only/);
    expect(sandbox.latestCode(PHONE)).toBeUndefined();
  });
});
