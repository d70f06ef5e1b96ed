// The small interface the strategy talks to. One implementation per OTP API (Prelude Verify V2,
// Ding V1), each in its own folder beside this file; ./index.ts picks one from the options. A
// provider never sees `req` or the session; the strategy never builds an HTTP request. Business
// refusals (wrong code, rate limited, ...) are results, not exceptions; exceptions are reserved
// for faults (see ../errors.ts).

import type { DeliveryChannel, ProviderCapabilities } from './delivery.js';

export type { DeliveryChannel, ProviderCapabilities } from './delivery.js';

/** Fraud signals the app may pass along with a send. All optional. */
export interface SendSignals {
  /** The end user's IP address (Express `req.ip`). */
  ip?: string | undefined;
  deviceId?: string | undefined;
  deviceType?: 'IOS' | 'ANDROID' | 'WEB' | undefined;
  deviceModel?: string | undefined;
  osVersion?: string | undefined;
  appVersion?: string | undefined;
  userAgent?: string | undefined;
  /** The app vouches that this is a known, genuine returning user. Ding V1 only. */
  isReturningUser?: boolean | undefined;
  /** The dispatch id from Prelude's front-end SDK (36 characters). Prelude V2 only. */
  dispatchId?: string | undefined;
  /** The client's JA4 TLS fingerprint, as your edge or proxy computes it. Prelude V2 only. */
  ja4Fingerprint?: string | undefined;
}

/** Per-send message settings, from the app's `signals(req)` to the provider. */
export interface MessageSettings {
  /** BCP-47 message language, e.g. `en-US`. */
  locale?: string | undefined;
  /** Your own id, echoed in the provider's logs and webhooks. Prelude V2: at most 64 characters. */
  correlationId?: string | undefined;
  templateId?: string | undefined;
  senderId?: string | undefined;
  callbackUrl?: string | undefined;
  /** Android SMS Retriever app hash (11 characters). Ding V1: only with `deviceType: 'ANDROID'`. */
  appRealm?: string | undefined;
}

/** What the strategy asks a provider to send: the E.164 number and the request's signals. */
export interface SendRequest extends MessageSettings {
  /** E.164, already normalised by the strategy. */
  phoneNumber: string;
  signals?: SendSignals | undefined;
  /**
   * The channel the user chose (the strategy's `channel` field), one of the provider's
   * `capabilities.channels`. Absent: the provider's own routing.
   */
  channel?: DeliveryChannel | undefined;
  /**
   * The site's host (`example.com`, `localhost:3000`): send the message in the WebOTP format
   * (last line `@example.com #123456`) so the browser can offer the code. Only to providers whose
   * `capabilities.webOtp` is true. An `appRealm` (Android) of the same request wins.
   */
  webOtpDomain?: string | undefined;
}

/** A provider's answer to a send: a code went out (with its id and times), or a refusal the strategy maps to an outcome code. */
export type SendResult =
  /**
   * A code is on its way (as far as the user may know). `expiresAt` is absent when the API does
   * not say. `riskFactors`: why the provider scored the request as risky, as opaque strings
   * (Prelude V2's `risk_factors`), handed to the verify callback in its details.
   */
  | {
      status: 'sent';
      id: string;
      createdAt: Date;
      expiresAt?: Date | undefined;
      riskFactors?: readonly string[] | undefined;
      /** The channel the provider used or plans first (`sms`, `whatsapp`, `voice`, ...), when it says. */
      channel?: string | undefined;
    }
  /**
   * The provider refused to send for volume reasons. `retryAfter`: the seconds the provider said
   * to wait (an HTTP 429's `Retry-After` / `retry-after-ms`), only when it said; never a guess.
   */
  | { status: 'rate_limited'; retryAfter?: number | undefined }
  /** The provider refused this number: spam, blocklist, unsupported region or line. */
  | { status: 'blocked'; reason: 'spam' | 'blocked_number' | 'unsupported_region' | 'invalid_line'; riskFactors?: readonly string[] | undefined }
  /** The provider says the number is not a valid phone number. */
  | { status: 'invalid_phone_number' };

/** What the strategy asks a provider to check: the pending verification and the code the user typed. */
export interface CheckRequest {
  /** The provider's id for the pending verification (Prelude's `vrf_...`, Ding's auth UUID). */
  id: string;
  /** E.164, from the session. Prelude checks by target, Ding by id. */
  phoneNumber: string;
  code: string;
}

/** A provider's verdict on a code, in the strategy's words. Only `valid` logs a user in. */
export type CheckStatus =
  | 'valid'
  | 'invalid'
  | 'expired'
  | 'too_many_attempts'
  | 'already_validated'
  /** No code was ever sent for this verification. */
  | 'no_attempt'
  /** The verification is unknown to the provider (e.g. a stale id). */
  | 'not_found'
  /** The provider could not say. Treated as a failure, never as success. */
  | 'unknown';

/** A provider's answer to a check. */
export interface CheckResult {
  status: CheckStatus;
}

/**
 * A resend: the pending verification's id and number, with the signals and message settings the
 * app's `signals(req)` gives for the resend's own request (the same fields as a send). Providers
 * use what their API takes: Prelude's resend is a create and sends them all; Ding's /retry takes
 * only the id.
 */
export interface ResendRequest extends SendRequest {
  /** The provider's id for the pending verification. */
  id: string;
}

/** A provider's answer to a resend, with the cooldown and resends left when the provider says them. */
export interface ResendResult {
  status: 'sent' | 'too_soon' | 'exhausted' | 'expired' | 'already_validated' | 'no_attempt' | 'not_found';
  /** Earliest time another resend is accepted, when the provider says. */
  nextRetryAt?: Date | undefined;
  /**
   * `too_soon`: the seconds the provider said to wait (an HTTP 429's `Retry-After`), when it said
   * and gave no `nextRetryAt`. Never a guess: without either the strategy's cooldown applies.
   */
  retryAfter?: number | undefined;
  /** Resends left after this one, when the provider says. */
  remainingRetries?: number | undefined;
  /** A provider that starts a new verification on resend returns its id here. */
  id?: string | undefined;
  /** The channel this resend went by, when the provider says. */
  channel?: string | undefined;
}

/** Line facts for the optional line-type gate. */
export interface LineInfo {
  phoneNumber: string;
  countryCode?: string | undefined;
  lineType?: string | undefined;
  temporary?: boolean | undefined;
  carrier?: string | undefined;
}

/** The interface the strategy talks to. Implement it to use another OTP API: `new DingOtpStrategy({ provider }, verify)`. */
export interface OtpProvider {
  /** Short name for logs and errors: `ding`, `prelude`. */
  readonly name: string;
  /** The channels it can send by and whether it sends WebOTP messages. Absent: SMS only, no WebOTP. */
  readonly capabilities?: ProviderCapabilities | undefined;
  /** Sends a code to a number. Refusals are results; faults are thrown as typed errors. */
  send(request: SendRequest): Promise<SendResult>;
  /** Checks a code against a pending verification. */
  check(request: CheckRequest): Promise<CheckResult>;
  /** Sends a new code for a pending verification. */
  resend(request: ResendRequest): Promise<ResendResult>;
  /** Optional: phone intelligence for the line-type gate. */
  lookup?(phoneNumber: string): Promise<LineInfo>;
  /** Releases every pooled connection. */
  close(): Promise<void>;
}
