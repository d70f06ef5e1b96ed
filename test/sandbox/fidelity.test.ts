// Places where the sandbox used to differ from the real APIs, each over real HTTP on 127.0.0.1:
// impossible numbers, line types of unscripted numbers, next_retry_at after the last retry, and
// scripted lookup values outside the specs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDingSandbox, type DingSandbox } from 'passport-ding/sandbox';
import { withSandbox } from '../helpers/sandbox-io.js';

let sb: DingSandbox;

beforeAll(async () => {
  sb = await startDingSandbox({ maxRetries: 1, retryCooldownSeconds: 30 });
});
afterAll(() => sb.close());

async function v1(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${sb.url}${path}`, {
    method,
    headers: { 'x-api-key': sb.apiKey, 'content-type': 'application/json', ...headers },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function v2(method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await fetch(`${sb.preludeUrl}/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${sb.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const create = (phone: string) => v1('POST', '/authentication', { customer_uuid: sb.customerUuid, phone_number: phone });
const lookupV1 = (phone: string) => v1('GET', `/lookup/${encodeURIComponent(phone)}`, undefined, { 'customer-uuid': sb.customerUuid });
const lookupV2 = (phone: string) => v2('GET', `/lookup/${encodeURIComponent(phone)}`);

describe('numbers the E.164 pattern allows but no plan does', () => {
  it('V1 create answers 400 invalid_phone_number, as Ding does for "+0"', async () => {
    for (const phone of ['+123', '+1555', '+4412']) {
      const res = await create(phone);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'invalid_phone_number' });
    }
    expect((await create('+14155552671')).status).toBe(200);
    // The +1 555 01xx test range stays usable: possible, if not assigned.
    expect((await create('+15555550100')).status).toBe(200);
  });

  it('V2 create answers 400 invalid_phone_number on target.value', async () => {
    const res = await v2('POST', '/verification', { target: { type: 'phone_number', value: '+123' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'invalid_phone_number', param: 'target.value' });
    expect((await v2('POST', '/verification', { target: { type: 'phone_number', value: '+14155552671' } })).status).toBe(200);
  });
});

describe('lookup line types of unscripted numbers', () => {
  it('come from the numbering plan, in each API\'s words', async () => {
    const cases: Array<[phone: string, v1: string, v2: string]> = [
      ['+33142685300', 'FixedLine', 'fixed_line'], // a Paris landline
      ['+18005550100', 'TollFree', 'toll_free'], // a US toll-free number
      ['+447400123456', 'Mobile', 'mobile'], // a UK mobile
      ['+14155552671', 'Mobile', 'mobile'], // +1 plans do not tell fixed from mobile
    ];
    for (const [phone, v1Type, v2Type] of cases) {
      expect((await lookupV1(phone)).body, phone).toMatchObject({ line_type: v1Type });
      expect((await lookupV2(phone)).body, phone).toMatchObject({ line_type: v2Type });
    }
  });

  it('a scripted line type still wins', async () => {
    const scripted = await startDingSandbox({ numbers: { '+33142685300': { lookup: { line_type: 'Mobile' } } } });
    try {
      const res = await fetch(`${scripted.url}/lookup/%2B33142685300`, { headers: { 'x-api-key': scripted.apiKey, 'customer-uuid': scripted.customerUuid } });
      expect(await res.json()).toMatchObject({ line_type: 'Mobile' });
    } finally {
      await scripted.close();
    }
  });
});

describe('lookup of a number in a calling code several countries share (+1, +7, +44)', () => {
  // Both specs: country_code is the ISO 3166-1 alpha-2 code of the number's country. The carrier
  // table is keyed by calling code, so a Toronto number was 'US' on AT&T (MCC 310, a US code).
  it('answers the number\'s own country, and no carrier of another country', async () => {
    await withSandbox(async (s) => {
      const v1 = async (phone: string) =>
        (await (await fetch(`${s.url}/lookup/${encodeURIComponent(phone)}`, { headers: { 'x-api-key': s.apiKey, 'customer-uuid': s.customerUuid } })).json()) as Record<string, unknown>;
      const v2 = async (phone: string) =>
        (await (await fetch(`${s.preludeUrl}/v2/lookup/${encodeURIComponent(phone)}`, { headers: { authorization: `Bearer ${s.apiKey}` } })).json()) as Record<string, unknown>;
      for (const [phone, country] of [['+14165552671', 'CA'], ['+18092345678', 'DO'], ['+77012345678', 'KZ'], ['+441534123456', 'JE'], ['+8801712345678', 'BD']]) {
        const a = await v1(phone as string);
        expect([phone, a.country_code]).toEqual([phone, country]);
        for (const key of ['mcc', 'mnc', 'carrier']) expect(a).not.toHaveProperty(key);
        const b = await v2(phone as string);
        expect([phone, b.country_code]).toEqual([phone, country]);
        expect(b).not.toHaveProperty('network_info');
      }
      // The table's own countries, and numbers no plan places (the +1 555 range), keep its carrier.
      expect(await v1('+14155552671')).toMatchObject({ country_code: 'US', mcc: '310', mnc: '410', carrier: 'AT&T' });
      expect(await v1('+15551234567')).toMatchObject({ country_code: 'US', mcc: '310', mnc: '410', carrier: 'AT&T' });
      expect(await v1('+79161234567')).toMatchObject({ country_code: 'RU', mcc: '250', mnc: '01', carrier: 'MTS' });
      expect(await v2('+14155552671')).toMatchObject({ country_code: 'US', network_info: { carrier_name: 'AT&T', mcc: '310', mnc: '410' } });
    });
  });
});

describe('V1 retry after the last retry', () => {
  it('answers a next_retry_at no earlier than its created_at', async () => {
    const { body } = await create('+14155552672');
    const retry = () => v1('POST', '/retry', { customer_uuid: sb.customerUuid, authentication_uuid: body.authentication_uuid });
    sb.advance(31_000);
    expect((await retry()).body).toMatchObject({ status: 'approved', remaining_retry: 0 });
    sb.advance(31_000);
    const last = (await retry()).body;
    expect(last).toMatchObject({ status: 'rate_limited', remaining_retry: 0 });
    expect(Date.parse(last.next_retry_at as string)).toBeGreaterThanOrEqual(Date.parse(last.created_at as string));
  });
});

describe('scripted lookup values outside the specs', () => {
  it('are refused at start with a message naming the field', async () => {
    await expect(startDingSandbox({ numbers: { '+15550000001': { lookup: { line_type: 'Landline' as never } } } })).rejects.toThrow(
      /numbers: lookup\.line_type must be one of .*FixedLine/,
    );
    await expect(startDingSandbox({ numbers: { '+15550000001': { lookup: { number_ported: 'yes' as never } } } })).rejects.toThrow(TypeError);
    await expect(startDingSandbox({ numbers: { '+15550000001': { lookup: { carrier: 5 as never } } } })).rejects.toThrow(/^DingSandbox: numbers: lookup\.carrier must be a string$/);
    await expect(startDingSandbox({ numbers: { '+15550000001': { lookup: { carrier_name: 'x' } as never } } })).rejects.toThrow(
      /lookup\.carrier_name is not a field/,
    );
    await expect(startDingSandbox({ preludeNumbers: { '+15550000001': { lookup: { line_type: 'Landline' as never } } } })).rejects.toThrow(
      /preludeNumbers: lookup\.line_type must be one of .*fixed_line/,
    );
    await expect(startDingSandbox({ preludeNumbers: { '+15550000001': { lookup: { flags: ['roaming' as never] } } } })).rejects.toThrow(TypeError);
  });

  it('values the specs allow (and undefined, to drop a field) still start', async () => {
    const ok = await startDingSandbox({
      numbers: { '+15550000001': { lookup: { line_type: 'PremiumRate', number_ported: true, caller_name: undefined } } },
      preludeNumbers: { '+15550000002': { lookup: { line_type: 'voip', flags: ['temporary'], network_info: { carrier_name: 'X' } } } },
    });
    await ok.close();
  });

  it('a preludeNumbers script is what V2 answers for its number (a sandbox started in the test, not in a beforeAll)', async () => {
    const phone = '+14155552690';
    await withSandbox(async (scripted) => {
      const res = await fetch(`${scripted.preludeUrl}/v2/lookup/${encodeURIComponent(phone)}`, { headers: { authorization: `Bearer ${scripted.apiKey}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ phone_number: phone, line_type: 'voip', flags: ['temporary'] });
    }, { preludeNumbers: { [phone]: { lookup: { line_type: 'voip', flags: ['temporary'] } } } });
  });
});

describe('the V2 module over HTTP, from a sandbox started inside the test', () => {
  // Inside the test, not in a beforeAll, so that a mutation run sees these requests (see
  // CONTRIBUTING.md, "Surviving mutants").
  it('the Bearer key, a bad body, a fault and reset() answer in V2 terms', async () => {
    await withSandbox(async (own) => {
      const post = async (path: string, body: string, authorization = `Bearer ${own.apiKey}`) => {
        const res = await fetch(`${own.preludeUrl}/v2${path}`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const phone = '+14155552671';
      const create = JSON.stringify({ target: { type: 'phone_number', value: phone } });
      expect(await post('/verification', create, 'Bearer wrong')).toEqual({ status: 401, body: { code: 'invalid_api_key', message: 'The API key is not valid' } });
      expect(await post('/verification', '{')).toMatchObject({ status: 400, body: { code: 'invalid_request', message: expect.any(String) } });
      own.fail({ mode: 'http500', operation: 'createVerification' });
      expect(await post('/verification', create)).toEqual({ status: 500, body: { code: 'internal', message: 'Internal server error' } });
      expect(await post('/verification', create)).toMatchObject({ status: 200, body: { status: 'success' } });
      const code = own.latestCode(phone) ?? '';
      own.reset();
      const check = JSON.stringify({ target: { type: 'phone_number', value: phone }, code });
      expect(await post('/verification/check', check)).toMatchObject({ status: 200, body: { status: 'expired_or_not_found' } });
    });
  });
});
