// What an operation answers, before it is written to the socket. Every body is JSON except the
// `bad_json` fault's, which is raw text on purpose. Error bodies in an API's own shape live in
// that API's module (../ding/reply.ts, ../prelude/reply.ts); only the gateway-style answers that
// no API spec declares (403, 404, 405, 503) are shared.

export interface Reply {
  status: number;
  /** Serialised with JSON.stringify. */
  body?: unknown;
  /** Sent as is instead of `body` (the `bad_json` fault). */
  raw?: string;
  headers?: Record<string, string>;
}

export function ok(body: unknown): Reply {
  return { status: 200, body };
}

/** API-gateway style answers that are not in the spec: 403, 404, 405, 503. */
export function gatewayError(status: number, message: string, headers?: Record<string, string>): Reply {
  return headers ? { status, body: { message }, headers } : { status, body: { message } };
}

export const FORBIDDEN: Reply = gatewayError(403, 'Forbidden');
