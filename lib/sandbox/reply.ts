// What an operation answers, before it is written to the socket. Every body is JSON except the
// `bad_json` fault's, which is raw text on purpose.
import type { DingErrorCode, ErrorResponseWire } from '../providers/ding/wire.js';

export interface Reply {
  status: number;
  /** Serialised with JSON.stringify. */
  body?: unknown;
  /** Sent as is instead of `body` (the `bad_json` fault). */
  raw?: string;
  headers?: Record<string, string>;
}

const DOC_URL = 'https://docs.prelude.so/verify/v1/documentation/errors#';

export function ok(body: unknown): Reply {
  return { status: 200, body };
}

/** HTTP 400 with Ding's ErrorResponse: all three fields, always. */
export function dingError(code: DingErrorCode, message: string): Reply {
  const body: ErrorResponseWire = { code, message, doc_url: DOC_URL + code };
  return { status: 400, body };
}

/** API-gateway style answers that are not in the spec: 403, 404, 405, 503. */
export function gatewayError(status: number, message: string, headers?: Record<string, string>): Reply {
  return headers ? { status, body: { message }, headers } : { status, body: { message } };
}

export const FORBIDDEN: Reply = gatewayError(403, 'Forbidden');
