// Public types of the sandbox. Everything a user or a test codes against is declared here.
import type { LookupResponseWire } from '../providers/ding/wire.js';
import type { PreludeNumberScript } from './prelude/operations.js';

export type { PreludeNumberScript } from './prelude/operations.js';

/** The six Ding V1 operations, named as the client names them. */
export const SANDBOX_OPERATIONS = [
  'createAuthentication',
  'check',
  'retry',
  'feedback',
  'getAuthenticationStatus',
  'lookup',
] as const;
export type SandboxOperation = (typeof SANDBOX_OPERATIONS)[number];

/**
 * The Prelude Verify V2 operations, served under `/v2`: create and check (named after the SDK's
 * `verification.create` / `.check`) and `GET /v2/lookup/{phone_number}` (`lookupPhoneNumber`,
 * apart from V1's `lookup` in `stats().byOperation`).
 */
export const PRELUDE_SANDBOX_OPERATIONS = ['createVerification', 'checkVerification', 'lookupPhoneNumber'] as const;
export type PreludeSandboxOperation = (typeof PRELUDE_SANDBOX_OPERATIONS)[number];

/** What `fail({ operation })` and `stats().byOperation` name: a V1 or a V2 operation. */
export type AnyOperation = SandboxOperation | PreludeSandboxOperation;

export const FAULT_MODES = [
  'http500',
  'http503',
  'timeout',
  'reset',
  'bad_json',
  'forbidden',
  'unknown_status_value',
] as const;
/**
 * - `http500`: 500 with an `internal_server_error` body; `http503`: 503 `{"message":"Service Unavailable"}`.
 * - `timeout`: the request is read and never answered; the socket is held until `close()`.
 * - `reset`: the connection is reset (TCP RST) after the request is read.
 * - `bad_json`: 200, `application/json`, and a body that is not JSON.
 * - `forbidden`: 403 `{"message":"Forbidden"}`, as for a wrong API key.
 * - `unknown_status_value`: 200 with a value outside the contract (e.g. create status `approved`).
 */
export type FaultMode = (typeof FAULT_MODES)[number];

export interface SandboxFault {
  mode: FaultMode;
  /** How many matching calls get the fault. Default 1. */
  times?: number;
  /** Only calls of this operation (V1 or V2) match. Default: any operation of either API. */
  operation?: AnyOperation;
}

/** Scripted behaviour for one E.164 number. */
export type NumberBehavior =
  /** Create answers 200 with this status; no code is sent. */
  | 'rate_limited'
  | 'spam_detected'
  /** Create answers 400 with this error code. */
  | 'blocked_number'
  | 'unsupported_region'
  | 'invalid_line'
  /** What lookup returns for the number, merged over the defaults (V2's lookup says it the V2 way). */
  | { lookup: Partial<LookupResponseWire> };

export interface CodeEvent {
  /** E.164 number the code was "sent" to. */
  phoneNumber: string;
  code: string;
  authenticationUuid: string;
  /** `send` for a create, `retry` for an approved retry. */
  kind: 'send' | 'retry';
}

export interface DingSandboxOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default `sandbox_` + 32 random hex characters. */
  apiKey?: string;
  /** Default a random v4 UUID. */
  customerUuid?: string;
  /** Digits per code, 1 to 12. Default 6. */
  codeLength?: number;
  /** Life of an authentication in seconds. Default 600. */
  ttlSeconds?: number;
  /** Wrong checks allowed per authentication; the next check answers `rate_limited`. Default 5. */
  maxAttempts?: number;
  /** Seconds between a send and the next accepted retry. Default 30. */
  retryCooldownSeconds?: number;
  /** Retries allowed per authentication. Default 3. */
  maxRetries?: number;
  /** Delay before every answer, in ms. Default 0. */
  latencyMs?: number;
  /** Clock in ms. Default `Date.now`. `advance()` adds to it. */
  now?: () => number;
  /** Called for every code "sent". A throwing callback is ignored. */
  onCode?: (event: CodeEvent) => void;
  /** Scripted behaviour per E.164 number. The V2 API maps these too (see the README). */
  numbers?: Record<string, NumberBehavior>;
  /**
   * Scripted V2-only behaviour per E.164 number, over `numbers` on `/v2`: e.g.
   * `{ status: 'shadow_blocked', reason: 'suspicious' }`, `{ status: 'challenged' }`,
   * `{ error: 'too_many_requests', httpStatus: 429 }`, or a V2 lookup answer
   * `{ lookup: { line_type: 'premium_rate', flags: ['temporary'] } }`.
   */
  preludeNumbers?: Record<string, PreludeNumberScript>;
}

export interface SandboxStats {
  /** TCP connections accepted since start (or the last `reset()`). */
  connectionsOpened: number;
  /** TCP connections open right now. */
  openConnections: number;
  /** The most TCP connections open at once since start (or the last `reset()`): a pool's bound. */
  peakOpenConnections: number;
  /** HTTP requests received since start (or the last `reset()`), including 404s. */
  requests: number;
  /** Requests per operation since start (or the last `reset()`). */
  byOperation: Record<string, number>;
}

export interface DingSandbox {
  /** Base URL for the client, e.g. `http://127.0.0.1:41234/v1`. */
  readonly url: string;
  /**
   * Base URL for Prelude Verify V2 clients (PreludeProvider, `@prelude.so/sdk`), e.g.
   * `http://127.0.0.1:41234`; they add `/v2/...`. `apiKey` is the Bearer token.
   */
  readonly preludeUrl: string;
  readonly port: number;
  readonly apiKey: string;
  readonly customerUuid: string;
  /** The most recent code sent to that number, by either API, if any. */
  latestCode(phoneNumber: string): string | undefined;
  /** Moves the sandbox clock forward by `ms`. */
  advance(ms: number): void;
  /** The next `times` matching calls get `mode`. Faults queue in order. */
  fail(fault: SandboxFault): void;
  stats(): SandboxStats;
  /** Forgets authentications, feedback, codes, faults and counters; keeps the credentials. */
  reset(): void;
  /** Closes the server and destroys every socket, held ones included. Idempotent. */
  close(): Promise<void>;
}
