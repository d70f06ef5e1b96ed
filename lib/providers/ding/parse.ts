// Checks every Ding reply before use and turns it into camelCase with real Dates. Hand-written on
// purpose: a schema library would be a runtime dependency for six small shapes.
//
// The spec marks no response field as required, so most fields may be absent. What may not happen:
// a field of the wrong type, an enum value the contract does not list, a timestamp without a zone,
// or the absence of a field the caller cannot do without (the status, the id of a pending
// authentication). Each of those is OtpUnavailableError('malformed_response'), never a silent
// undefined. Messages name the field, never its value (values can be phone numbers or codes).

import { OtpApiError, OtpUnavailableError } from '../../errors.js';
import type { ErrorBodyContext } from '../../http.js';
import { compact, ReplyFields } from '../shared/reply-fields.js';
import {
  ATTEMPT_STATUSES,
  AUTHENTICATION_STATUSES,
  BALANCE_UPDATE_TYPES,
  CAPABILITIES,
  CHECK_STATUSES,
  DELIVERY_STATUSES,
  ERROR_CODES,
  EVENT_TYPES,
  LINE_TYPES,
  RETRY_STATUSES,
  SIGNAL_DEVICE_TYPES,
  UUID,
  type AttemptStatus,
  type AuthenticationStatus,
  type BalanceUpdateType,
  type Capability,
  type CheckStatus,
  type DeliveryStatus,
  type DingErrorCode,
  type LineType,
  type RetryStatus,
  type SignalDeviceType,
} from './wire.js';

// ---------------------------------------------------------------------------------------------
// Reply types (camelCase)

/** The checked reply of `POST /authentication`. */
export type CreateAuthenticationResponse =
  | { status: 'pending'; authenticationUuid: string; createdAt: Date; expiresAt?: Date }
  /** No code was sent. Ding may or may not include an id and times here. */
  | {
      status: Exclude<AuthenticationStatus, 'pending'>;
      authenticationUuid?: string;
      createdAt?: Date;
      expiresAt?: Date;
    };

/** The checked reply of `POST /check`. */
export interface CheckResponse {
  authenticationUuid?: string;
  status: CheckStatus;
}

/** The checked reply of `POST /retry`. */
export interface RetryResponse {
  authenticationUuid?: string;
  status: RetryStatus;
  createdAt?: Date;
  nextRetryAt?: Date;
  /** Retries left (`remaining_retry` on the wire). */
  remainingRetry?: number;
}

/** The checked reply of `POST /authentication/feedback`. */
export interface FeedbackResponse {
  /** Id of the stored feedback. */
  uuid?: string;
}

/**
 * `zalo` and `telegram` are newer than Ding's OpenAPI spec (Ding's changelog added them
 * 2025-05-20). A status call must not fail because a code went out over a newer channel.
 */
export type AttemptCapability = Capability | 'zalo' | 'telegram';
const ATTEMPT_CAPABILITIES: readonly AttemptCapability[] = [...CAPABILITIES, 'zalo', 'telegram'];

/** The fraud signals an authentication was created with, as `GET /authentication/{uuid}` echoes them. */
export interface Signals {
  ip?: string;
  deviceId?: string;
  deviceType?: SignalDeviceType;
  appVersion?: string;
  appRealm?: string;
  osVersion?: string;
  deviceModel?: string;
  isReturningUser?: boolean;
}

/** One entry of an authentication's event log. */
export type AuthenticationEvent =
  | {
      type: 'attempt';
      createdAt?: Date;
      id?: string;
      /** The message text; it contains the code. Do not log it. */
      content?: string;
      senderId?: string;
      capability?: AttemptCapability;
      attemptNumber?: number;
      status?: AttemptStatus;
    }
  | { type: 'check'; createdAt?: Date; id?: string; /** The code submitted. Do not log it. */ code?: string; status?: CheckStatus }
  | {
      type: 'delivery_status';
      createdAt?: Date;
      status?: DeliveryStatus;
      attemptId?: string;
      attemptNumber?: number;
      originatedAt?: Date;
    }
  | { type: 'balance_update'; createdAt?: Date; balanceUpdateType?: BalanceUpdateType; amount?: number };

/** The checked reply of `GET /authentication/{uuid}`. */
export interface AuthenticationStatusResponse {
  uuid?: string;
  phoneNumber?: string;
  templateId?: string;
  correlationId?: string;
  createdAt?: Date;
  signals?: Signals;
  /** Chronological event log; empty when the reply has none. */
  events: AuthenticationEvent[];
}

