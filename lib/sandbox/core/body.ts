// Reading and parsing request bodies, defensively: a size cap, UTF-8 only, a JSON object only.
import type { IncomingMessage } from 'node:http';

/** Bodies above this get the API's 400; no Ding or Prelude request comes near it. */
export const BODY_LIMIT = 64 * 1024;
/** Past this much (discarded) input the connection is dropped instead of drained. */
const DRAIN_LIMIT = 1024 * 1024;

export type BodyResult = { kind: 'ok'; data: Buffer } | { kind: 'too_large' } | { kind: 'aborted' };

/**
 * Reads the whole body. An oversized body is drained (up to DRAIN_LIMIT) before the answer, so
 * the client reads our 400 instead of a reset caused by unread data.
 */
export function readBody(req: IncomingMessage): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > DRAIN_LIMIT) {
        req.socket.destroy();
        settle({ kind: 'aborted' });
      } else if (size <= BODY_LIMIT) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => settle(size > BODY_LIMIT ? { kind: 'too_large' } : { kind: 'ok', data: Buffer.concat(chunks) }));
    req.on('error', () => settle({ kind: 'aborted' }));
    req.on('close', () => settle({ kind: 'aborted' }));
  });
}

function isJsonType(contentType: string | undefined): boolean {
  const media = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'));
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The body as a JSON object, or why it is not one (each API says it in its own error shape). */
export function parseJsonObject(data: Buffer, contentType: string | undefined): { body: Record<string, unknown> } | { problem: string } {
  if (data.length === 0) return { problem: 'a JSON request body is required' };
  if (!isJsonType(contentType)) return { problem: 'Content-Type must be application/json' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data));
  } catch {
    return { problem: 'the request body is not valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { problem: 'the request body must be a JSON object' };
  }
  return { body: parsed as Record<string, unknown> };
}
