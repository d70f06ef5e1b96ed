// Every way a step can end without a login, in one table: the stable `code` apps branch on, the
// HTTP status Passport answers with, and a default message fit to show the user. The strategy
// turns a row into `fail({ message, code, retryAfter? }, status)`, so flash messages,
// `failureMessage`, custom callbacks and JSON clients all read the same shape.

/** Every outcome code with its HTTP status and default English message. */
export const OUTCOMES = {
  missing_phone_number: { status: 400, message: 'Enter your phone number.' },
  invalid_phone_number: { status: 400, message: 'That phone number is not valid.' },
  // A national number with no way to tell its country (no `+`, no `defaultCountry`).
  missing_country_code: { status: 400, message: 'Include the country code, starting with + (for example +1 201 555 0142).' },
  // The phone field holds something other than text: a JSON number, an array, an object.
  malformed_phone_number: { status: 400, message: 'The phone number must be a string, for example "+12015550142".' },
  missing_code: { status: 400, message: 'Enter the code we sent you.' },
  // Not a code at all: letters, the wrong number of digits, not a string. No attempt is spent.
  // With `codeLength` set the default message names the length ("Enter the 6-digit code.").
  malformed_code: { status: 400, message: 'Enter the code we sent you, digits only.' },
  no_pending_verification: { status: 403, message: 'No code is waiting to be checked. Request a new code.' },
  invalid_code: { status: 401, message: 'That code is not correct.' },
  expired: { status: 401, message: 'That code has expired. Request a new one.' },
  too_many_attempts: { status: 429, message: 'Too many wrong codes. Request a new one.' },
  retry_too_soon: { status: 429, message: 'Please wait before requesting another code.' },
  retries_exhausted: { status: 429, message: 'No more codes can be sent. Enter the last code we sent you, or try again later.' },
  rate_limited: { status: 429, message: 'Too many requests. Try again later.' },
  blocked: { status: 403, message: 'Codes cannot be sent to this number.' },
  // The app's `beforeSend` hook (a CAPTCHA or bot check) said no.
  challenge_failed: { status: 403, message: 'Please complete the security check and try again.' },
  // The `channel` field of a send or resend names a channel outside the `channels` option (or is
  // not a string). Nothing was sent and nothing spent; the pending verification stays.
  channel_not_allowed: { status: 400, message: 'Codes cannot be sent that way. Choose another way to get your code.' },
  // The app's verify callback declined the user (`done(null, false)` or a promise of `false`).
  declined: { status: 401, message: 'Sign-in was refused.' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A stable outcome code: the `code` of every refusal. */
export type OutcomeCode = keyof typeof OUTCOMES;

/** Every outcome code, in the order of {@link OUTCOMES}. */
export const OUTCOME_CODES = Object.keys(OUTCOMES) as OutcomeCode[];

/** What `fail()` receives: the same shape for every refusal. */
export interface FailureInfo {
  /** Stable machine-readable reason, one of {@link OutcomeCode} (or the app's own, when it declines). */
  code: string;
  /** Text fit to show the user. */
  message: string;
  /** Seconds to wait before trying again (`retry_too_soon`; `rate_limited` when a limit of this library refused). */
  retryAfter?: number | undefined;
  /** Wrong codes still allowed for the pending verification (`invalid_code`). */
  attemptsLeft?: number | undefined;
}

/** Per-code message overrides (for another language or tone). */
export type OutcomeMessages = { [K in OutcomeCode]?: string | undefined };

export interface Outcome {
  info: FailureInfo;
  status: number;
}

/** Builds the info and status for `code`; `extra` adds `retryAfter` / `attemptsLeft`. */
export function outcome(
  code: OutcomeCode,
  extra?: { retryAfter?: number; attemptsLeft?: number },
  messages?: OutcomeMessages,
): Outcome {
  const row = OUTCOMES[code];
  const info: FailureInfo = { code, message: messages?.[code] ?? row.message };
  if (extra?.retryAfter !== undefined) info.retryAfter = extra.retryAfter;
  if (extra?.attemptsLeft !== undefined) info.attemptsLeft = extra.attemptsLeft;
  return { info, status: row.status };
}

/**
 * An app's refusal (`decline(info, status)`, `done(null, false, info)`, a `beforeSend` verdict) as
 * an outcome: the app's code and message over `fallback`'s, any other fields kept. A status
 * outside 400-499 (a 200 or a redirect would read as success) falls back to `fallback`'s.
 */
export function declinedOutcome(fallback: 'declined' | 'challenge_failed', info: unknown, status: unknown, messages?: OutcomeMessages): Outcome {
  const base = outcome(fallback, undefined, messages);
  const valid = typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 500;
  const finalStatus = valid ? status : base.status;
  if (typeof info === 'string') return { info: { ...base.info, message: info }, status: finalStatus };
  if (info === null || typeof info !== 'object') return { info: base.info, status: finalStatus };
  const given = info as Partial<FailureInfo>;
  const merged: FailureInfo = {
    ...base.info,
    ...given,
    code: typeof given.code === 'string' ? given.code : base.info.code,
    message: typeof given.message === 'string' ? given.message : base.info.message,
  };
  return { info: merged, status: finalStatus };
}
