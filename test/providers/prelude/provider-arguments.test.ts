// PreludeProvider's and DingProvider's argument checks (each bad value a TypeError saying which
// and why, since it is a bug in the app) and how many of Prelude's risk factors a send keeps,
// against a loopback upstream playing V2. Mutants that survived `npm run mutate` led here.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DingProvider } from '../../../lib/providers/ding/provider.js';
import { PreludeProvider, type PreludeProviderOptions } from '../../../lib/providers/prelude/provider.js';
import { startUpstream, type Upstream } from '../../helpers/upstream.js';

const PHONE = '+14155552671';
const upstreams: Upstream[] = [];
const providers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()));
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

function prelude(options: Record<string, unknown> = {}): PreludeProvider {
  const p = new PreludeProvider({ apiKey: 'k3y-for-tests', baseUrl: 'http://127.0.0.1:9', ...options } as unknown as PreludeProviderOptions);
  providers.push(p);
  return p;
}

describe('PreludeProvider options', () => {
  it.each([
    ['null', null, 'PreludeProvider requires options'],
    ['a string', 'k', 'PreludeProvider requires options'],
  ])('%s: TypeError', (_name, options, message) => {
    expect(() => new PreludeProvider(options as unknown as PreludeProviderOptions)).toThrow(new TypeError(message));
  });

  it.each([
    [{ sendExistingUser: true }, 'PreludeProvider: sendExistingUser is no longer supported (`existing_user` is in no dated Prelude V2 release); remove it'],
    [{ ttlSeconds: '300' }, 'PreludeProvider: ttlSeconds must be a positive number'],
    [{ ttlSeconds: Number.NaN }, 'PreludeProvider: ttlSeconds must be a positive number'],
    [{ ttlSeconds: Number.POSITIVE_INFINITY }, 'PreludeProvider: ttlSeconds must be a positive number'],
    [{ ttlSeconds: 0 }, 'PreludeProvider: ttlSeconds must be a positive number'],
    [{ codeSize: 3 }, 'PreludeProvider: codeSize must be an integer from 4 to 8'],
    [{ codeSize: 9 }, 'PreludeProvider: codeSize must be an integer from 4 to 8'],
    [{ codeSize: 4.5 }, 'PreludeProvider: codeSize must be an integer from 4 to 8'],
    [{ method: 'sms' }, 'PreludeProvider: method must be one of auto, voice, message'],
    [{ preferredChannel: 'fax' }, 'PreludeProvider: preferredChannel must be one of sms, rcs, whatsapp, viber, zalo, telegram'],
    [{ client: {} }, 'client must be a PreludeClient'],
  ])('%j: TypeError', (options, message) => {
    expect(() => prelude(options)).toThrow(new TypeError(message));
  });

  it('accepts the edges: codeSize 4 and 8, a fractional ttlSeconds, sendExistingUser left undefined', () => {
    expect(() => prelude({ codeSize: 4 })).not.toThrow();
    expect(() => prelude({ codeSize: 8, ttlSeconds: 0.5 })).not.toThrow();
    expect(() => prelude({ sendExistingUser: undefined })).not.toThrow();
  });

  it('send, resend and check name the missing argument', async () => {
    const p = prelude();
    const send = p.send.bind(p) as (r: unknown) => Promise<unknown>;
    const resend = p.resend.bind(p) as (r: unknown) => Promise<unknown>;
    await expect(send(undefined)).rejects.toThrow(new TypeError('phoneNumber must be a non-empty string'));
    await expect(resend(undefined)).rejects.toThrow(new TypeError('phoneNumber must be a non-empty string'));
    await expect(p.check({ id: 'vrf_1', phoneNumber: PHONE, code: '' })).rejects.toThrow(new TypeError('code must be a non-empty string'));
  });
});

describe('DingProvider options', () => {
  it('null options and a client that is not a DingClient: TypeError', () => {
    expect(() => new DingProvider(null as never)).toThrow(new TypeError('DingProvider requires options'));
    expect(() => new DingProvider('x' as never)).toThrow(new TypeError('DingProvider requires options'));
    expect(() => new DingProvider({ client: {} } as never)).toThrow(new TypeError('client must be a DingClient'));
  });
});

describe('risk factors a Prelude send keeps', () => {
  async function sentWith(riskFactors: unknown[]) {
    const u = await startUpstream({ status: 200, body: { id: 'vrf_01', method: 'message', request_id: 'req_1', status: 'success', risk_factors: riskFactors } });
    upstreams.push(u);
    return prelude({ baseUrl: u.url }).send({ phoneNumber: PHONE });
  }

  it('drops empty ones and ones over 64 characters, and keeps at most 16', async () => {
    const many = Array.from({ length: 20 }, (_, i) => `factor_${i}`);
    const result = await sentWith(['', 'a'.repeat(64), 'b'.repeat(65), ...many]);
    expect(result).toMatchObject({ status: 'sent', riskFactors: ['a'.repeat(64), ...many.slice(0, 15)] });
  });

  it('none left (or none sent): no riskFactors at all', async () => {
    expect('riskFactors' in (await sentWith(['']))).toBe(false);
    expect('riskFactors' in (await sentWith([]))).toBe(false);
  });
});

