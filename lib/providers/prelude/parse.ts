// Checks every Prelude Verify V2 reply before use and turns it into camelCase. Hand-written, like
// ../ding/parse.ts, for the same reason: two small shapes do not need a schema library.
//
// Strict where the value decides something: the create and check statuses, the block reason, the
// verification id, the lookup's line type (the line-type gate refuses by it). Lenient only where
// new values keep appearing in Prelude's releases: the create statuses `challenged` and
// `shadow_blocked` (newer than SDK 0.10.0) are accepted, and `channels` / `risk_factors`, which
// only describe the delivery, are not enum-checked, nor are lookup `flags` beyond the one read
// (`temporary`).
// Anything else off-contract is OtpUnavailableError('malformed_response'). Messages name the
// field, never its value (values can be phone numbers or codes).

import { OtpApiError, OtpUnavailableError } from '../../errors.js';
import type { ErrorBodyContext } from '../../http.js';
import { compact, ReplyFields } from '../shared/reply-fields.js';
import {
  BLOCK_REASONS,
  CHECK_STATUSES,
  CREATE_STATUSES,
  LOOKUP_LINE_TYPES,
  METHODS,
  NEWER_CREATE_STATUSES,
  type BlockReason,
  type CheckStatus,
  type CreateStatus,
  type LookupLineType,
  type Method,
} from './wire.js';

/** The checked reply of `POST /v2/verification`, camelCase. */
export interface CreateVerificationResponse {
  /** The verification id (`vrf_…`); the same id on a `retry` inside the window. */
  id: string;
  status: CreateStatus;
  method?: Method;
  /** The planned channels, in order. Values newer than the contract pass through. */
  channels?: string[];
  /** Why it was blocked (`blocked` and `shadow_blocked` only). */
  reason?: BlockReason;
  /** Prelude's fraud signals behind a block or shadow block (newer); values pass through. */
  riskFactors?: string[];
  correlationId?: string;
  requestId?: string;
}

/** The checked reply of `POST /v2/verification/check`, camelCase. */
export interface CheckVerificationResponse {
  status: CheckStatus;
  id?: string;
  correlationId?: string;
  requestId?: string;
}

/** A lookup reply's carrier facts (`network_info`), camelCase. */
export interface NetworkInfo {
  carrierName?: string;
  mcc?: string;
  mnc?: string;
}

/** `GET /v2/lookup/{phone_number}`, camelCase. Every field is optional, as in V2. */
export interface PreludeLookupResponse {
  phoneNumber?: string;
  /** ISO 3166-1 alpha-2. */
  countryCode?: string;
  /** V2's snake_case name (`premium_rate`); PreludeProvider.lookup() gives Ding's (`PremiumRate`). */
  lineType?: LookupLineType;
  /** `ported`, `temporary`; values newer than the contract pass through. */
  flags?: string[];
  /** Only with `cnam`, when the account has it enabled. */
  callerName?: string;
  networkInfo?: NetworkInfo;
  originalNetworkInfo?: NetworkInfo;
}

const ALL_CREATE_STATUSES: readonly CreateStatus[] = [...CREATE_STATUSES, ...NEWER_CREATE_STATUSES];
// An id goes into the session and into logs: printable ASCII, bounded.
const ID = /^[\x21-\x7e]{1,128}$/;
// Error codes are snake_case words; anything else is not Prelude's error body.
const ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseCreateVerification(body: unknown): CreateVerificationResponse {
  const f = new ReplyFields('Prelude createVerification', body);
  const status = f.oneOf('status', ALL_CREATE_STATUSES, true);
  const metadata = f.object('metadata');
  // `silent` is read by nobody here; its presence is no fault. `risk_factors` goes to events.
  return compact({
    id: f.matching('id', ID, 'an id', true),
    status,
    method: f.oneOf('method', METHODS),
    channels: f.strings('channels'),
    reason: f.oneOf('reason', BLOCK_REASONS),
    riskFactors: f.strings('risk_factors'),
    correlationId: metadata?.string('correlation_id'),
    requestId: f.string('request_id'),
  });
}

/**
 * The check reply. Only the documented success shape logs anyone in: `status: "success"` with the
 * `id` of the window this login holds (`verificationId`, the id its send or latest resend got).
 * A success without an id, or about another window, is a malformed reply, never a login: V2
 * checks by target, so an id is the one thing that ties the answer to this login's window.
 * `failure` and `expired_or_not_found` decide nothing in the user's favour and need no id.
 */
export function parseCheckVerification(body: unknown, verificationId?: string): CheckVerificationResponse {
  const f = new ReplyFields('Prelude checkVerification', body);
  const metadata = f.object('metadata');
  const status = f.oneOf('status', CHECK_STATUSES, true);
  const needsId = status === 'success' && verificationId !== undefined;
  const id = needsId ? f.matching('id', ID, 'an id', true) : f.matching('id', ID, 'an id');
  if (status === 'success' && verificationId !== undefined && id !== verificationId) {
    throw new OtpUnavailableError('malformed_response', 'Prelude checkVerification: reply is about another verification');
  }
  return compact({
    status,
    id,
    correlationId: metadata?.string('correlation_id'),
    requestId: f.string('request_id'),
  });
}

function networkInfo(r: ReplyFields | undefined): NetworkInfo | undefined {
  if (!r) return undefined;
  return compact({ carrierName: r.string('carrier_name'), mcc: r.string('mcc'), mnc: r.string('mnc') });
}

/** The lookup reply. A line type outside the contract's 19 is malformed: the gate decides by it. */
export function parseLookup(body: unknown): PreludeLookupResponse {
  const f = new ReplyFields('Prelude lookup', body);
  return compact({
    phoneNumber: f.string('phone_number'),
    countryCode: f.string('country_code'),
    lineType: f.oneOf('line_type', LOOKUP_LINE_TYPES),
    flags: f.strings('flags'),
    callerName: f.string('caller_name'),
    networkInfo: networkInfo(f.object('network_info')),
    originalNetworkInfo: networkInfo(f.object('original_network_info')),
  });
}

/**
 * The body of an HTTP 4xx as an OtpApiError, or undefined when it is not Prelude's error shape
 * (the caller then reports a malformed reply). The contract's code list is incomplete (§4), so any
 * snake_case `code` is accepted; `message` must be a string; `param`, `type` and `request_id` are
 * optional strings. The texts are kept only as `context.clean` leaves them.
 */
export function parsePreludeError(body: unknown, status: number, context: ErrorBodyContext): OtpApiError | undefined {
  if (!isObject(body)) return undefined;
  const { code, message, param, type, request_id: requestId } = body;
  if (typeof code !== 'string' || !ERROR_CODE.test(code)) return undefined;
  if (typeof message !== 'string') return undefined;
  for (const extra of [param, type, requestId]) {
    if (extra !== undefined && extra !== null && typeof extra !== 'string') return undefined;
  }
  return new OtpApiError(code, context.clean(message), undefined, status, {
    param: typeof param === 'string' ? context.clean(param) : undefined,
    retryAfter: context.retryAfter,
  });
}
