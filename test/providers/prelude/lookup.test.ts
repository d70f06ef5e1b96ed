// PreludeProvider.lookup() over real HTTP: against the sandbox's `GET /v2/lookup/{phone_number}`
// (scripted lines, faults, errors), next to DingProvider on the same numbers to show both give the
// strategy the same LineInfo, and against a small node:http stub for the wire request and the
// replies the sandbox never gives.
import { startDingSandbox, type DingSandbox } from 'passport-ding/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DingAuthError, DingUnavailableError } from '../../../lib/errors.js';
import { DingProvider } from '../../../lib/providers/ding/provider.js';
import { LINE_TYPES } from '../../../lib/providers/ding/wire.js';
import { PreludeApiError } from '../../../lib/errors.js';
import { PreludeProvider } from '../../../lib/providers/prelude/provider.js';
import { LINE_TYPE_TO_DING, LOOKUP_LINE_TYPES } from '../../../lib/providers/prelude/wire.js';
import type { OtpProvider } from '../../../lib/providers/provider.js';
import { startUpstream, type Answer, type Received } from '../../helpers/upstream.js';

const MOBILE = '+14155552671';
const PREMIUM = '+14155552681';
const LANDLINE = '+14155552682';
const SHARED_TEMPORARY = '+14155552683';
const VOIP = '+14155552684';
const PORTED = '+14155552685';

let sandbox: DingSandbox;
const providers: OtpProvider[] = [];

beforeAll(async () => {
  sandbox = await startDingSandbox({
    numbers: {
      [PREMIUM]: { lookup: { line_type: 'PremiumRate' } },
      [LANDLINE]: 'invalid_line',
      [PORTED]: { lookup: { number_ported: true, temporary_phone_number: true, carrier: 'Ported Co' } },
    },
    preludeNumbers: {
      [SHARED_TEMPORARY]: { lookup: { line_type: 'shared_cost', flags: ['temporary'] } },
      [VOIP]: { lookup: { line_type: 'voip', network_info: { carrier_name: 'Twilio', mcc: '310', mnc: '240' } } },
    },
  });
});
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()));
  sandbox.reset();
});
afterAll(async () => {
  await sandbox.close();
});

function prelude(extra: { timeoutMs?: number; apiKey?: string } = {}): PreludeProvider {
  const p = new PreludeProvider({ apiKey: sandbox.apiKey, baseUrl: sandbox.preludeUrl, ...extra });
  providers.push(p);
  return p;
}

function ding(): DingProvider {
  const p = new DingProvider({ apiKey: sandbox.apiKey, customerUuid: sandbox.customerUuid, baseUrl: sandbox.url });
  providers.push(p);
  return p;
}

const calls = (op: string): number => sandbox.stats().byOperation[op] ?? 0;

