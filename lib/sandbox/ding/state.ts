// The authentication state machine and its store. No HTTP here: each method takes a validated
// request and returns the wire body, so the rules read in one place.
//
//   create  -> code sent, status pending; expires_at = now + ttl; first retry at now + cooldown
//   check   -> already_validated | expired_auth | rate_limited (after maxAttempts wrong checks)
//              | valid (once) | invalid (counts an attempt); without_attempt if nothing was sent
//   retry   -> no_attempt | already_validated | expired_auth | rate_limited (retries spent, or
//              checks spent) | denied (cooldown) | approved (new code; the old one stops working)
//
// A repeated create for the same number opens a new, independent authentication, as the V1 API
// did for apps created before 2024-05-22 (later apps got "stateless" re-use of a live one).
// With a `callback_url`, each send also goes out as webhook events (./webhooks.ts).
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { newCode, sameCode } from '../core/codes.js';
import type {
  AuthenticationEventWire,
  AuthenticationStatusResponseWire,
  CheckStatus,
  CreateAuthenticationRequestWire,
  CreateAuthenticationResponseWire,
  CreateCheckResponseWire,
  FeedbackStatus,
  RetryAuthenticationResponseWire,
  RetryStatus,
  SignalsWire,
} from '../../providers/ding/wire.js';
import { rfc3339, type SandboxClock } from '../core/clock.js';
import type { CodeEvent } from '../types.js';
import { deliveryMessage } from '../core/message.js';
import { dingEvent, type DingWebhookEvent } from './webhooks.js';

export interface StateSettings {
  codeLength: number;
  ttlMs: number;
  maxAttempts: number;
  cooldownMs: number;
  maxRetries: number;
  onCode: ((event: CodeEvent) => void) | undefined;
  /** Posts one webhook event to a create's `callback_url`. */
  webhook?: (url: string, event: DingWebhookEvent) => void;
}

/** How create treats a scripted number: refuse to send, or send and have it never arrive. */
export interface CreateScript {
  refusal?: 'rate_limited' | 'spam_detected';
  undeliverable?: boolean;
}

interface Authentication {
  uuid: string;
  phoneNumber: string;
  /** Undefined when create refused to send (rate_limited / spam_detected). */
  code: string | undefined;
  createdAt: number;
  expiresAt: number;
  failedChecks: number;
  retriesUsed: number;
  nextRetryAt: number;
  validated: boolean;
  attempts: number;
  /** Scripted `undeliverable`: codes are "sent" but every delivery report says undeliverable. */
  undeliverable: boolean;
  request: CreateAuthenticationRequestWire;
  events: AuthenticationEventWire[];
}

// Caps keep a long-running sandbox (or a hostile client) from growing without bound: the least
// recently used entry goes first (lru-cache, which finds it at once where a bounded Map would
// step over every slot deleted since its table was last rebuilt).
const MAX_AUTHENTICATIONS = 10_000;
const MAX_EVENTS = 200;
const MAX_NUMBERS = 10_000;

const SIGNAL_FIELDS = ['ip', 'device_id', 'device_type', 'app_version', 'app_realm', 'os_version', 'device_model'] as const;

function mask(length: number): string {
  return '•'.repeat(Math.min(length, 32));
}


export class SandboxState {
  readonly #settings: StateSettings;
  readonly #clock: SandboxClock;
  readonly #auths = new LRUCache<string, Authentication>({ max: MAX_AUTHENTICATIONS });
  readonly #latestCodes = new LRUCache<string, string>({ max: MAX_NUMBERS });
  readonly #feedback = new LRUCache<string, Set<FeedbackStatus>>({ max: MAX_NUMBERS });
  /** Numbers that ever had an authentication, for feedback; kept apart so eviction is separate. */
  readonly #knownNumbers = new LRUCache<string, true>({ max: MAX_NUMBERS });

  constructor(settings: StateSettings, clock: SandboxClock) {
    this.#settings = settings;
    this.#clock = clock;
  }

