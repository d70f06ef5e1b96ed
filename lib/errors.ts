// One error class per failure kind, named after the failure rather than the provider, each with a
// stable `code` (after undici's lib/core/errors.js).
// None of them carries the API key, the request body or the upstream response body: they may be
// logged or shown by the app, so they hold only what is safe to show an operator.
//
// `status` (and its alias `statusCode`) is what the app should answer its own client, read by
// Express's default error handler: 5xx for every one of these, since each is our fault or the
// provider's, never the user's. The provider's own HTTP status is `upstreamStatus`. Keeping the
// two apart stops a 403 from Ding (our bad API key) from reaching the user as a 403.

/** Base class: every error this package throws or passes to `error()` is one of these. */
export class PassportDingError extends Error {
  readonly code: string = 'PASSPORT_DING_ERROR';
  /** The HTTP status for the app's own reply. */
  readonly status: number = 500;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
  /** Alias of `status`, for error handlers that read `statusCode`. */
  get statusCode(): number {
    return this.status;
  }
}

/**
 * The OTP API answered with a documented error body. `apiCode` is the API's own error code
 * (`invalid_phone_number`, `account_invalid`, ...) and `apiMessage` its text. `message` is ours
 * and names only the code: apps render `err.message`, and the API's text is for the operator.
 */
export class OtpApiError extends PassportDingError {
  override readonly code = 'DING_API_ERROR';
  override readonly status = 502;
  /** The provider's HTTP status: 400 for Ding V1's documented errors, any 4xx for Prelude V2. */
  readonly upstreamStatus: number;
  readonly apiCode: string;
  /**
   * The API's own text, for logs, never for the end user: phone numbers masked, and the API key
   * and anything shaped like a code (a run of 4 to 10 digits) blanked out.
   */
  readonly apiMessage: string;
  readonly docUrl: string | undefined;
  /** The request field the API names, when it names one (Prelude V2's `param`). */
  readonly param: string | undefined;
  /** Seconds the provider asked us to wait (`Retry-After`), when it said. */
  readonly retryAfter: number | undefined;
  constructor(
    apiCode: string,
    apiMessage: string,
    docUrl?: string,
    upstreamStatus = 400,
    extra?: { param?: string | undefined; retryAfter?: number | undefined },
  ) {
    super(`The OTP API refused the request (${apiCode})`);
    this.apiMessage = apiMessage;
    this.upstreamStatus = upstreamStatus;
    this.apiCode = apiCode;
    this.docUrl = docUrl;
    this.param = extra?.param;
    this.retryAfter = extra?.retryAfter;
  }
}

/**
 * The API refused the credentials (HTTP 401/403): a wrong or revoked API key. When the provider
 * was inferred from the credentials, the message says which other provider the key may belong to.
 */
export class OtpAuthError extends PassportDingError {
  override readonly code = 'DING_AUTH_ERROR';
  override readonly status = 502;
  /** The provider's HTTP status: 401 or 403. */
  readonly upstreamStatus: number;
  constructor(upstreamStatus: number, hint?: string) {
    super(hint ?? `The OTP API refused the credentials (HTTP ${upstreamStatus}); check the API key`);
    this.upstreamStatus = upstreamStatus;
  }
}

/** `circuit_open`: the provider failed repeatedly and is not being called for a few seconds. */
export type UnavailableReason = 'timeout' | 'connection' | 'server_error' | 'malformed_response' | 'circuit_open';

/**
 * The API could not be used right now: a deadline passed, the connection failed or was reset,
 * it answered 5xx or another undocumented status, its reply did not match the contract, or the
 * circuit breaker is open after repeated faults.
 *
 * `retryAfter` (seconds) is set when the provider said how long to wait (an HTTP 429 with
 * `Retry-After` or `retry-after-ms`) or the circuit breaker knows; `headers` then holds the
 * matching `Retry-After`, which Express's default error handler copies onto its 503.
 */
export class OtpUnavailableError extends PassportDingError {
  override readonly code = 'DING_UNAVAILABLE';
  override readonly status = 503;
  readonly reason: UnavailableReason;
  /** The provider's HTTP status, when it answered at all. */
  readonly upstreamStatus: number | undefined;
  /** Whole seconds to wait before trying again, when known. */
  readonly retryAfter: number | undefined;
  /** `{ 'retry-after': '<seconds>' }` when `retryAfter` is known (read by Express's finalhandler). */
  readonly headers: Readonly<Record<string, string>> | undefined;
  constructor(
    reason: UnavailableReason,
    message: string,
    options?: { status?: number | undefined; cause?: unknown; retryAfter?: number | undefined },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.upstreamStatus = options?.status;
    const retryAfter = options?.retryAfter;
    this.retryAfter = retryAfter;
    this.headers = retryAfter === undefined ? undefined : { 'retry-after': String(retryAfter) };
  }
}

/** The limit store (Redis) could not be read or written; nothing was sent or checked, unless `codeSent` says otherwise. */
export class LimitStoreError extends PassportDingError {
  override readonly code = 'PASSPORT_DING_LIMIT_STORE';
  /** A store the app depends on is down: 503, as for the provider. */
  override readonly status = 503;
  /**
   * `true` when the store failed once the provider had sent the code (Prelude: recording who owns
   * the number's window): the SMS went out, and is on the bill, though the step failed. `false`:
   * nothing was sent or checked.
   */
  readonly codeSent: boolean;
  constructor(message: string, options?: { cause?: unknown; codeSent?: boolean | undefined }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.codeSent = options?.codeSent === true;
  }
}

/** Passport was set up wrong: no session middleware, a bad option. A bug in the app, not the user. */
export class OtpConfigurationError extends PassportDingError {
  override readonly code = 'DING_CONFIGURATION_ERROR';
}

// The names before Prelude: the same classes under their old names, so `instanceof DingApiError`
// and `catch (e) { if (e instanceof DingUnavailableError) ... }` keep working. The `code` values
// are unchanged for the same reason. `PreludeApiError` was a subclass of DingApiError with
// `param`; `param` now lives on OtpApiError and the name is one more alias.
export { OtpApiError as DingApiError, OtpApiError as PreludeApiError };
export { OtpAuthError as DingAuthError };
export { OtpUnavailableError as DingUnavailableError };
export { OtpConfigurationError as DingConfigurationError };
