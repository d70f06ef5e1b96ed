// Ding V1's reply parsers (lib/providers/ding/parse.ts) called directly, at their edges: the
// message of each malformed reply (it names the operation and the field), every field each parser
// reads, a refused create that still carries an id and times, a retry reply without the id, and
// which 400 bodies are Ding's error. client-replies.test.ts drives the same parsers over HTTP.
import { describe, expect, it } from 'vitest';
import { OtpApiError } from '../../../lib/errors.js';
import type { ErrorBodyContext } from '../../../lib/http.js';
import {
  isUuid,
  parseAuthenticationStatus,
  parseCheck,
  parseCreateAuthentication,
  parseErrorResponse,
  parseFeedback,
  parseLookup,
  parseRetry,
} from '../../../lib/providers/ding/parse.js';

const AUTH = '2b1c9a8e-7d6f-4e5a-9b3c-0d1e2f3a4b5c';
const OTHER = '00000000-0000-4000-8000-000000000000';
const AT = '2025-03-01T10:00:00Z';
const LATER = '2025-03-01T10:10:00Z';

describe('the message of a malformed reply names the operation and the field', () => {
  it.each<[string, () => unknown, string]>([
    ['create', () => parseCreateAuthentication({}), 'Ding createAuthentication: reply lacks `status`'],
    ['pending create', () => parseCreateAuthentication({ status: 'pending', created_at: AT }), 'Ding createAuthentication: reply lacks `authentication_uuid`'],
    ['refused create', () => parseCreateAuthentication({ status: 'spam_detected', authentication_uuid: 'abc' }), 'Ding createAuthentication: reply has a `authentication_uuid` that is not a UUID'],
    ['pending create with a bad id', () => parseCreateAuthentication({ status: 'pending', authentication_uuid: 'abc', created_at: AT }), 'Ding createAuthentication: reply has a `authentication_uuid` that is not a UUID'],
    ['check', () => parseCheck({ status: 'valid' }, AUTH), 'Ding check: reply lacks `authentication_uuid`'],
    ['check with a bad id', () => parseCheck({ status: 'valid', authentication_uuid: 'abc' }, AUTH), 'Ding check: reply has a `authentication_uuid` that is not a UUID'],
    ['retry with a bad id', () => parseRetry({ status: 'approved', authentication_uuid: 'abc' }, AUTH), 'Ding retry: reply has a `authentication_uuid` that is not a UUID'],
    ['check about another authentication', () => parseCheck({ authentication_uuid: OTHER, status: 'valid' }, AUTH), 'Ding check: reply is about another authentication'],
    ['retry', () => parseRetry({ authentication_uuid: AUTH }, AUTH), 'Ding retry: reply lacks `status`'],
    ['retry about another authentication', () => parseRetry({ authentication_uuid: OTHER, status: 'approved' }, AUTH), 'Ding retry: reply is about another authentication'],
    ['feedback', () => parseFeedback({ uuid: 1 }), 'Ding feedback: reply has a non-string `uuid`'],
    ['status', () => parseAuthenticationStatus({ uuid: 'abc' }), 'Ding getAuthenticationStatus: reply has a `uuid` that is not a UUID'],
    ['status event', () => parseAuthenticationStatus({ events: [{}] }), 'Ding getAuthenticationStatus: event lacks `type`'],
    ['lookup', () => parseLookup({ carrier: 1 }), 'Ding lookup: reply has a non-string `carrier`'],
  ])('%s', (_what, parse, message) => {
    expect(parse).toThrow(expect.objectContaining({ name: 'OtpUnavailableError', reason: 'malformed_response', message }));
  });
});

