// A small JSON-over-HTTPS client: each instance owns one keep-alive undici Pool, to the origin of
// its base URL, one deadline per call (./deadline.ts), replies read whole off the dispatcher
// (./http-reply.ts), and every failure turned into a typed error from ./errors.ts. Pools are not
// shared between instances: two clients for the same base URL (two strategies, say) hold two pools,
// each closed by its own close(). It knows nothing about any one API's routes; the provider gives
// it paths, bodies and a parser for its documented error body.
//
// Nothing here may leak the API key: error messages name the operation (never the path, which can
// hold a phone number), undici errors are copied into a plain `cause` (name, code, message)
// instead of being attached as they are, and the API's own texts are redacted before they are kept
// (./providers/shared/redact.ts). Every call goes through the client's circuit breaker
// (./circuit-breaker.ts), so a dead provider is not called by every request.

import { Pool } from 'undici';
import { Deadline, DeadlineReached, Deadlines } from './deadline.js';
import { exchange, type Reply } from './http-reply.js';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { OtpAuthError, OtpUnavailableError, PassportDingError } from './errors.js';
import { redactUpstreamText } from './providers/shared/redact.js';

export type { CircuitBreakerOptions } from './circuit-breaker.js';

/** What an error-body parser gets besides the body: how to clean texts, and the retry hint. */
export interface ErrorBodyContext {
  /** Redacts an upstream text (the API key, code-shaped digits, phone numbers) before it is kept. */
  clean(text: string): string;
  /** Whole seconds from `Retry-After` / `retry-after-ms`, on a 429 or 503 that carries one. */
  retryAfter: number | undefined;
}

export interface JsonHttpClientOptions {
  /** Absolute base URL, e.g. `https://api.ding.live/v1`. https only, except for loopback hosts. */
  baseUrl: string;
  /** Deadline for one call, connect to last body byte, in milliseconds. Default 5000. */
  timeoutMs?: number | undefined;
  /** Maximum sockets kept to the origin. Default 16. */
  connections?: number | undefined;
  /** Headers sent with every request (e.g. the API key). Never copied into errors. */
  headers?: Record<string, string> | undefined;
  /** Values never kept in an error, even when the API quotes them (the API key). */
  secrets?: readonly string[] | undefined;
  /** The message of the OtpAuthError for HTTP 401/403, instead of the generic one. */
  authErrorHint?: string | undefined;
  /** Consecutive faults before calls fail fast, and for how long. Default on; `false` turns it off. */
  circuitBreaker?: CircuitBreakerOptions | false | undefined;
  /**
   * Turns the JSON body of an error answer (a status in `errorStatuses`) into the API's own error.
   * Returns undefined when the body is not the documented error shape; the call then fails as a
   * malformed response.
   */
  parseErrorBody?: ((body: unknown, status: number, context: ErrorBodyContext) => PassportDingError | undefined) | undefined;
  /**
   * The HTTP statuses whose JSON body goes to `parseErrorBody`. Default `[400]` (Ding V1 documents
   * no other). 401 and 403 are always OtpAuthError and cannot be listed.
   */
  errorStatuses?: readonly number[] | undefined;
  /** Name used in error messages, e.g. `Ding`. */
  serviceName?: string | undefined;
}

export interface JsonRequest {
  method: 'GET' | 'POST';
  /** Path below the base URL's path, starting with `/`. Already percent-encoded. */
  path: string;
  /** Short operation name for error messages, e.g. `check`. Never the path itself. */
  operation: string;
  query?: Record<string, string | readonly string[] | undefined> | undefined;
  headers?: Record<string, string> | undefined;
  /** Sent as JSON (POST only). */
  body?: unknown;
}

export const DEFAULT_TIMEOUT_MS = 5000;
// setTimeout's largest delay: node fires a longer one after 1 ms (with a TimeoutOverflowWarning),
// so every call would time out at once.
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;
export const DEFAULT_CONNECTIONS = 16;
/** A reply bigger than this is not something the API sends; refuse it rather than buffer it. */
const MAX_BODY_BYTES = 1024 * 1024;
/**
 * The longest wait a provider's Retry-After may ask of our clients: a hint of hours is a broken
 * or hostile upstream, and the app passes the figure on to its users.
 */
