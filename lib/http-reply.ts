// One HTTP exchange through undici's dispatcher, collected whole: the status, the content type,
// and the body as text when the caller wants it.
//
// Pool.request() wraps every reply in a Readable stream, runs its callbacks in an async resource,
// and hangs the abort signal's clean-up on the stream's 'close' event; body.text() then reads the
// stream back into a string. This client reads small JSON bodies whole and ends calls through its
// own deadline, so it takes the bytes as undici parses them instead and skips that machinery on
// every call. test/providers/shared/http.test.ts covers every way a reply can go wrong (stalls,
// resets, bad HTTP, short or oversized bodies, a deadline before the call even reaches a socket).

import type { Dispatcher } from 'undici';
import type { Deadline } from './deadline.js';

export interface Reply {
  status: number;
  /** The content-type header as undici parsed it (a string; an array if it came twice). */
  contentType: unknown;
  /** The body, when `keep` asked for it; undefined when it was drained and dropped. */
  body: string | undefined;
  /** The `retry-after` and `retry-after-ms` headers as undici parsed them (absent: undefined). */
  retryAfter: unknown;
  retryAfterMs: unknown;
}

/** Whether a reply's body is worth reading, from its status and content type. */
export type KeepBody = (status: number, contentType: unknown) => boolean;

/**
 * A body nobody will read is drained up to this much, so the socket can serve the next call;
 * past it the socket is dropped instead (a new one costs less than reading on).
 */
const DRAIN_LIMIT = 64 * 1024;

class Drained extends Error {}

/** Sends one request on `dispatcher`; resolves with the reply, rejects with undici's error or the deadline's reason. */
export function exchange(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, deadline: Deadline, keep: KeepBody): Promise<Reply> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch(options, new ReplyHandler(resolve, reject, deadline, keep));
  });
}

class ReplyHandler implements Dispatcher.DispatchHandler {
  #status = 0;
  #contentType: unknown = undefined;
  #retryAfter: unknown = undefined;
  #retryAfterMs: unknown = undefined;
  #chunks: Buffer[] | undefined = undefined;
  #drained = 0;
  #controller: Dispatcher.DispatchController | undefined = undefined;
  #settled = false;
  readonly #resolve: (reply: Reply) => void;
  readonly #reject: (err: unknown) => void;
  readonly #deadline: Deadline;
  readonly #keep: KeepBody;

  constructor(resolve: (reply: Reply) => void, reject: (err: unknown) => void, deadline: Deadline, keep: KeepBody) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#deadline = deadline;
    this.#keep = keep;
    deadline.onExpire(this.#onDeadline);
  }

  // A call still queued for a socket has no controller yet: it fails now, and is aborted the
  // moment undici hands it a socket (onRequestStart).
  readonly #onDeadline = (): void => {
    const reason = this.#deadline.reason;
    this.#fail(reason);
    this.#controller?.abort(reason as Error);
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // Called again if undici retries the request on another socket: start over.
    this.#controller = controller;
    this.#chunks = undefined;
    this.#drained = 0;
    // Settled before it had a socket: only the deadline does that.
    if (this.#settled) controller.abort(this.#deadline.reason as Error);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, unknown>): void {
    if (statusCode < 200) return; // 1xx: informational, the real reply follows
    this.#status = statusCode;
    this.#contentType = headers['content-type'];
    this.#retryAfter = headers['retry-after'];
    this.#retryAfterMs = headers['retry-after-ms'];
    this.#chunks = this.#keep(statusCode, this.#contentType) ? [] : undefined;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#chunks) {
      // The pool's maxResponseSize bounds this: past it undici fails the call (onResponseError).
      this.#chunks.push(chunk);
      return;
    }
    this.#drained += chunk.length;
    if (this.#drained > DRAIN_LIMIT) {
      this.#done(undefined);
      controller.abort(new Drained());
    }
  }

  onResponseEnd(): void {
    this.#done(this.#chunks ? decode(this.#chunks) : undefined);
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    this.#fail(err);
  }

  #done(body: string | undefined): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#deadline.offExpire(this.#onDeadline);
    this.#resolve({ status: this.#status, contentType: this.#contentType, body, retryAfter: this.#retryAfter, retryAfterMs: this.#retryAfterMs });
  }

  #fail(err: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#deadline.offExpire(this.#onDeadline);
    this.#reject(err);
  }
}

/** UTF-8, without a byte-order mark (JSON.parse refuses one), as undici's body.text() reads it. */
function decode(chunks: Buffer[]): string {
  const buffer = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  const start = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  return buffer.toString('utf8', start);
}
