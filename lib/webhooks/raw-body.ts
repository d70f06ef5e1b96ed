// The request body as the bytes that were sent, whatever ran before the webhook handler. A
// signature covers exact bytes, so the handler reads the stream itself when nothing has; after a
// body parser it takes what the parser left: a Buffer (`express.raw()`), a `rawBody` Buffer (a
// common `verify` hook), a string (`express.text()`), or, after `express.json()`, the parsed
// object serialised again. That last one matches what was signed only when the sender wrote plain
// `JSON.stringify` output; mount the webhook route before `express.json()` to be sure.

import type { IncomingMessage } from 'node:http';

/** Webhook bodies are a few hundred bytes; anything near this is not one. */
export const MAX_WEBHOOK_BODY = 64 * 1024;

export type RawBody = { ok: true; body: Buffer } | { ok: false; status: 400 | 413 };

interface ParsedRequest extends IncomingMessage {
  body?: unknown;
  rawBody?: unknown;
}

function readStream(req: IncomingMessage, limit: number): Promise<RawBody> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: RawBody): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      resolve(result);
    };
    const onData = (chunk: Buffer | string): void => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > limit) {
        finish({ ok: false, status: 413 });
        // Drain the rest unseen, so the connection can still carry the answer.
        req.resume();
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = (): void => finish({ ok: true, body: Buffer.concat(chunks, size) });
    const onError = (): void => finish({ ok: false, status: 400 });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

export async function rawBody(req: IncomingMessage, limit = MAX_WEBHOOK_BODY): Promise<RawBody> {
  const r = req as ParsedRequest;
  if (!r.readableEnded) return readStream(r, limit);
  let body: Buffer | undefined;
  if (Buffer.isBuffer(r.rawBody)) body = r.rawBody;
  else if (Buffer.isBuffer(r.body)) body = r.body;
  else if (typeof r.body === 'string') body = Buffer.from(r.body);
  else if (r.body !== null && typeof r.body === 'object') body = Buffer.from(JSON.stringify(r.body));
  if (!body) return { ok: false, status: 400 };
  if (body.length > limit) return { ok: false, status: 413 };
  return { ok: true, body };
}
