// One error class per failure kind, each with a stable `code` (after undici's lib/core/errors.js).
// None of them carries the API key, the request body or the upstream response body: they may be
// logged or shown by the app, so they hold only what is safe to show an operator.

/** Base class: every error this package throws or passes to `error()` is one of these. */
export class PassportDingError extends Error {
  readonly code: string = 'PASSPORT_DING_ERROR';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The OTP API answered HTTP 400 with a documented error body. `apiCode` is the API's own
 * error code (`invalid_phone_number`, `account_invalid`, ...); `message` is its text.
 */
export class DingApiError extends PassportDingError {
  override readonly code = 'DING_API_ERROR';
  readonly status: number;
  readonly apiCode: string;
  readonly docUrl: string | undefined;
  constructor(apiCode: string, message: string, docUrl?: string, status = 400) {
    super(message);
    this.status = status;
    this.apiCode = apiCode;
    this.docUrl = docUrl;
  }
}

/** The API refused the credentials (HTTP 401/403): a wrong or revoked API key. */
export class DingAuthError extends PassportDingError {
  override readonly code = 'DING_AUTH_ERROR';
  readonly status: number;
  constructor(status: number) {
    super(`The OTP API refused the credentials (HTTP ${status}); check the API key`);
    this.status = status;
  }
}

export type UnavailableReason = 'timeout' | 'connection' | 'server_error' | 'malformed_response';

/**
 * The API could not be used right now: a deadline passed, the connection failed or was reset,
 * it answered 5xx or another undocumented status, or its reply did not match the contract.
 */
export class DingUnavailableError extends PassportDingError {
  override readonly code = 'DING_UNAVAILABLE';
  readonly reason: UnavailableReason;
  readonly status: number | undefined;
  constructor(reason: UnavailableReason, message: string, options?: { status?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.status = options?.status;
  }
}

/** Passport was set up wrong: no session middleware, a bad option. A bug in the app, not the user. */
export class DingConfigurationError extends PassportDingError {
  override readonly code = 'DING_CONFIGURATION_ERROR';
}