export const MAX_RETRY_AFTER_SECONDS = 3600;

/** Throws a TypeError unless the URL is https, or http to a loopback host. */
export function validateBaseUrl(baseUrl: unknown): URL {
  if (typeof baseUrl !== 'string' || baseUrl === '') throw new TypeError('baseUrl must be a non-empty string');
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError('baseUrl must be an absolute URL');
  }
  if (url.username !== '' || url.password !== '') throw new TypeError('baseUrl must not contain credentials');
  if (url.search !== '' || url.hash !== '') throw new TypeError('baseUrl must not have a query or fragment');
  if (url.protocol === 'https:') return url;
  // The API key travels in a header: cleartext is only acceptable when it never leaves the host.
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  throw new TypeError('baseUrl must use https (http is allowed only for loopback hosts)');
}

/** localhost, 127.x.x.x or [::1]: a host whose traffic never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  // URL normalises IPv4 forms (`127.1` -> `127.0.0.1`) and lower-cases names.
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** One API's client: owns one connection pool to its base URL's origin, closed by close(). */
export class JsonHttpClient {
  readonly timeoutMs: number;
  readonly #pool: Pool;
  readonly #deadlines: Deadlines;
  readonly #basePath: string;
  // Built once: undici only reads them, so a spread per call would be work for nothing.
  readonly #headers: Record<string, string>;
  readonly #jsonHeaders: Record<string, string>;
  readonly #parseErrorBody: JsonHttpClientOptions['parseErrorBody'];
  readonly #errorStatuses: ReadonlySet<number>;
  readonly #service: string;
  readonly #secrets: readonly string[];
  readonly #authErrorHint: string | undefined;
  readonly #breaker: CircuitBreaker | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: JsonHttpClientOptions) {
    const url = validateBaseUrl(options.baseUrl);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new TypeError('timeoutMs must be a positive integer');
    if (timeoutMs > MAX_TIMEOUT_MS) throw new TypeError(`timeoutMs must be at most ${MAX_TIMEOUT_MS} (about 24.8 days, the longest timer)`);
    const connections = options.connections ?? DEFAULT_CONNECTIONS;
    if (!Number.isInteger(connections) || connections <= 0) {
      throw new TypeError('connections must be a positive integer');
    }
    this.timeoutMs = timeoutMs;
    this.#deadlines = new Deadlines(timeoutMs);
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#headers = { ...options.headers, accept: 'application/json' };
    this.#jsonHeaders = { ...this.#headers, 'content-type': 'application/json' };
    this.#parseErrorBody = options.parseErrorBody;
    const errorStatuses = options.errorStatuses ?? [400];
    if (!Array.isArray(errorStatuses) || !errorStatuses.every((s) => Number.isInteger(s) && s >= 400 && s <= 499 && s !== 401 && s !== 403)) {
      throw new TypeError('errorStatuses must be 4xx statuses other than 401 and 403');
    }
    this.#errorStatuses = new Set(errorStatuses);
    this.#service = options.serviceName ?? 'API';
    this.#secrets = (options.secrets ?? []).filter((x) => typeof x === 'string' && x !== '');
    this.#authErrorHint = options.authErrorHint;
    this.#breaker = options.circuitBreaker === false ? undefined : new CircuitBreaker(this.#service, options.circuitBreaker);
    // undici's own timeouts are minutes by default; ours are the call deadline. They catch a
    // stall at each stage; the Deadline in request() bounds the whole call.
    this.#pool = new Pool(url.origin, {
      connections,
      connect: { timeout: timeoutMs },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      keepAliveTimeout: 4_000,
      maxResponseSize: MAX_BODY_BYTES,
    });
  }

  /**
   * Sends one request and returns the parsed JSON body of an HTTP 200; throws a typed error
   * otherwise. While the circuit breaker is open it throws OtpUnavailableError('circuit_open')
   * without calling.
   */
  request(req: JsonRequest): Promise<unknown> {
    const breaker = this.#breaker;
    if (breaker === undefined || breaker.closed) return this.#request(req, breaker);
    return breaker.run(() => this.#request(req, undefined));
  }

  /**
   * One call, with its deadline, the retry of a GET, and its errors typed. `breaker` (when closed
   * at the start) hears how it ended, as CircuitBreaker.run() would tell it, without a closure and
   * an async step of its own around every call.
   */
  async #request(req: JsonRequest, breaker: CircuitBreaker | undefined): Promise<unknown> {
    const deadline = this.#deadlines.start();
    let value: unknown;
    let failure: Error | undefined;
    try {
      value = this.#read(await this.#send(req, deadline), req);
    } catch (err) {
      try {
        // A GET is safe to repeat; a POST may have sent an SMS or spent an attempt, so never.
        if (req.method !== 'GET' || !this.#isConnectionFailure(err, deadline)) throw err;
        value = this.#read(await this.#send(req, deadline), req);
      } catch (err) {
        failure = this.#toTypedError(err, req.operation, deadline);
      }
    }
    deadline.clear();
    const telling = breaker?.settle(failure !== undefined, failure);
    if (telling) await telling;
    if (failure !== undefined) throw failure;
    return value;
  }

  /** Closes every pooled socket; waits for calls in flight (each is bounded by its deadline). */
  close(): Promise<void> {
    this.#closing ??= this.#pool.close();
    return this.#closing;
  }

  #send(req: JsonRequest, deadline: Deadline): Promise<Reply> {
    // null, not undefined, for no body: undici reads both as none, and its type takes only null.
    const body = req.body === undefined ? null : JSON.stringify(req.body);
    let headers = body === null ? this.#headers : this.#jsonHeaders;
    if (req.headers) headers = { ...headers, ...req.headers, accept: 'application/json' };
    return exchange(
      this.#pool,
      {
        method: req.method,
        path: this.#basePath + req.path + queryString(req.query),
        headers,
        body,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      },
      deadline,
      this.#keepBody,
    );
  }

  /** The parsed JSON body of an HTTP 200; throws the typed error of any other reply. */
  #read(reply: Reply, req: JsonRequest): unknown {
    const status = reply.status;
    const label = `${this.#service} ${req.operation}`;

    // The provider's own hint, on the two statuses that carry one by definition.
    const retryAfter = status === 429 || status === 503 ? retryAfterSeconds(reply, Date.now()) : undefined;
    if (status === 200 || this.#errorStatuses.has(status)) {
      const json = parseJson(reply, label, retryAfter);
      if (status === 200) return json;
      const apiError = this.#parseErrorBody?.(json, status, { clean: this.#clean, retryAfter });
      if (apiError) throw apiError;
      throw new OtpUnavailableError('malformed_response', `${label}: HTTP ${status} without a documented error body`, {
        status,
        retryAfter,
      });
    }

    // Any other answer: its body was drained (so the socket can be reused) and dropped.
    if (status === 401 || status === 403) {
      throw new OtpAuthError(status, this.#authErrorHint === undefined ? undefined : `${this.#authErrorHint} (HTTP ${status})`);
    }
    // 3xx included: following a redirect could carry the API key to another host.
    throw new OtpUnavailableError('server_error', `${label}: unexpected HTTP ${status}`, { status, retryAfter });
  }

  readonly #clean = (text: string): string => redactUpstreamText(text, this.#secrets);

  // Bodies worth reading: JSON, of a 200 or of a status with a documented error body.
  readonly #keepBody = (status: number, contentType: unknown): boolean =>
    (status === 200 || this.#errorStatuses.has(status)) && isJsonContentType(contentType);

  #isConnectionFailure(err: unknown, deadline: Deadline): boolean {
    return !deadline.expired && !(err instanceof PassportDingError) && classify(err) === 'connection';
  }

  #toTypedError(err: unknown, operation: string, deadline: Deadline): Error {
    // Our own typed errors (auth, API, malformed reply) pass through untouched.
    if (err instanceof PassportDingError) return err;
    const label = `${this.#service} ${operation}`;
    const cause = safeCause(err);
    if (deadline.reason instanceof DeadlineReached || err instanceof DeadlineReached) {
      return new OtpUnavailableError('timeout', `${label}: no complete reply within ${this.timeoutMs} ms`, { cause });
    }
    // The pool's maxResponseSize: past it undici drops the socket, so a huge or endless body costs
    // at most MAX_BODY_BYTES of memory.
    if (errorCode(err) === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
      return new OtpUnavailableError('malformed_response', `${label}: reply is too large`, { cause });
    }
    const reason = classify(err);
    const what =
      reason === 'timeout'
        ? `no complete reply within ${this.timeoutMs} ms`
        : reason === 'malformed_response'
          ? 'reply is not valid HTTP'
          : 'connection failed';
    return new OtpUnavailableError(reason, `${label}: ${what}`, { cause });
  }
}

