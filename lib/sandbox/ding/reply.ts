// Ding V1 error answers: HTTP 400 with the spec's ErrorResponse.
import type { DingErrorCode, ErrorResponseWire } from '../../providers/ding/wire.js';
import type { Reply } from '../core/reply.js';

const DOC_URL = 'https://docs.prelude.so/verify/v1/documentation/errors#';

/** HTTP 400 with Ding's ErrorResponse: all three fields, always. */
export function dingError(code: DingErrorCode, message: string): Reply {
  const body: ErrorResponseWire = { code, message, doc_url: DOC_URL + code };
  return { status: 400, body };
}
