// Public types of the sandbox. Everything a user or a test codes against is declared here or
// re-exported from the module that owns it.
import type { LookupResponseWire } from '../providers/ding/wire.js';
import type { SandboxFault as CoreSandboxFault } from './core/faults.js';
import type { SandboxStats } from './core/server.js';
import type { WebhookStats } from './core/webhooks.js';
import type { SandboxOperation } from './ding/operations.js';
import type { PreludeNumberScript, PreludeSandboxOperation } from './prelude/operations.js';

export { FAULT_MODES, type FaultMode } from './core/faults.js';
export type { SandboxStats } from './core/server.js';
export type { WebhookStats } from './core/webhooks.js';
export type { TestClock } from './core/clock.js';
export { SANDBOX_OPERATIONS, type SandboxOperation } from './ding/operations.js';
export { PRELUDE_SANDBOX_OPERATIONS, type PreludeNumberScript, type PreludeSandboxOperation } from './prelude/operations.js';

/** What `fail({ operation })` and `stats().byOperation` name: a V1 or a V2 operation. */
export type AnyOperation = SandboxOperation | PreludeSandboxOperation;

/** `fail()`'s argument: `mode`, how many `times` (default 1), and optionally one `operation` (V1 or V2). */
export type SandboxFault = CoreSandboxFault<AnyOperation>;

/** Scripted behaviour for one E.164 number. */
export type NumberBehavior =
  /** Create answers 200 with this status; no code is sent. */
  | 'rate_limited'
  | 'spam_detected'
  /** Create answers 400 with this error code. */
  | 'blocked_number'
  | 'unsupported_region'
  | 'invalid_line'
  /**
   * Create succeeds and a code is "sent" (onCode and latestCode see it), but every delivery
   * report says it never arrived: V1 attempt `failed` and delivery_status `undeliverable` (in
   * the status endpoint's events and the webhooks), V2 `verify.attempt` / `verify.delivery_status`
   * webhooks with `undeliverable`.
   */
  | 'undeliverable'
  /**
   * What lookup returns for the number, merged over the defaults (V2's lookup says it the V2 way).
   * A field set to `undefined` is left out of the answer.
   */
  | { lookup: { [K in keyof LookupResponseWire]?: LookupResponseWire[K] | undefined } };

/** What `onCode` gets for every code the sandbox "sends", by either API. */
export interface CodeEvent {
  /** E.164 number the code was "sent" to. */
  phoneNumber: string;
  code: string;
  authenticationUuid: string;
  /** `send` for a create, `retry` for an approved retry. */
  kind: 'send' | 'retry';
  /**
   * How it went out: `sms` (always, on Ding V1), or on Prelude V2 the `preferred_channel` asked
   * for (`whatsapp`, `rcs`, ...), `voice` for `method: 'voice'`, `whatsapp` for a `challenged` script.
   */
  channel: string;
  /** The V2 reply's `method`: `voice` for a call, else `message` (Ding V1: always `message`). */
  method: 'message' | 'voice';
  /**
   * The text as the user would get it. With Prelude's `app_realm` web its last line is WebOTP's
   * `@<domain> #<code>`; with an Android `app_realm`, the app hash; a call spells the digits.
   */
  message: string;
}

/** Options of `startDingSandbox()`. */
export interface DingSandboxOptions {
  /** Default `127.0.0.1`. */
  host?: string | undefined;
  /** Default 0: an ephemeral port. */
  port?: number | undefined;
  /** Default `sandbox_` + 32 random hex characters. */
  apiKey?: string | undefined;
  /** Default a random v4 UUID. */
  customerUuid?: string | undefined;
  /** Digits per code, 1 to 12. Default 6. */
  codeLength?: number | undefined;
  /** Life of an authentication in seconds. Default 600. */
  ttlSeconds?: number | undefined;
  /** Wrong checks allowed per authentication; the next check answers `rate_limited`. Default 5. */
  maxAttempts?: number | undefined;
  /** Seconds between a send and the next accepted retry. Default 30. */
  retryCooldownSeconds?: number | undefined;
  /** Retries allowed per authentication. Default 3. */
  maxRetries?: number | undefined;
  /** Delay before every answer, in ms. Default 0. */
  latencyMs?: number | undefined;
  /** Clock in ms. Default `Date.now`. `advance()` adds to it. */
  now?: (() => number) | undefined;
  /** Called for every code "sent". A throwing callback is ignored. */
  onCode?: ((event: CodeEvent) => void) | undefined;
  /** Scripted behaviour per E.164 number, for both APIs (each says it its own way: docs/sandbox.md). */
  numbers?: Record<string, NumberBehavior> | undefined;
  /**
   * Scripted V2-only behaviour per E.164 number, over `numbers` on `/v2`: e.g.
   * `{ status: 'shadow_blocked', reason: 'suspicious' }`, `{ status: 'challenged' }`,
   * `{ error: 'too_many_requests', httpStatus: 429 }`, or a V2 lookup answer
   * `{ lookup: { line_type: 'premium_rate', flags: ['temporary'] } }`.
   */
  preludeNumbers?: Record<string, PreludeNumberScript> | undefined;
}

/** A running sandbox, as `startDingSandbox()` returns it. */
export interface DingSandbox {
  /**
   * Base URL for Prelude Verify V2 clients (the strategy's `baseUrl` with `apiKey` alone,
   * `@prelude.so/sdk`), e.g. `http://127.0.0.1:41234`; they add `/v2/...`. `apiKey` is the
   * Bearer token.
   */
  readonly preludeUrl: string;
  /** Base URL for Ding V1 clients (the legacy path, with `customerUuid`), e.g. `http://127.0.0.1:41234/v1`. */
  readonly url: string;
  readonly port: number;
  readonly apiKey: string;
  readonly customerUuid: string;
  /** The most recent code sent to that E.164 number, by either API, if any; a TypeError for a number not in E.164. */
  latestCode(phoneNumber: string): string | undefined;
  /** The most recent code sent to that number with how it went (channel, method, message text), if any. */
  latestDelivery(phoneNumber: string): CodeEvent | undefined;
  /**
   * The sandbox's clock in epoch ms: the `now` option (default `Date.now`) plus every
   * `advance()`. Pass it as the strategy's `now` option so that `advance()` moves the app's
   * expiry and resend cooldown too: `new DingOtpStrategy({ ..., now: sandbox.now }, verify)`.
   */
  readonly now: () => number;
  /** Moves the sandbox clock (and so `now`) forward by `ms`. */
  advance(ms: number): void;
  /**
   * The SPKI PEM public key (`-----BEGIN PUBLIC KEY-----`) that verifies the signatures of this
   * sandbox's V2 webhooks. The RSA-2048 pair is made on first use and lives as long as the sandbox.
   */
  readonly webhookPublicKey: string;
  /** Webhook deliveries to `callback_url`s (see docs/sandbox.md). */
  readonly webhooks: {
    /** Resolves once every delivery so far was acknowledged or given up. */
    settled(): Promise<void>;
    /** Deliveries so far: delivered, failed, dropped, pending. */
    stats(): WebhookStats;
  };
  /** The next `times` matching calls get `mode`. Faults queue in order. */
  fail(fault: SandboxFault): void;
  /** Connections and requests (per operation) since start or the last `reset()`. */
  stats(): SandboxStats;
  /** Forgets authentications, feedback, codes, faults and counters; keeps the credentials and the key pair. */
  reset(): void;
  /**
   * Closes the server and destroys every socket, held ones included; pending webhook deliveries
   * are abandoned (no timer or socket is left). Idempotent.
   */
  close(): Promise<void>;
}
