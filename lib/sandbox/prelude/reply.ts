// V2 error answers: `{ code, message, param? }`, the Bearer key check, and the
// body parse error in V2's shape.
import type { ErrorResponseWire, PreludeErrorCode } from '../../providers/prelude/wire.js';
import { parseJsonObject } from '../core/body.js';
import { keyMatcher } from '../core/key.js';
import type { Reply } from '../core/reply.js';

/** An error body with its HTTP status: 400 for input, 401 for the key, 422/429/500 as scripted. */
export function preludeError(code: PreludeErrorCode, message: string, param?: string, status = 400): Reply {
  const body: ErrorResponseWire = { code, message };
  if (param !== undefined) body.param = param;
  return { status, body };
}

export const UNAUTHORIZED_MISSING: Reply = preludeError('invalid_bearer_token', 'An Authorization: Bearer token is required', undefined, 401);
export const UNAUTHORIZED_WRONG: Reply = preludeError('invalid_api_key', 'The API key is not valid', undefined, 401);

/** Checks `Authorization: Bearer <key>`; the 401 to answer, or undefined when it is the key. */
export function preludeAuthorizer(apiKey: string): (header: string | string[] | undefined) => Reply | undefined {
  const isKey = keyMatcher(apiKey);
  return (header) => {
    const token = typeof header === 'string' ? /^Bearer +([\x21-\x7e]+)$/i.exec(header)?.[1] : undefined;
    if (token === undefined) return UNAUTHORIZED_MISSING;
    return isKey(token) ? undefined : UNAUTHORIZED_WRONG;
  };
}

/** The body as a JSON object, or the V2 400 to answer. */
export function parsePreludeBody(data: Buffer, contentType: string | undefined): { body: Record<string, unknown> } | { reply: Reply } {
  const parsed = parseJsonObject(data, contentType);
  return 'body' in parsed ? parsed : { reply: preludeError('invalid_request', parsed.problem) };
}
