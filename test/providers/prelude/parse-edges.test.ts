// Prelude V2's reply parsers (lib/providers/prelude/parse.ts) called directly, at their edges:
// the message of each malformed reply, every field each parser reads, when a check must name its
// verification, and which 4xx bodies are Prelude errors. provider.test.ts and lookup.test.ts drive
// the same parsers over HTTP.
import { describe, expect, it } from 'vitest';
import { OtpApiError } from '../../../lib/errors.js';
import type { ErrorBodyContext } from '../../../lib/http.js';
import { parseCheckVerification, parseCreateVerification, parseLookup, parsePreludeError } from '../../../lib/providers/prelude/parse.js';

const malformed = (message: string): unknown => expect.objectContaining({ name: 'OtpUnavailableError', reason: 'malformed_response', message });

describe('the message of a malformed reply names the operation and the field', () => {
  it.each<[string, () => unknown, string]>([
    ['create', () => parseCreateVerification({ status: 'success' }), 'Prelude createVerification: reply lacks `id`'],
    ['create without a status', () => parseCreateVerification({ id: 'vrf_1' }), 'Prelude createVerification: reply lacks `status`'],
    ['create with a bad id', () => parseCreateVerification({ id: 'vrf 1', status: 'success' }), 'Prelude createVerification: reply has a `id` that is not an id'],
    ['create metadata', () => parseCreateVerification({ id: 'vrf_1', status: 'success', metadata: { correlation_id: 1 } }), 'Prelude createVerification: `metadata` has a non-string `correlation_id`'],
    ['check', () => parseCheckVerification({}), 'Prelude checkVerification: reply lacks `status`'],
    ['a success without the id asked about', () => parseCheckVerification({ status: 'success' }, 'vrf_1'), 'Prelude checkVerification: reply lacks `id`'],
    ['a success with a bad id', () => parseCheckVerification({ status: 'success', id: 'vrf 1' }, 'vrf_1'), 'Prelude checkVerification: reply has a `id` that is not an id'],
    ['a success about another verification', () => parseCheckVerification({ status: 'success', id: 'vrf_2' }, 'vrf_1'), 'Prelude checkVerification: reply is about another verification'],
    ['lookup', () => parseLookup({ network_info: { mcc: 1 } }), 'Prelude lookup: `network_info` has a non-string `mcc`'],
  ])('%s', (_what, parse, message) => {
    expect(parse).toThrow(malformed(message) as Error);
  });
});

describe('every field each parser reads', () => {
  it('a create with every field', () => {
    expect(
      parseCreateVerification({
        id: 'vrf_1',
        status: 'blocked',
        method: 'voice',
        channels: ['voice'],
        reason: 'suspicious',
        risk_factors: ['x'],
        metadata: { correlation_id: 'c1' },
        request_id: 'r1',
        silent: { request_url: 'https://x' },
      }),
    ).toEqual({ id: 'vrf_1', status: 'blocked', method: 'voice', channels: ['voice'], reason: 'suspicious', riskFactors: ['x'], correlationId: 'c1', requestId: 'r1' });
    expect(parseCreateVerification({ id: 'vrf_1', status: 'challenged' })).toEqual({ id: 'vrf_1', status: 'challenged' });
  });

  it('a check: the id is required only for a success asked about a verification', () => {
    expect(parseCheckVerification({ status: 'success', id: 'vrf_1', metadata: { correlation_id: 'c1' }, request_id: 'r1' }, 'vrf_1')).toEqual({
      status: 'success',
      id: 'vrf_1',
      correlationId: 'c1',
      requestId: 'r1',
    });
    expect(parseCheckVerification({ status: 'success' })).toEqual({ status: 'success' });
    expect(parseCheckVerification({ status: 'failure' }, 'vrf_1')).toEqual({ status: 'failure' });
    // Only a success is held to the window's id: a failure about another one logs nobody in.
    expect(parseCheckVerification({ status: 'expired_or_not_found', id: 'vrf_2' }, 'vrf_1')).toEqual({ status: 'expired_or_not_found', id: 'vrf_2' });
    // An id is checked for its form even when it is not required.
    expect(() => parseCheckVerification({ status: 'failure', id: 'vrf 1' })).toThrow(malformed('Prelude checkVerification: reply has a `id` that is not an id') as Error);
  });

  it('a lookup with every field', () => {
    expect(
      parseLookup({
        phone_number: '+33612345678',
        country_code: 'FR',
        line_type: 'mobile',
        flags: ['ported'],
        caller_name: 'J',
        network_info: { carrier_name: 'Orange', mcc: '208', mnc: '01' },
        original_network_info: { carrier_name: 'SFR', mcc: '208', mnc: '10' },
      }),
    ).toEqual({
      phoneNumber: '+33612345678',
      countryCode: 'FR',
      lineType: 'mobile',
      flags: ['ported'],
      callerName: 'J',
      networkInfo: { carrierName: 'Orange', mcc: '208', mnc: '01' },
      originalNetworkInfo: { carrierName: 'SFR', mcc: '208', mnc: '10' },
    });
    expect(parseLookup({})).toEqual({});
  });
});

describe('parsePreludeError: the 4xx bodies that are Prelude errors', () => {
  const context: ErrorBodyContext = { clean: (text) => text.replaceAll('SECRET', '[redacted]'), retryAfter: 5 };

  it('keeps code, cleaned message and param, the status and the retry hint', () => {
    const err = parsePreludeError({ code: 'invalid_phone_number', message: 'bad SECRET', param: 'target SECRET', type: 'invalid_request_error', request_id: 'r1' }, 422, context);
    expect(err).toBeInstanceOf(OtpApiError);
    expect(err).toMatchObject({ apiCode: 'invalid_phone_number', apiMessage: 'bad [redacted]', param: 'target [redacted]', docUrl: undefined, upstreamStatus: 422, retryAfter: 5 });
  });

  it('takes null or absent extras as none', () => {
    expect(parsePreludeError({ code: 'x', message: 'm', param: null, type: null, request_id: null }, 400, context)).toMatchObject({ apiCode: 'x', param: undefined });
    expect(parsePreludeError({ code: 'x', message: 'm' }, 400, context)).toMatchObject({ apiCode: 'x', param: undefined });
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [{ code: 'x', message: 'm' }]],
    ['a code that is not a string', { code: 1, message: 'm' }],
    ['a code that is not snake_case', { code: 'Bad Request', message: 'm' }],
    ['a code in a list', { code: ['bad_request'], message: 'm' }],
    ['no message', { code: 'x' }],
    ['a param that is not a string', { code: 'x', message: 'm', param: 1 }],
    ['a type that is not a string', { code: 'x', message: 'm', type: {} }],
    ['a request_id that is not a string', { code: 'x', message: 'm', request_id: 7 }],
  ])('is not one for %s', (_what, body) => {
    expect(parsePreludeError(body, 400, context)).toBeUndefined();
  });
});