describe('a Prelude send: what the result says of a block, and the channel of a call', () => {
  async function sent(body: Record<string, unknown>, request: { channel?: 'whatsapp' } = {}, options: Record<string, unknown> = {}) {
    const u = await startUpstream({ status: 200, body: { id: 'vrf_01', request_id: 'req_1', ...body } });
    upstreams.push(u);
    return { result: await prelude({ baseUrl: u.url, ...options }).send({ phoneNumber: PHONE, ...request }), seen: u.seen };
  }

  it('a block keeps its risk factors for the events; a block without any, and a rate limit, carry none', async () => {
    const { result } = await sent({ status: 'blocked', reason: 'suspicious', risk_factors: ['ip_reputation'] });
    expect(result).toEqual({ status: 'blocked', reason: 'spam', riskFactors: ['ip_reputation'] });
    expect('riskFactors' in (await sent({ status: 'blocked', reason: 'suspicious' })).result).toBe(false);
    const limited = (await sent({ status: 'blocked', reason: 'repeated_attempts', risk_factors: ['ip_reputation'] })).result;
    expect(limited).toEqual({ status: 'rate_limited' });
  });

  it('a reply that says method voice is a call, whatever was asked and whatever channels it lists', async () => {
    expect((await sent({ status: 'success', method: 'voice' })).result).toMatchObject({ status: 'sent', channel: 'voice' });
    expect((await sent({ status: 'success', method: 'voice' }, { channel: 'whatsapp' })).result).toMatchObject({ channel: 'voice' });
  });

  it('a channel other than voice keeps the provider\'s own method', async () => {
    const { seen } = await sent({ status: 'success', method: 'message' }, { channel: 'whatsapp' }, { method: 'message' });
    expect(seen[0]?.body).toMatchObject({ options: { method: 'message', preferred_channel: 'whatsapp' } });
  });
});

describe('replies the sandbox does not give', () => {
  const AUTH = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
  const CUSTOMER = '00000000-0000-4000-8000-000000000000';

  async function upstream(body: unknown, status = 200): Promise<Upstream> {
    const u = await startUpstream({ status, body });
    upstreams.push(u);
    return u;
  }
  function ding(u: Upstream): DingProvider {
    const p = new DingProvider({ apiKey: 'k3y-for-tests', customerUuid: CUSTOMER, baseUrl: u.url, circuitBreaker: false });
    providers.push(p);
    return p;
  }

  it('Ding: a check refused with another documented API code is thrown, not taken for an unknown id', async () => {
    const u = await upstream({ code: 'bad_request', message: 'bad request' }, 400);
    await expect(ding(u).check({ id: AUTH, phoneNumber: PHONE, code: '1234' })).rejects.toMatchObject({ apiCode: 'bad_request' });
    await expect(ding(u).resend({ id: AUTH, phoneNumber: PHONE })).rejects.toMatchObject({ apiCode: 'bad_request' });
  });

  it('Ding: a lookup reply without the number gives the number asked about', async () => {
    const u = await upstream({ line_type: 'Mobile' });
    expect(await ding(u).lookup(PHONE)).toEqual({ phoneNumber: PHONE, lineType: 'Mobile' });
  });

  it.each(['challenged', 'shadow_blocked', 'retry'])('Prelude: a resend answered %s is sent, like a send', async (status) => {
    const u = await upstream({ id: 'vrf_02', method: 'message', request_id: 'req_1', status });
    expect(await prelude({ baseUrl: u.url }).resend({ id: 'vrf_01', phoneNumber: PHONE })).toEqual({ status: 'sent', id: 'vrf_02', channel: 'sms' });
  });

  it('Prelude: a bare 429 at check is a fault saying so, with the retry hint', async () => {
    const u = await startUpstream({ status: 429, body: { code: 'too_many_requests', message: 'slow down', type: 'too_many_requests', request_id: 'r' }, headers: { 'retry-after': '7' } });
    upstreams.push(u);
    const err = await prelude({ baseUrl: u.url, circuitBreaker: false }).check({ id: 'vrf_01', phoneNumber: PHONE, code: '1234' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'server_error', message: 'Prelude checkVerification: rate limited (HTTP 429)', retryAfter: 7 });
  });
});

describe('Prelude: what a send puts on the wire', () => {
  it('check without a request names the missing phoneNumber', async () => {
    const check = prelude().check.bind(prelude()) as (r: unknown) => Promise<unknown>;
    await expect(check(undefined)).rejects.toThrow(new TypeError('phoneNumber must be a non-empty string'));
  });

  it('signals with nothing usable left (an IP that is not one) send no `signals` object at all', async () => {
    const bodies: unknown[] = [];
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(text));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'vrf_01', method: 'message', request_id: 'r', status: 'success' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const p = prelude({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
      await p.send({ phoneNumber: PHONE, signals: { ip: 'not an ip' } });
      expect(bodies).toHaveLength(1);
      expect(bodies[0]).not.toHaveProperty('signals');
    } finally {
      await providers.splice(0).reduce((done, x) => done.then(() => x.close()), Promise.resolve());
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
