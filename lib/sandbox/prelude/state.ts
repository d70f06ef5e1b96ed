// The Prelude Verify V2 verification windows. No HTTP here: each method takes a validated request
// and returns the wire body, so the rules read in one place.
//
// One window per target (phone number), as Prelude keeps one per (account, target):
//   create, no open window   -> `success`: a new window (new `vrf_` id, expiry = now + ttl), code sent
//   create, open window      -> `retry`: same id, a NEW code; the previous code stops working
//                               (Prelude does not say whether older codes stay valid; the
//                               strictest reading is the one worth testing against)
//   create, resends spent    -> `blocked` + `repeated_attempts` until the window ends
//   check, no open window    -> `expired_or_not_found`
//   check, right code        -> `success`; the window closes
//   check, wrong code        -> `failure`; after `maxAttempts` of them the window closes
// A window ends at the first of: a right code, `maxAttempts` wrong codes, its TTL. Resends per
// window: `maxRetries` (so 1 + maxRetries codes in all). V2 has no resend cooldown.
// With `options.callback_url`, a new window and each send also go out as webhook events
// (./webhooks.ts).
// Each send (create or resend) goes by the channel its own request asks for: `method: 'voice'`
// is a call, `preferred_channel` is taken as given (the sandbox never falls back), else SMS; a
// `challenged` script goes by WhatsApp. The reply's `method` and `channels` say so, and onCode
// gets the channel, the method and the message text (WebOTP format with `app_realm` web).
import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { newCode, sameCode } from '../core/codes.js';
import { numberFacts } from '../core/numbers.js';
import type {
  BlockReason,
  CheckVerificationResponseWire,
  CreateVerificationRequestWire,
  CreateVerificationResponseWire,
} from '../../providers/prelude/wire.js';
import type { CodeEvent } from '../types.js';
import { deliveryMessage, type MessageRealm } from '../core/message.js';
import { preludeEvent, type PreludeEventEnvelope, type WindowFacts } from './webhooks.js';

export interface PreludeStateSettings {
  /** Digits per code unless the request sets `options.code_size`. */
  codeLength: number;
  ttlMs: number;
  /** Wrong checks that close a window. */
  maxAttempts: number;
  /** Resends allowed per window. */
  maxRetries: number;
  onCode: ((event: CodeEvent) => void) | undefined;
  /** Posts one webhook event to a create's `options.callback_url`. */
  webhook?: (url: string, event: PreludeEventEnvelope) => void;
}

/**
 * A scripted create outcome: refused (`blocked`, or `shadow_blocked`, which looks sent but is
 * not), or `challenged` (a window opens; the code goes out over a non-SMS channel).
 */
export type CreateScript = { status: 'blocked' | 'shadow_blocked'; reason: BlockReason } | { status: 'challenged' };

interface VerificationWindow {
  id: string;
  phoneNumber: string;
  code: string;
  expiresAt: number;
  /** Codes sent in this window, the first included. */
  sends: number;
  failedChecks: number;
  correlationId: string | undefined;
  /** Where this window's events go; a resend's own `callback_url` replaces it. */
  callbackUrl: string | undefined;
  /** Scripted `undeliverable`: codes are "sent" but every delivery report says undeliverable. */
  undeliverable: boolean;
  /** How the latest code went out. */
  channel: string;
}

/** How one send goes out, from its request (see the header). */
interface Delivery {
  channel: string;
  method: 'message' | 'voice';
  realm: MessageRealm;
}

function deliveryFor(req: CreateVerificationRequestWire, challenged: boolean): Delivery {
  const o = req.options;
  const realm = o?.app_realm;
  const bound: MessageRealm = realm === undefined ? undefined : { platform: realm.platform, value: realm.value };
  // A challenged window may use neither SMS nor voice.
  if (challenged) {
    const preferred = o?.preferred_channel;
    return { channel: preferred !== undefined && preferred !== 'sms' ? preferred : 'whatsapp', method: 'message', realm: bound };
  }
  if (o?.method === 'voice') return { channel: 'voice', method: 'voice', realm: bound };
  return { channel: o?.preferred_channel ?? 'sms', method: 'message', realm: bound };
}

/** The reply's planned channels: the one chosen, then SMS as the fallback a real account has. */
function plannedChannels(d: Delivery, challenged: boolean): NonNullable<CreateVerificationResponseWire['channels']> {
  if (d.channel === 'sms' || d.channel === 'voice' || challenged) return [d.channel as 'sms'];
  return [d.channel as 'whatsapp', 'sms'];
}

// Caps keep a long-running sandbox (or a hostile client) from growing without bound: the least
// recently used entry goes first (lru-cache, which finds it at once where a bounded Map would
// step over every slot deleted since its table was last rebuilt).
const MAX_WINDOWS = 10_000;
const MAX_NUMBERS = 10_000;

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/** A ULID-like id: 10 characters of time, 16 random (e.g. `vrf_01jc0t6fwwfgfsq1md24mhyztj`). */
export function ulid(prefix: string, now: number): string {
  let time = '';
  let t = Math.max(0, Math.floor(now));
  for (let i = 0; i < 10; i += 1) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = [...randomBytes(16)].map((b) => CROCKFORD[b % 32]).join('');
  return `${prefix}_${time}${random}`;
}


export class PreludeState {
  readonly #settings: PreludeStateSettings;
  readonly #now: () => number;
  readonly #windows = new LRUCache<string, VerificationWindow>({ max: MAX_WINDOWS });
  readonly #latestCodes = new LRUCache<string, string>({ max: MAX_NUMBERS });