/**
 * The provider's retry hint in whole seconds (at least 1, at most MAX_RETRY_AFTER_SECONDS):
 * `retry-after-ms` (what Prelude's SDKs read first), else `Retry-After` as seconds or an HTTP
 * date. Undefined when absent or unreadable.
 */
export function retryAfterSeconds(reply: Pick<Reply, 'retryAfter' | 'retryAfterMs'>, now: number): number | undefined {
  let ms: number | undefined;
  const inMs = typeof reply.retryAfterMs === 'string' ? reply.retryAfterMs.trim() : '';
  if (/^\d+(\.\d+)?$/.test(inMs)) ms = Number(inMs);
  else if (typeof reply.retryAfter === 'string') {
    const value = reply.retryAfter.trim();
    if (/^\d+$/.test(value)) ms = Number(value) * 1000;
    else {
      const at = Date.parse(value);
      if (Number.isFinite(at) && /[a-z]/i.test(value)) ms = at - now;
    }
  }
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return undefined;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(ms / 1000)));
}

/**
 * A provider's wait in seconds (a custom provider's `retryAfter`, Prelude's 429 wait once read) as
 * an answer's `retryAfter`: whole seconds from 1 to MAX_RETRY_AFTER_SECONDS. Undefined for
 * anything but a positive finite number (a custom provider's NaN or negative is no wait at all).
 */