  clear(): void {
    this.#auths.clear();
    this.#latestCodes.clear();
    this.#feedback.clear();
    this.#knownNumbers.clear();
  }

  latestCode(phoneNumber: string): string | undefined {
    return this.#latestCodes.get(phoneNumber);
  }

  create(req: CreateAuthenticationRequestWire, script: CreateScript = {}): CreateAuthenticationResponseWire {
    const { refusal } = script;
    const now = this.#clock.now();
    const auth: Authentication = {
      uuid: randomUUID(),
      phoneNumber: req.phone_number,
      code: undefined,
      createdAt: now,
      expiresAt: now + this.#settings.ttlMs,
      failedChecks: 0,
      retriesUsed: 0,
      nextRetryAt: now + this.#settings.cooldownMs,
      validated: false,
      attempts: 0,
      undeliverable: script.undeliverable === true,
      request: req,
      events: [],
    };
    this.#auths.set(auth.uuid, auth);
    this.#knownNumbers.set(req.phone_number, true);
    if (refusal === undefined) {
      this.#log(auth, { type: 'balance_update', created_at: rfc3339(now), balance_update_type: 'authentication', amount: 0 });
      this.#notify(auth, dingEvent.authentication(auth.uuid, auth.phoneNumber, now, req.correlation_id));
      this.#send(auth, now, 'send');
    }
    return {
      authentication_uuid: auth.uuid,
      status: refusal ?? 'pending',
      created_at: rfc3339(auth.createdAt),
      expires_at: rfc3339(auth.expiresAt),
    };
  }

  /** Undefined when the authentication is unknown. */
  check(uuid: string, code: string): CreateCheckResponseWire | undefined {
    const auth = this.#auths.get(uuid.toLowerCase());
    if (!auth) return undefined;
    const now = this.#clock.now();
    const status = this.#checkStatus(auth, code, now);
    this.#log(auth, { type: 'check', created_at: rfc3339(now), id: randomUUID(), code: mask(code.length), status });
    return { authentication_uuid: auth.uuid, status };
  }

  #checkStatus(auth: Authentication, code: string, now: number): CheckStatus {
    if (auth.code === undefined) return 'without_attempt';
    if (auth.validated) return 'already_validated';
    if (now >= auth.expiresAt) return 'expired_auth';
    if (auth.failedChecks >= this.#settings.maxAttempts) return 'rate_limited';
    if (sameCode(auth.code, code)) {
      auth.validated = true;
      return 'valid';
    }
    auth.failedChecks += 1;
    return 'invalid';
  }