/** The checked reply of `GET /lookup/{phone}`. */
export interface LookupResponse {
  phoneNumber?: string;
  mcc?: string;
  mnc?: string;
  /** Only with `types: ['cnam']`, when the account has it enabled. */
  callerName?: string;
  carrier?: string;
  /** ISO 3166-1 alpha-2. */
  countryCode?: string;
  numberPorted?: boolean;
  temporaryPhoneNumber?: boolean;
  lineType?: LineType;
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

// ---------------------------------------------------------------------------------------------
// One parser per operation

export function parseCreateAuthentication(body: unknown): CreateAuthenticationResponse {
  const f = new ReplyFields('Ding createAuthentication', body);
  const status = f.oneOf('status', AUTHENTICATION_STATUSES, true);
  if (status === 'pending') {
    // A code is on its way: the caller needs the id to check it and the time it was sent.
    return compact({
      status,
      authenticationUuid: f.matching('authentication_uuid', UUID, 'a UUID', true),
      createdAt: f.date('created_at', true),
      expiresAt: f.date('expires_at'),
    });
  }
  return compact({
    status,
    authenticationUuid: f.matching('authentication_uuid', UUID, 'a UUID'),
    createdAt: f.date('created_at'),
    expiresAt: f.date('expires_at'),
  });
}

/**
 * The check reply. Its `authentication_uuid` is required and must be the one asked about: a bare
 * `{ "status": "valid" }`, or a `valid` about another authentication, is a malformed reply (a
 * fault), never a login.
 */
export function parseCheck(body: unknown, authenticationUuid: string): CheckResponse {
  const f = new ReplyFields('Ding check', body);
  const echo = f.matching('authentication_uuid', UUID, 'a UUID', true);
  checkEcho('check', echo, authenticationUuid);
  return { authenticationUuid: echo, status: f.oneOf('status', CHECK_STATUSES, true) };
}

export function parseRetry(body: unknown, authenticationUuid: string): RetryResponse {
  const f = new ReplyFields('Ding retry', body);
  const echo = f.matching('authentication_uuid', UUID, 'a UUID');
  checkEcho('retry', echo, authenticationUuid);
  return compact({
    authenticationUuid: echo,
    status: f.oneOf('status', RETRY_STATUSES, true),
    createdAt: f.date('created_at'),
    nextRetryAt: f.date('next_retry_at'),
    remainingRetry: f.count('remaining_retry'),
  });
}

/** A reply about another authentication than the one asked about must not be believed. */
function checkEcho(op: string, echo: string | undefined, sent: string): void {
  if (echo !== undefined && echo.toLowerCase() !== sent.toLowerCase()) {
    throw new OtpUnavailableError('malformed_response', `Ding ${op}: reply is about another authentication`);
  }
}

export function parseFeedback(body: unknown): FeedbackResponse {
  const f = new ReplyFields('Ding feedback', body);
  return compact({ uuid: f.string('uuid') });
}

export function parseAuthenticationStatus(body: unknown): AuthenticationStatusResponse {
  const op = 'getAuthenticationStatus';
  const f = new ReplyFields(`Ding ${op}`, body);
  const s = f.object('signals');
  return compact({
    uuid: f.matching('uuid', UUID, 'a UUID'),
    phoneNumber: f.string('phone_number'),
    templateId: f.string('template_id'),
    correlationId: f.string('correlation_id'),
    createdAt: f.date('created_at'),
    signals: s
      ? compact({
          ip: s.string('ip'),
          deviceId: s.string('device_id'),
          deviceType: s.oneOf('device_type', SIGNAL_DEVICE_TYPES),
          appVersion: s.string('app_version'),
          appRealm: s.string('app_realm'),
          osVersion: s.string('os_version'),
          deviceModel: s.string('device_model'),
          isReturningUser: s.boolean('is_returning_user'),
        })
      : undefined,
    events: (f.array('events') ?? []).map((e) => parseEvent(op, e)),
  });
}

function parseEvent(op: string, value: unknown): AuthenticationEvent {
  const e = new ReplyFields(`Ding ${op}`, value, 'event');
  const type = e.oneOf('type', EVENT_TYPES, true);
  const createdAt = e.date('created_at');
  switch (type) {
    case 'attempt':
      return compact({
        type,
        createdAt,
        id: e.string('id'),
        content: e.string('content'),
        senderId: e.string('sender_id'),
        capability: e.oneOf('capability', ATTEMPT_CAPABILITIES),
        attemptNumber: e.count('attempt_number'),
        status: e.oneOf('status', ATTEMPT_STATUSES),
      });
    case 'check':
      return compact({ type, createdAt, id: e.string('id'), code: e.string('code'), status: e.oneOf('status', CHECK_STATUSES) });
    case 'delivery_status':
      return compact({
        type,
        createdAt,
        status: e.oneOf('status', DELIVERY_STATUSES),
        attemptId: e.string('attempt_id'),
        attemptNumber: e.count('attempt_number'),
        originatedAt: e.date('originated_at'),
      });
    case 'balance_update':
      return compact({
        type,
        createdAt,
        balanceUpdateType: e.oneOf('balance_update_type', BALANCE_UPDATE_TYPES),
        amount: e.number('amount'),
      });
  }
}

export function parseLookup(body: unknown): LookupResponse {
  const f = new ReplyFields('Ding lookup', body);
  return compact({
    phoneNumber: f.string('phone_number'),
    mcc: f.string('mcc'),
    mnc: f.string('mnc'),
    callerName: f.string('caller_name'),
    carrier: f.string('carrier'),
    countryCode: f.string('country_code'),
    numberPorted: f.boolean('number_ported'),
    temporaryPhoneNumber: f.boolean('temporary_phone_number'),
    lineType: f.oneOf('line_type', LINE_TYPES),
  });
}

/**
 * The body of an HTTP 400 as an OtpApiError, or undefined when it is not Ding's documented
 * ErrorResponse (then the caller reports a malformed reply). `code` must be one the contract lists;
 * `doc_url` is accepted when absent. The message is kept only as `context.clean` leaves it.
 */
export function parseErrorResponse(body: unknown, status: number, context: ErrorBodyContext): OtpApiError | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { code, message, doc_url: docUrl } = body as Record<string, unknown>;
  if (typeof code !== 'string' || !(ERROR_CODES as readonly string[]).includes(code)) return undefined;
  if (typeof message !== 'string') return undefined;
  if (docUrl !== undefined && docUrl !== null && typeof docUrl !== 'string') return undefined;
  return new OtpApiError(
    code as DingErrorCode,
    context.clean(message),
    typeof docUrl === 'string' ? context.clean(docUrl) : undefined,
    status,
    { retryAfter: context.retryAfter },
  );
}