describe('PreludeProvider.lookup against the sandbox', () => {
  it('a mobile line: LineInfo with the line type in Ding spelling, not temporary, the carrier', async () => {
    expect(await prelude().lookup(MOBILE)).toEqual({
      phoneNumber: MOBILE,
      countryCode: 'US',
      lineType: 'Mobile',
      temporary: false,
      carrier: 'AT&T',
    });
    expect(calls('lookupPhoneNumber')).toBe(1);
    expect(calls('lookup')).toBe(0);
  });

  it('scripted lines come out as Ding names them: PremiumRate, FixedLine, SharedCost, Voip', async () => {
    const p = prelude();
    expect(await p.lookup(PREMIUM)).toMatchObject({ lineType: 'PremiumRate', temporary: false });
    expect(await p.lookup(LANDLINE)).toMatchObject({ lineType: 'FixedLine' });
    expect(await p.lookup(SHARED_TEMPORARY)).toMatchObject({ lineType: 'SharedCost', temporary: true });
    expect(await p.lookup(VOIP)).toMatchObject({ lineType: 'Voip', carrier: 'Twilio' });
  });

  it('gives the same LineInfo as DingProvider for the same number', async () => {
    const [p, d] = [prelude(), ding()];
    for (const phone of [MOBILE, PREMIUM, LANDLINE, PORTED]) {
      expect(await p.lookup(phone)).toEqual(await d.lookup(phone));
    }
  });

  it('PreludeClient.lookup gives the raw V2 reply, camelCase, with the caller name on request', async () => {
    const p = prelude();
    expect(await p.client.lookup(PORTED, { cnam: true })).toEqual({
      phoneNumber: PORTED,
      countryCode: 'US',
      lineType: 'mobile',
      flags: ['ported', 'temporary'],
      callerName: 'SANDBOX CALLER',
      networkInfo: { carrierName: 'Ported Co', mcc: '310', mnc: '410' },
    });
    expect(await p.client.lookup(SHARED_TEMPORARY)).toMatchObject({ lineType: 'shared_cost', flags: ['temporary'] });
  });

  it('an invalid number is PreludeApiError invalid_phone_number (the gate reads it as that outcome)', async () => {
    const err = await prelude().lookup('+0123').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreludeApiError);
    expect(err).toMatchObject({ apiCode: 'invalid_phone_number', param: 'phone_number', upstreamStatus: 400 });
  });

  it('a wrong key is DingAuthError; the key is in no error', async () => {
    const err = await prelude({ apiKey: 'not-the-key' }).lookup(MOBILE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DingAuthError);
    expect(String((err as Error).message)).not.toContain('not-the-key');
  });

  it.each([
    ['http500', 'server_error'],
    ['http503', 'server_error'],
    ['bad_json', 'malformed_response'],
    ['unknown_status_value', 'malformed_response'],
    ['timeout', 'timeout'],
  ] as const)('fault %s is DingUnavailableError (%s)', async (mode, reason) => {
    sandbox.fail({ mode, operation: 'lookupPhoneNumber' });
    const err = await prelude({ timeoutMs: 300 }).lookup(MOBILE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DingUnavailableError);
    expect(err).toMatchObject({ reason });
  });

  it('forbidden is DingAuthError', async () => {
    sandbox.fail({ mode: 'forbidden', operation: 'lookupPhoneNumber' });
    expect(await prelude().lookup(MOBILE).catch((e: unknown) => e)).toBeInstanceOf(DingAuthError);
  });

  it('a reset GET is tried once more (a lookup sends nothing), a second reset is a fault', async () => {
    const p = prelude();
    sandbox.fail({ mode: 'reset', operation: 'lookupPhoneNumber' });
    expect(await p.lookup(MOBILE)).toMatchObject({ lineType: 'Mobile' });
    sandbox.fail({ mode: 'reset', operation: 'lookupPhoneNumber', times: 2 });
    expect(await p.lookup(MOBILE).catch((e: unknown) => e)).toMatchObject({ name: 'OtpUnavailableError', reason: 'connection' });
    expect(calls('lookupPhoneNumber')).toBe(4);
  });
});

/** A provider on a scripted upstream that answers each request with the next reply in `replies`. */
async function withStub(replies: Answer[], run: (p: PreludeProvider, seen: Received[]) => Promise<void>, baseSuffix = ''): Promise<void> {
  const upstream = await startUpstream(replies);
  const p = new PreludeProvider({ apiKey: 'k_test', baseUrl: `${upstream.url}${baseSuffix}` });
  try {
    await run(p, upstream.seen);
  } finally {
    await p.close();
    await upstream.close();
  }
}