  /** Undefined when the authentication is unknown. */
  retry(uuid: string): RetryAuthenticationResponseWire | undefined {
    const auth = this.#auths.get(uuid.toLowerCase());
    if (!auth) return undefined;
    const now = this.#clock.now();
    const status = this.#retryStatus(auth, now);
    if (status === 'approved') {
      auth.retriesUsed += 1;
      auth.nextRetryAt = now + this.#settings.cooldownMs;
      this.#send(auth, now, 'retry');
    }
    return {
      authentication_uuid: auth.uuid,
      status,
      created_at: rfc3339(now),
      // Never before created_at: once retries are spent, the last cooldown may already be over.
      next_retry_at: rfc3339(Math.max(auth.nextRetryAt, now)),
      remaining_retry: Math.max(0, this.#settings.maxRetries - auth.retriesUsed),
    };
  }

  #retryStatus(auth: Authentication, now: number): RetryStatus {
    if (auth.code === undefined) return 'no_attempt';
    if (auth.validated) return 'already_validated';
    if (now >= auth.expiresAt) return 'expired_auth';
    if (auth.retriesUsed >= this.#settings.maxRetries) return 'rate_limited';
    if (auth.failedChecks >= this.#settings.maxAttempts) return 'rate_limited';
    if (now < auth.nextRetryAt) return 'denied';
    return 'approved';
  }

  /** Feedback is tied to the number: some authentication must exist for it. */
  feedback(phoneNumber: string, status: FeedbackStatus): { uuid: string } | 'no_associated_auth_found' | 'duplicated_feedback_status' {
    if (!this.#knownNumbers.has(phoneNumber)) return 'no_associated_auth_found';
    const seen = this.#feedback.get(phoneNumber) ?? new Set<FeedbackStatus>();
    if (seen.has(status)) return 'duplicated_feedback_status';
    seen.add(status);
    this.#feedback.set(phoneNumber, seen);
    return { uuid: randomUUID() };
  }

  /** Undefined when the authentication is unknown. */
  status(uuid: string): AuthenticationStatusResponseWire | undefined {
    const auth = this.#auths.get(uuid.toLowerCase());
    if (!auth) return undefined;
    const { request } = auth;
    const signals: SignalsWire = {};
    for (const field of SIGNAL_FIELDS) {
      const value = request[field];
      // The request's device_type enum is a subset of the signals' one, so the copy is sound.
      if (value !== undefined) (signals as Record<string, unknown>)[field] = value;
    }
    if (request.is_returning_user !== undefined) signals.is_returning_user = request.is_returning_user;
    const body: AuthenticationStatusResponseWire = { uuid: auth.uuid, phone_number: auth.phoneNumber };
    if (request.template_id !== undefined) body.template_id = request.template_id;
    if (request.correlation_id !== undefined) body.correlation_id = request.correlation_id;
    body.created_at = rfc3339(auth.createdAt);
    body.signals = signals;
    body.events = auth.events.map((e) => ({ ...e }));
    return body;
  }

  /** "Sends" a fresh code: the previous one stops working. */
  #send(auth: Authentication, now: number, kind: CodeEvent['kind']): void {
    const { codeLength, onCode } = this.#settings;
    auth.code = newCode(codeLength);
    auth.attempts += 1;
    this.#latestCodes.set(auth.phoneNumber, auth.code);
    const attemptId = randomUUID();
    const at = rfc3339(now);
    const delivery = auth.undeliverable ? 'undeliverable' : 'delivered';
    this.#log(auth, {
      type: 'attempt',
      created_at: at,
      id: attemptId,
      // The real content carries the code; the sandbox log never does.
      content: `Your code is ${mask(codeLength)}`,
      sender_id: auth.request.sender_id ?? 'Sandbox',
      capability: 'text',
      attempt_number: auth.attempts,
      status: auth.undeliverable ? 'failed' : 'delivered',
    });
    this.#log(auth, {
      type: 'delivery_status',
      created_at: at,
      status: delivery,
      attempt_id: attemptId,
      attempt_number: auth.attempts,
      originated_at: at,
    });
    const { correlation_id: correlationId } = auth.request;
    this.#notify(auth, dingEvent.attempt(auth.uuid, auth.phoneNumber, now, correlationId, attemptId, auth.attempts, !auth.undeliverable));
    this.#notify(auth, dingEvent.deliveryStatus(auth.uuid, auth.phoneNumber, now, correlationId, attemptId, delivery));
    if (onCode) {
      try {
        const realm = auth.request.app_realm === undefined ? undefined : { platform: 'android' as const, value: auth.request.app_realm };
        const message = deliveryMessage(auth.code, 'sms', realm);
        onCode({ phoneNumber: auth.phoneNumber, code: auth.code, authenticationUuid: auth.uuid, kind, channel: 'sms', method: 'message', message });
      } catch {
        // A test's or the CLI's callback must not break the sandbox's answer.
      }
    }
  }

  #notify(auth: Authentication, event: DingWebhookEvent): void {
    const url = auth.request.callback_url;
    if (url !== undefined) this.#settings.webhook?.(url, event);
  }

  #log(auth: Authentication, event: AuthenticationEventWire): void {
    if (auth.events.length < MAX_EVENTS) auth.events.push(event);
  }
}