export function boundedRetryAfter(seconds: unknown): number | undefined {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return undefined;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(seconds)));
}

/** The `code` of a Node or undici error (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...), '' when it has none. */
export function errorCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
}

function isNamed(err: unknown, name: string): boolean {
  return err instanceof Error && err.name === name;
}

function classify(err: unknown): 'timeout' | 'connection' | 'malformed_response' {
  const code = errorCode(err);
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return 'timeout';
  }
  // A reply that is not HTTP. Not by its `HPE_` code: undici 7 looks that code up by the wrong
  // key and leaves it undefined, so the error's name is what tells it.
  if (isNamed(err, 'HTTPParserError') || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return 'malformed_response';
  // Resets, refusals, DNS failures, a closed pool: the service could not be reached.
  return 'connection';
}

/** A plain copy of an underlying error: undici errors can hold sockets and request state. */
function safeCause(err: unknown): Error | undefined {
  if (!(err instanceof Error)) return undefined;
  const copy = new Error(err.message);
  copy.name = err.name;
  if ('code' in err && typeof err.code === 'string') Object.assign(copy, { code: err.code });
  delete copy.stack;
  return copy;
}

function queryString(query: JsonRequest['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    // Form style, repeated: `?type=a&type=b`.
    for (const v of typeof value === 'string' ? [value] : value) params.append(key, v);
  }
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

/** The JSON body of a reply whose status calls for one. */
function parseJson(reply: Reply, label: string, retryAfter: number | undefined): unknown {
  const { status, body } = reply;
  // Not kept: the reply was not application/json (a gateway's page, say: its retry hint still counts).
  if (body === undefined) throw new OtpUnavailableError('malformed_response', `${label}: reply is not application/json`, { status, retryAfter });
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new OtpUnavailableError('malformed_response', `${label}: reply is not valid JSON`, { status, retryAfter });
  }
}

function isJsonContentType(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  // What Ding sends, answered without splitting; anything else is parsed.
  if (value === 'application/json' || value.startsWith('application/json;')) return true;
  const mediaType = value.split(';', 1)[0]?.trim().toLowerCase();
  return mediaType === 'application/json';
}