  constructor(settings: PreludeStateSettings, now: () => number) {
    this.#settings = settings;
    this.#now = now;
  }

  clear(): void {
    this.#windows.clear();
    this.#latestCodes.clear();
  }

  latestCode(phoneNumber: string): string | undefined {
    return this.#latestCodes.get(phoneNumber);
  }

  /** The open window of this number, dropping it if it has ended. */
  #open(phoneNumber: string, now: number): VerificationWindow | undefined {
    const w = this.#windows.get(phoneNumber);
    if (w && now >= w.expiresAt) {
      this.#windows.delete(phoneNumber);
      return undefined;
    }
    return w;
  }

  create(req: CreateVerificationRequestWire, script?: CreateScript, delivery: { undeliverable?: boolean } = {}): CreateVerificationResponseWire {
    const now = this.#now();
    const phoneNumber = req.target.value;
    const correlationId = req.metadata?.correlation_id;
    const challenged = script?.status === 'challenged';
    const sent = deliveryFor(req, challenged);
    const reply = (id: string, status: CreateVerificationResponseWire['status'], reason?: BlockReason): CreateVerificationResponseWire => {
      const body: CreateVerificationResponseWire = { id, method: reason ? 'message' : sent.method, status };
      if (reason) body.reason = reason;
      else body.channels = plannedChannels(sent, challenged);
      if (correlationId !== undefined) body.metadata = { correlation_id: correlationId };
      body.request_id = ulid('req', now);
      return body;
    };
    // A refusal opens no window; its id names only this refused request.
    if (script && script.status !== 'challenged') return reply(ulid('vrf', now), script.status, script.reason);

    const open = this.#open(phoneNumber, now);
    if (open) {
      if (open.sends > this.#settings.maxRetries) return reply(ulid('vrf', now), 'blocked', 'repeated_attempts');
      open.correlationId = correlationId ?? open.correlationId;
      open.callbackUrl = req.options?.callback_url ?? open.callbackUrl;
      this.#send(open, this.#codeLength(req), 'retry', now, sent);
      return reply(open.id, challenged ? 'challenged' : 'retry');
    }
    const w: VerificationWindow = {
      id: ulid('vrf', now),
      phoneNumber,
      code: '',
      expiresAt: now + this.#settings.ttlMs,
      sends: 0,
      failedChecks: 0,
      correlationId,
      callbackUrl: req.options?.callback_url,
      undeliverable: delivery.undeliverable === true,
      channel: sent.channel,
    };
    this.#windows.set(phoneNumber, w);
    this.#notify(w, preludeEvent.authentication(facts(w), now));
    this.#send(w, this.#codeLength(req), 'send', now, sent);
    return reply(w.id, challenged ? 'challenged' : 'success');
  }

  check(phoneNumber: string, code: string): CheckVerificationResponseWire {
    const now = this.#now();
    const requestId = ulid('req', now);
    const w = this.#open(phoneNumber, now);
    if (!w) return { status: 'expired_or_not_found', request_id: requestId };
    const body: CheckVerificationResponseWire = { id: w.id, status: 'failure' };
    if (w.correlationId !== undefined) body.metadata = { correlation_id: w.correlationId };
    body.request_id = requestId;
    if (sameCode(w.code, code)) {
      this.#windows.delete(phoneNumber);
      body.status = 'success';
      return body;
    }
    w.failedChecks += 1;
    if (w.failedChecks >= this.#settings.maxAttempts) this.#windows.delete(phoneNumber);
    return body;
  }

  #codeLength(req: CreateVerificationRequestWire): number {
    return req.options?.code_size ?? this.#settings.codeLength;
  }

  /** "Sends" a fresh code: the previous one stops working. */
  #send(w: VerificationWindow, length: number, kind: CodeEvent['kind'], now: number, delivery: Delivery): void {
    w.code = newCode(length);
    w.sends += 1;
    w.channel = delivery.channel;
    this.#latestCodes.set(w.phoneNumber, w.code);
    if (w.callbackUrl !== undefined) {
      const attemptId = ulid('att', now);
      const delivered = !w.undeliverable;
      this.#notify(w, preludeEvent.attempt(facts(w), now, attemptId, w.channel, delivered));
      this.#notify(w, preludeEvent.deliveryStatus(facts(w), now, attemptId, delivered));
    }
    const { onCode } = this.#settings;
    if (onCode) {
      try {
        onCode({
          phoneNumber: w.phoneNumber,
          code: w.code,
          authenticationUuid: w.id,
          kind,
          channel: delivery.channel,
          method: delivery.method,
          message: deliveryMessage(w.code, delivery.channel, delivery.realm),
        });
      } catch {
        // A test's or the CLI's callback must not break the sandbox's answer.
      }
    }
  }

  #notify(w: VerificationWindow, event: PreludeEventEnvelope): void {
    if (w.callbackUrl !== undefined) this.#settings.webhook?.(w.callbackUrl, event);
  }
}

function facts(w: VerificationWindow): WindowFacts {
  const { mcc, mnc } = numberFacts(w.phoneNumber);
  return {
    verificationId: w.id,
    phoneNumber: w.phoneNumber,
    correlationId: w.correlationId,
    carrier: mcc !== undefined && mnc !== undefined ? { mcc, mnc } : undefined,
  };
}