describe('every field each parser reads', () => {
  it('a pending create with its expiry; a refused one with an id and times', () => {
    expect(parseCreateAuthentication({ status: 'pending', authentication_uuid: AUTH, created_at: AT, expires_at: LATER })).toEqual({
      status: 'pending',
      authenticationUuid: AUTH,
      createdAt: new Date(AT),
      expiresAt: new Date(LATER),
    });
    expect(parseCreateAuthentication({ status: 'rate_limited', authentication_uuid: AUTH, created_at: AT, expires_at: LATER })).toEqual({
      status: 'rate_limited',
      authenticationUuid: AUTH,
      createdAt: new Date(AT),
      expiresAt: new Date(LATER),
    });
  });

  it('a retry without the id is believed (the id is optional there), one with it must match', () => {
    expect(parseRetry({ status: 'approved' }, AUTH)).toEqual({ status: 'approved' });
    expect(parseRetry({ status: 'denied', authentication_uuid: AUTH.toUpperCase() }, AUTH)).toEqual({ status: 'denied', authenticationUuid: AUTH.toUpperCase() });
    expect(parseCheck({ status: 'invalid', authentication_uuid: AUTH }, AUTH.toUpperCase())).toEqual({ status: 'invalid', authenticationUuid: AUTH });
  });

  it('feedback', () => {
    expect(parseFeedback({ uuid: AUTH })).toEqual({ uuid: AUTH });
  });

  it('the status of an authentication, signals and each kind of event', () => {
    expect(
      parseAuthenticationStatus({
        uuid: AUTH,
        phone_number: '+15551230001',
        template_id: 't1',
        correlation_id: 'c1',
        created_at: AT,
        signals: { ip: '203.0.113.7', device_id: 'd1', device_type: 'TVOS', app_version: '1.2', app_realm: 'realm', os_version: '17', device_model: 'm', is_returning_user: true },
        events: [
          { type: 'attempt', created_at: AT, id: 'a1', content: 'x', sender_id: 's', capability: 'zalo', attempt_number: 2, status: 'failed' },
          { type: 'check', created_at: AT, id: 'c1', code: '1', status: 'expired_auth' },
          { type: 'delivery_status', status: 'undeliverable', attempt_id: 'a1', attempt_number: 0, originated_at: LATER },
          { type: 'balance_update', balance_update_type: 'unknown', amount: 0 },
        ],
      }),
    ).toEqual({
      uuid: AUTH,
      phoneNumber: '+15551230001',
      templateId: 't1',
      correlationId: 'c1',
      createdAt: new Date(AT),
      signals: { ip: '203.0.113.7', deviceId: 'd1', deviceType: 'TVOS', appVersion: '1.2', appRealm: 'realm', osVersion: '17', deviceModel: 'm', isReturningUser: true },
      events: [
        { type: 'attempt', createdAt: new Date(AT), id: 'a1', content: 'x', senderId: 's', capability: 'zalo', attemptNumber: 2, status: 'failed' },
        { type: 'check', createdAt: new Date(AT), id: 'c1', code: '1', status: 'expired_auth' },
        { type: 'delivery_status', status: 'undeliverable', attemptId: 'a1', attemptNumber: 0, originatedAt: new Date(LATER) },
        { type: 'balance_update', balanceUpdateType: 'unknown', amount: 0 },
      ],
    });
  });

  it('a lookup with every field', () => {
    expect(
      parseLookup({
        phone_number: '+15551230001',
        mcc: '310',
        mnc: '410',
        caller_name: 'J DOE',
        carrier: 'C',
        country_code: 'US',
        number_ported: true,
        temporary_phone_number: true,
        line_type: 'TollFree',
      }),
    ).toEqual({
      phoneNumber: '+15551230001',
      mcc: '310',
      mnc: '410',
      callerName: 'J DOE',
      carrier: 'C',
      countryCode: 'US',
      numberPorted: true,
      temporaryPhoneNumber: true,
      lineType: 'TollFree',
    });
  });

  it('isUuid: a UUID string in either case, nothing else', () => {
    expect(isUuid(AUTH)).toBe(true);
    expect(isUuid(AUTH.toUpperCase())).toBe(true);
    for (const v of [`${AUTH}0`, 'abc', 42, null, undefined, [AUTH]]) expect(isUuid(v)).toBe(false);
  });
});

describe('parseErrorResponse: the 400 bodies that are Ding errors', () => {
  const context: ErrorBodyContext = { clean: (text) => text.replaceAll('SECRET', '[redacted]'), retryAfter: 5 };

  it('keeps code, cleaned message and doc_url, the status and the retry hint', () => {
    const err = parseErrorResponse({ code: 'negative_balance', message: 'top up SECRET', doc_url: 'https://d/SECRET' }, 400, context);
    expect(err).toBeInstanceOf(OtpApiError);
    expect(err).toMatchObject({ apiCode: 'negative_balance', apiMessage: 'top up [redacted]', docUrl: 'https://d/[redacted]', upstreamStatus: 400, retryAfter: 5 });
  });

  it('takes a null or absent doc_url as none', () => {
    expect(parseErrorResponse({ code: 'bad_request', message: 'm', doc_url: null }, 400, context)).toMatchObject({ apiCode: 'bad_request', docUrl: undefined });
    expect(parseErrorResponse({ code: 'bad_request', message: 'm' }, 400, context)).toMatchObject({ docUrl: undefined });
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'bad_request'],
    ['an array', [{ code: 'bad_request', message: 'm' }]],
    ['a code that is not a string', { code: 1, message: 'm' }],
    ['a code the contract does not list', { code: 'bad_requests', message: 'm' }],
    ['no message', { code: 'bad_request' }],
    ['a doc_url that is not a string', { code: 'bad_request', message: 'm', doc_url: 5 }],
  ])('is not one for %s', (_what, body) => {
    expect(parseErrorResponse(body, 400, context)).toBeUndefined();
  });
});
