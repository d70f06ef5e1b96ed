// V2 error answers: `{ code, message, param? }` (CONTRACT.md §4). The Reply type is the V1
// sandbox's: status, JSON body or raw text, headers.
import type { ErrorResponseWire, PreludeErrorCode } from '../../providers/prelude/wire.js';
import type { Reply } from '../reply.js';

/** An error body with its HTTP status: 400 for input, 401 for the key, 422/429/500 as scripted. */
export function preludeError(code: PreludeErrorCode, message: string, param?: string, status = 400): Reply {
  const body: ErrorResponseWire = { code, message };
  if (param !== undefined) body.param = param;
  return { status, body };
}

export const UNAUTHORIZED_MISSING: Reply = preludeError('invalid_bearer_token', 'An Authorization: Bearer token is required', undefined, 401);
export const UNAUTHORIZED_WRONG: Reply = preludeError('invalid_api_key', 'The API key is not valid', undefined, 401);
