// PreludeClient, the typed V2 client under PreludeProvider: camelCase in, snake_case on the wire,
// every create field where the contract puts it, nothing it must not send, and the check's
// verification id rule. Against a loopback upstream that records the bodies it gets.
import { afterEach, describe, expect, it } from 'vitest';
import { OtpUnavailableError, PreludeClient, PreludeProvider } from 'passport-ding';
import { failure } from '../../helpers/errors.js';
import { startUpstream, type Upstream } from '../../helpers/upstream.js';

const PHONE = '+14155552671';

const upstreams: Upstream[] = [];
const clients: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

/** An upstream answering each request with `reply(url)` (status 200), recording what it got. */
async function upstream(reply: (url: string) => unknown): Promise<Upstream> {
  const u = await startUpstream((req) => ({ status: 200, body: reply(req.url) }));
  upstreams.push(u);
  return u;
}

function client(url: string): PreludeClient {
  const c = new PreludeClient({ apiKey: 'k', baseUrl: url });
  clients.push(c);
  return c;
}

describe('PreludeClient', () => {
  it('createVerification sends every field in its V2 place and returns the reply camelCase', async () => {
    const u = await upstream(() => ({ id: 'vrf_1', status: 'success', method: 'message', channels: ['sms'], risk_factors: ['fraud_database'], request_id: 'req_1', metadata: { correlation_id: 'c-1' } }));
    const reply = await client(u.url).createVerification({
      phoneNumber: PHONE,
      signals: { ip: '2001:db8::1', deviceId: 'd', devicePlatform: 'ipados', deviceModel: 'iPad', osVersion: '18', appVersion: '2.1', userAgent: 'UA', ja4Fingerprint: 'ja4' },
      dispatchId: '123e4567-e89b-12d3-a456-426614174000',
      locale: 'fr-FR',
      templateId: 't',
      senderId: 's',
      callbackUrl: 'https://example.com/hook',
      appRealm: 'FA+9qCX9VSu',
      codeSize: 6,
      method: 'voice',
      preferredChannel: 'whatsapp',
      correlationId: 'c-1',
    });
    expect({ url: u.seen[0]?.url, body: u.seen[0]?.body }).toEqual({
      url: '/v2/verification',
      body: {
        target: { type: 'phone_number', value: PHONE },
        signals: { ip: '2001:db8::1', device_id: 'd', device_platform: 'ipados', device_model: 'iPad', os_version: '18', app_version: '2.1', user_agent: 'UA', ja4_fingerprint: 'ja4' },
        options: {
          code_size: 6,
          method: 'voice',
          preferred_channel: 'whatsapp',
          locale: 'fr-FR',
          template_id: 't',
          sender_id: 's',
          callback_url: 'https://example.com/hook',
          app_realm: { platform: 'android', value: 'FA+9qCX9VSu' },
        },
        metadata: { correlation_id: 'c-1' },
        dispatch_id: '123e4567-e89b-12d3-a456-426614174000',
      },
    });
    expect(reply).toEqual({ id: 'vrf_1', status: 'success', method: 'message', channels: ['sms'], riskFactors: ['fraud_database'], requestId: 'req_1', correlationId: 'c-1' });
  });

  it('a bare create sends the target and nothing else', async () => {
    const u = await upstream(() => ({ id: 'vrf_1', status: 'retry', method: 'message' }));
    await client(u.url).createVerification({ phoneNumber: PHONE });
    expect(u.seen[0]?.body).toEqual({ target: { type: 'phone_number', value: PHONE } });
  });

  it('checkVerification: without a verificationId any success shape passes (the caller decides); with one, only its own', async () => {
    const u = await upstream(() => ({ status: 'success', id: 'vrf_2' }));
    const c = client(u.url);
    expect(await c.checkVerification({ phoneNumber: PHONE, code: '1234' })).toEqual({ status: 'success', id: 'vrf_2' });
    expect(await c.checkVerification({ phoneNumber: PHONE, code: '1234', verificationId: 'vrf_2' })).toEqual({ status: 'success', id: 'vrf_2' });
    expect(await failure(c.checkVerification({ phoneNumber: PHONE, code: '1234', verificationId: 'vrf_1' }))).toBeInstanceOf(OtpUnavailableError);
    expect(u.seen[0]?.body).toEqual({ target: { type: 'phone_number', value: PHONE }, code: '1234' });
  });

  it('a PreludeProvider can share a client; closing the provider closes it', async () => {
    const u = await upstream(() => ({ id: 'vrf_1', status: 'success', method: 'message' }));
    const c = new PreludeClient({ apiKey: 'k', baseUrl: u.url });
    const p = new PreludeProvider({ client: c, codeSize: 5 });
    expect(p.client).toBe(c);
    expect((await p.send({ phoneNumber: PHONE })).status).toBe('sent');
    expect(u.seen[0]?.body).toEqual({ target: { type: 'phone_number', value: PHONE }, options: { code_size: 5 } });
    await p.close();
    expect(await failure(c.createVerification({ phoneNumber: PHONE }))).toBeInstanceOf(OtpUnavailableError);
    expect(() => new PreludeProvider({ client: {} as PreludeClient })).toThrow(TypeError);
  });
});