describe('PreludeProvider.lookup on the wire', () => {
  it('GET /v2/lookup/+E164 with the Bearer key and no body; `type=cnam` only when asked', async () => {
    await withStub(
      [
        { status: 200, body: {} },
        { status: 200, body: {} },
      ],
      async (p, seen) => {
        expect(await p.lookup(MOBILE)).toEqual({ phoneNumber: MOBILE });
        await p.client.lookup(MOBILE, { cnam: true });
        expect(seen[0]).toMatchObject({ method: 'GET', url: `/v2/lookup/${MOBILE}`, text: '' });
        expect(seen[0]?.headers.authorization).toBe('Bearer k_test');
        expect(seen[0]?.headers.accept).toBe('application/json');
        expect(seen[1]?.url).toBe(`/v2/lookup/${MOBILE}?type=cnam`);
      },
    );
  });

  it('a base URL ending in /v2 gives the same path; nothing in the number can change the path', async () => {
    await withStub(
      [
        { status: 200, body: {} },
        { status: 200, body: {} },
      ],
      async (p, seen) => {
        await p.lookup(MOBILE);
        await p.client.lookup('+1/../../v2/verification?x=1#y');
        expect(seen[0]?.url).toBe(`/v2/lookup/${MOBILE}`);
        expect(seen[1]?.url).toBe('/v2/lookup/+1%2F..%2F..%2Fv2%2Fverification%3Fx%3D1%23y');
      },
      '/v2',
    );
  });

  it('maps every V2 line type to a distinct Ding line type', async () => {
    expect(new Set(Object.values(LINE_TYPE_TO_DING)).size).toBe(LOOKUP_LINE_TYPES.length);
    expect([...Object.values(LINE_TYPE_TO_DING)].sort()).toEqual([...LINE_TYPES].sort());
    await withStub(
      LOOKUP_LINE_TYPES.map((t) => ({ status: 200, body: { phone_number: MOBILE, line_type: t } })),
      async (p) => {
        for (const t of LOOKUP_LINE_TYPES) expect((await p.lookup(MOBILE)).lineType).toBe(LINE_TYPE_TO_DING[t]);
      },
    );
  });

  it('flags: absent -> temporary unknown; newer flags are ignored; only `temporary` counts', async () => {
    await withStub(
      [
        { status: 200, body: { line_type: 'mobile' } },
        { status: 200, body: { flags: ['ported', 'recycled'] } },
        { status: 200, body: { flags: ['temporary', 'recycled'], network_info: { carrier_name: 'X' }, original_network_info: { carrier_name: 'Y' } } },
      ],
      async (p) => {
        expect(await p.lookup(MOBILE)).toEqual({ phoneNumber: MOBILE, lineType: 'Mobile' });
        expect(await p.lookup(MOBILE)).toEqual({ phoneNumber: MOBILE, temporary: false });
        expect(await p.lookup(MOBILE)).toEqual({ phoneNumber: MOBILE, temporary: true, carrier: 'X' });
      },
    );
  });

  it('a reply off the contract is malformed: an unknown line type (the gate decides by it), wrong types', async () => {
    const bad = [{ line_type: 'landline' }, { line_type: 7 }, { flags: 'temporary' }, { network_info: 'X' }, [], 'text'];
    await withStub(
      bad.map((body) => ({ status: 200, body })),
      async (p) => {
        for (let i = 0; i < bad.length; i += 1) {
          expect(await p.lookup(MOBILE).catch((e: unknown) => e)).toMatchObject({ name: 'OtpUnavailableError', reason: 'malformed_response' });
        }
      },
    );
  });

  it('4xx error bodies are PreludeApiError (422 invalid_phone_number too); a 5xx is a fault', async () => {
    await withStub(
      [
        { status: 422, body: { code: 'invalid_phone_number', message: 'bad +14155552671', param: 'phone_number' } },
        { status: 429, body: { code: 'too_many_requests', message: 'slow down' } },
        { status: 502, body: { message: 'Bad Gateway' } },
      ],
      async (p) => {
        const invalid = await p.lookup(MOBILE).catch((e: unknown) => e);
        expect(invalid).toMatchObject({ name: 'OtpApiError', apiCode: 'invalid_phone_number', upstreamStatus: 422 });
        // The message is Prelude's, with the number masked.
        expect((invalid as Error).message).not.toContain('4155552671');
        expect(await p.lookup(MOBILE).catch((e: unknown) => e)).toMatchObject({ name: 'OtpApiError', upstreamStatus: 429 });
        expect(await p.lookup(MOBILE).catch((e: unknown) => e)).toMatchObject({ name: 'OtpUnavailableError', upstreamStatus: 502 });
      },
    );
  });

  it('refuses an empty or non-string number before any call', async () => {
    await withStub([], async (p, seen) => {
      for (const bad of ['', undefined, 42]) await expect(p.lookup(bad as unknown as string)).rejects.toThrow(TypeError);
      expect(seen).toHaveLength(0);
    });
  });
});
