// PreludeProvider: the OtpProvider for Prelude Verify V2, Ding V1's successor, on top of
// PreludeClient (./client.ts). It maps V2's statuses and error codes onto the provider's small
// vocabulary; faults (timeouts, 5xx, malformed replies, a refused key, undocumented API errors)
// are thrown as the typed errors of ../../errors.ts.
//
// V2 returns no expiry, no cooldown and no counters, so this provider returns none either; the
// strategy's own `ttlSeconds`, `resendCooldownSeconds` and `maxAttempts` apply.

import { OtpApiError, OtpUnavailableError } from '../../errors.js';
import { normalizeIp } from '../../ip.js';
import { requireString } from '../shared/credentials.js';
import { channelName, type ProviderCapabilities } from '../delivery.js';
import {
  PreludeClient,
  type CreateVerificationRequest,
  type CreateVerificationResponse,
  type CheckVerificationResponse,
  type PreludeClientOptions,
  type VerificationSignals,
} from './client.js';
import { LINE_TYPE_TO_DING, PREFERRED_CHANNELS, REQUEST_METHODS, type DevicePlatform, type PreferredChannel, type RequestMethod } from './wire.js';
import type {
  CheckRequest,
  CheckResult,
  LineInfo,
  OtpProvider,
  ResendRequest,
  ResendResult,
  SendRequest,
  SendResult,
  SendSignals,
} from '../provider.js';

/** Options of `new PreludeProvider()`: the client's, plus how codes are sent. */
export interface PreludeProviderOptions extends PreludeClientOptions {
  /**
   * The verification window set for your account in the Prelude Dashboard, in seconds. V2 does not
   * return it; when given, a send reports it as the code's expiry. Default: unset, and the
   * strategy's `ttlSeconds` applies. Set it no longer than the Dashboard's value.
   */
  ttlSeconds?: number | undefined;
  /** Digits per code, 4 to 8 (`options.code_size`). Default: the Dashboard's setting. */
  codeSize?: number | undefined;
  /** `auto` (default), `message` (never silent verification) or `voice` (a phone call). */
  method?: RequestMethod | undefined;
  /** A channel to try first (`options.preferred_channel`), e.g. `whatsapp`. */
  preferredChannel?: PreferredChannel | undefined;
}

const DEVICE_PLATFORM: Record<NonNullable<SendSignals['deviceType']>, DevicePlatform> = {
  IOS: 'ios',
  ANDROID: 'android',
  WEB: 'web',
};

/** Risk factors kept per send (Prelude lists about ten kinds), and the length of one. */
const MAX_RISK_FACTORS = 16;
const MAX_RISK_FACTOR_LENGTH = 64;

const CHECK: Record<CheckVerificationResponse['status'], CheckResult['status']> = {
  success: 'valid',
  failure: 'invalid',
  // The window ended (TTL, attempt or check limit, or a correct code) or never existed. To the
  // user each of these is "that code has expired: request a new one".
  expired_or_not_found: 'expired',
};


export class PreludeProvider implements OtpProvider {
  readonly name = 'prelude';
  /** Every channel V2 routes to (`preferred_channel`, or `method: 'voice'`), and WebOTP (`app_realm` web). */
  readonly capabilities: ProviderCapabilities = {
    channels: ['sms', 'whatsapp', 'rcs', 'viber', 'telegram', 'zalo', 'voice'],
    webOtp: true,
  };
  readonly client: PreludeClient;
  readonly #ttlMs: number | undefined;
  readonly #defaults: Pick<CreateVerificationRequest, 'codeSize' | 'method' | 'preferredChannel'>;

  /**
   * Give the client options (plus the provider's own), or a PreludeClient to share. Either way
   * `close()` closes the client (PreludeClient.close() may be called again safely).
   */
  constructor(options: PreludeProviderOptions | (Omit<PreludeProviderOptions, keyof PreludeClientOptions> & { client: PreludeClient })) {
    if (typeof options !== 'object' || options === null) throw new TypeError('PreludeProvider requires options');
    const { ttlSeconds, codeSize, method, preferredChannel } = options;
    if ('sendExistingUser' in options && (options as { sendExistingUser?: unknown }).sendExistingUser !== undefined) {
      // `existing_user` is in no dated release of V2's SDKs: an API may refuse it.
      throw new TypeError('PreludeProvider: sendExistingUser is no longer supported (`existing_user` is in no dated Prelude V2 release); remove it');
    }
    if (ttlSeconds !== undefined && (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0)) {
      throw new TypeError('PreludeProvider: ttlSeconds must be a positive number');
    }
    if (codeSize !== undefined && (!Number.isInteger(codeSize) || codeSize < 4 || codeSize > 8)) {
      throw new TypeError('PreludeProvider: codeSize must be an integer from 4 to 8');
    }
    if (method !== undefined && !(REQUEST_METHODS as readonly string[]).includes(method)) {
      throw new TypeError(`PreludeProvider: method must be one of ${REQUEST_METHODS.join(', ')}`);
    }
    if (preferredChannel !== undefined && !(PREFERRED_CHANNELS as readonly string[]).includes(preferredChannel)) {
      throw new TypeError(`PreludeProvider: preferredChannel must be one of ${PREFERRED_CHANNELS.join(', ')}`);
    }
    if ('client' in options) {
      if (!(options.client instanceof PreludeClient)) throw new TypeError('client must be a PreludeClient');
      this.client = options.client;
    } else {
      this.client = new PreludeClient(options);
    }
    this.#ttlMs = ttlSeconds === undefined ? undefined : ttlSeconds * 1000;
    this.#defaults = {};
    if (codeSize !== undefined) this.#defaults.codeSize = codeSize;
    if (method !== undefined) this.#defaults.method = method;
    if (preferredChannel !== undefined) this.#defaults.preferredChannel = preferredChannel;
  }

  /** The deadline each call gets, in milliseconds. */
  get timeoutMs(): number {
    return this.client.timeoutMs;
  }

  async send(request: SendRequest): Promise<SendResult> {
    requireString(request?.phoneNumber, 'phoneNumber');
    let reply: CreateVerificationResponse;
    try {
      reply = await this.client.createVerification(this.#create(request));
    } catch (err) {
      const refusal = sendRefusal(err);
      if (refusal) return refusal;
      throw err;
    }
    // `retry`: a window for this number was already open (another tab, another device); the code
    // just sent belongs to it, and so does this login now. `challenged`: a window is open and the
    // code went over a non-SMS channel (WhatsApp, RCS, ...): to the user, a code was sent.
    // `shadow_blocked`: a block rule matched and Prelude answers as if it sent (whether it did is
    // Prelude's dry-run setting); the user must see exactly what a real send shows, or the
    // screen would tell a fraudster which numbers or signals are flagged. If no code arrives,
    // the check finds no window and the user sees `expired`, as after a lost SMS.
    switch (reply.status) {
      case 'success':
      case 'retry':
      case 'challenged':
      case 'shadow_blocked':
        return this.#sent(reply.id, reply.riskFactors, usedChannel(reply, request));
      case 'blocked': {
        const result = blocked(reply.reason);
        const kept = boundedRiskFactors(reply.riskFactors);
        // For events: why a block happened is the operator's to see, never the client's.
        if (kept && result.status === 'blocked') result.riskFactors = kept;
        return result;
      }
    }
  }

  /**
   * V2 has no retry call: the same create inside the open window is the resend. `retry` keeps the
   * id; `success` means the window had ended (expired, or closed by a check) and a fresh one began
   * with a new id; either way a code was sent. Being a create, it carries the resend request's own
   * signals (IP, user agent, device) and message settings, which Prelude scores like a send's.
   */
  async resend(request: ResendRequest): Promise<ResendResult> {
    requireString(request?.phoneNumber, 'phoneNumber');
    let reply: CreateVerificationResponse;
    try {
      reply = await this.client.createVerification(this.#create(request));
    } catch (err) {
      // The attempt limit for this number: no further code can be sent for this login.
      if (hasApiCode(err, 'too_many_attempts')) return { status: 'exhausted' };
      // A bare 429 is a request-rate limit, Prelude's or a gateway's: it passes. `too_soon` keeps
      // the login, for the wait the 429 gave, else the strategy's own cooldown; `exhausted` would
      // lock it for good.
      if (isRateLimit(err)) {
        const { retryAfter } = err as OtpApiError | OtpUnavailableError;
        return retryAfter === undefined ? { status: 'too_soon' } : { status: 'too_soon', retryAfter };
      }
      throw err;
    }
    switch (reply.status) {
      case 'success':
      case 'retry':
      case 'challenged':
      case 'shadow_blocked': {
        const result: ResendResult = { status: 'sent', id: reply.id };
        result.channel = usedChannel(reply, request);
        return result;
      }
      case 'blocked':
        // Past the window's attempt limit (`repeated_attempts`) or refused outright (block list,
        // fraud): either way no further code can be sent for this login.
        return { status: 'exhausted' };
    }
  }

  async check(request: CheckRequest): Promise<CheckResult> {
    requireString(request?.phoneNumber, 'phoneNumber');
    requireString(request.code, 'code');
    try {
      // The window's id goes along: a `success` about any other window is no login.
      const reply = await this.client.checkVerification({ phoneNumber: request.phoneNumber, code: request.code, verificationId: request.id });
      return { status: CHECK[reply.status] };
    } catch (err) {
      // Not documented by Prelude; third-party code reports the check and attempt limits this
      // way, with or without HTTP 429. The window is spent: the strategy drops the login.
      if (hasApiCode(err, 'too_many_checks', 'too_many_attempts')) return { status: 'too_many_attempts' };
      // A bare 429 decided nothing about the code: a transient limit on request rate, a fault
      // like a 503. Thrown as one, so the pending login stays and the same code can be tried
      // again; it carries Prelude's retry hint for the app's Retry-After.
      if (isRateLimit(err)) {
        throw new OtpUnavailableError('server_error', 'Prelude checkVerification: rate limited (HTTP 429)', {
          status: 429,
          retryAfter: (err as OtpApiError | OtpUnavailableError).retryAfter,
        });
      }
      throw err;
    }
  }

  /**
   * Line facts for the strategy's `lineTypes` gate, in the same form DingProvider gives them: the
   * line type in Ding's spelling (`premium_rate` -> `PremiumRate`), `temporary` from V2's flags
   * (absent when V2 sends no flags), the current carrier. An invalid number is an OtpApiError
   * `invalid_phone_number`, which the gate turns into that outcome.
   */
  async lookup(phoneNumber: string): Promise<LineInfo> {
    const reply = await this.client.lookup(phoneNumber);
    const info: LineInfo = { phoneNumber: reply.phoneNumber ?? phoneNumber };
    if (reply.countryCode !== undefined) info.countryCode = reply.countryCode;
    if (reply.lineType !== undefined) info.lineType = LINE_TYPE_TO_DING[reply.lineType];
    if (reply.flags !== undefined) info.temporary = reply.flags.includes('temporary');
    if (reply.networkInfo?.carrierName !== undefined) info.carrier = reply.networkInfo.carrierName;
    return info;
  }

  /** Closes every pooled socket. Safe to call more than once. */
  close(): Promise<void> {
    return this.client.close();
  }

  #sent(id: string, riskFactors: readonly string[] | undefined, channel: string | undefined): SendResult {
    // V2 gives no send time either: ours is as good, and only anchors the lifetime below.
    const createdAt = new Date();
    const result: Extract<SendResult, { status: 'sent' }> = { status: 'sent', id, createdAt };
    if (this.#ttlMs !== undefined) result.expiresAt = new Date(createdAt.getTime() + this.#ttlMs);
    const kept = boundedRiskFactors(riskFactors);
    if (kept) result.riskFactors = kept;
    if (channel !== undefined) result.channel = channel;
    return result;
  }

  /** SendRequest -> the create request, leaving out everything empty. */
  #create(request: SendRequest): CreateVerificationRequest {
    const out: CreateVerificationRequest = { phoneNumber: request.phoneNumber, ...this.#defaults };
    const signals = verificationSignals(request.signals);
    if (signals) out.signals = signals;
    if (request.signals?.dispatchId !== undefined) out.dispatchId = request.signals.dispatchId;
    if (request.locale !== undefined) out.locale = request.locale;
    if (request.templateId !== undefined) out.templateId = request.templateId;
    if (request.senderId !== undefined) out.senderId = request.senderId;
    if (request.callbackUrl !== undefined) out.callbackUrl = request.callbackUrl;
    if (request.appRealm !== undefined) out.appRealm = request.appRealm;
    else if (request.webOtpDomain !== undefined) out.webOtpDomain = request.webOtpDomain;
    if (request.correlationId !== undefined) out.correlationId = request.correlationId;
    // The user's choice wins over the provider's defaults. A call is V2's `method: 'voice'`;
    // every other channel is `preferred_channel` (a first try: Prelude may still fall back). Not
    // V2's hard `channels` list, which needs enablement and ignores resends.
    if (request.channel === 'voice') {
      out.method = 'voice';
      delete out.preferredChannel;
    } else if (request.channel !== undefined) {
      out.preferredChannel = request.channel;
      if (out.method === 'voice') delete out.method;
    }
    return out;
  }
}

/** SendSignals -> V2's signals. `isReturningUser` has no V2 field in any dated release and is dropped. */
function verificationSignals(s: SendSignals | undefined): VerificationSignals | undefined {
  if (!s) return undefined;
  const out: VerificationSignals = {};
  // V2 takes IPv4 and IPv6 (a mapped address as its IPv4 one). Anything that is not an
  // address is left out rather than risking a 400 on a login.
  const ip = normalizeIp(s.ip);
  if (ip !== undefined) out.ip = ip;
  if (s.deviceId !== undefined) out.deviceId = s.deviceId;
  if (s.deviceType !== undefined && s.deviceType in DEVICE_PLATFORM) out.devicePlatform = DEVICE_PLATFORM[s.deviceType];
  if (s.deviceModel !== undefined) out.deviceModel = s.deviceModel;
  if (s.osVersion !== undefined) out.osVersion = s.osVersion;
  if (s.appVersion !== undefined) out.appVersion = s.appVersion;
  if (s.userAgent !== undefined) out.userAgent = s.userAgent;
  if (s.ja4Fingerprint !== undefined) out.ja4Fingerprint = s.ja4Fingerprint;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The channel a create went by, from its reply: a call (`method: 'voice'`) or the first of the
 * planned `channels`. When the reply says neither, the channel asked for, else SMS (V2's default
 * route): a `shadow_blocked` reply may say less than a real send, and what the user sees must not
 * tell the two apart.
 */
function usedChannel(reply: CreateVerificationResponse, request: SendRequest): string {
  if (reply.method === 'voice') return 'voice';
  return channelName(reply.channels?.[0]) ?? request.channel ?? 'sms';
}

/** Risk factors travel in the session until the verify: bounded, whatever the upstream sends. */
function boundedRiskFactors(riskFactors: readonly string[] | undefined): string[] | undefined {
  const kept = riskFactors?.filter((f) => f.length > 0 && f.length <= MAX_RISK_FACTOR_LENGTH).slice(0, MAX_RISK_FACTORS);
  return kept !== undefined && kept.length > 0 ? kept : undefined;
}

function blocked(reason: CreateVerificationResponse['reason']): SendResult {
  switch (reason) {
    // No wait with it: a blocked create is HTTP 200 with no time, and neither the window's length
    // (a Dashboard setting) nor whether this is the window's attempt limit or a fraud rule is
    // known here (docs/providers.md, "No wait on a window's refusal").
    case 'repeated_attempts':
      return { status: 'rate_limited' };
    case 'in_block_list':
      return { status: 'blocked', reason: 'blocked_number' };
    case 'invalid_phone_number':
      return { status: 'invalid_phone_number' };
    case 'invalid_phone_line':
      return { status: 'blocked', reason: 'invalid_line' };
    // suspicious, a bad or stale front-end signature, or no reason at all.
    default:
      return { status: 'blocked', reason: 'spam' };
  }
}

/**
 * The HTTP errors that refuse this number or this volume, as send results; undefined for faults.
 * A limit carries Prelude's wait when its reply gave one (a 429's `retry-after-ms` / `Retry-After`).
 */
function sendRefusal(err: unknown): SendResult | undefined {
  if (hasApiCode(err, 'too_many_attempts') || isRateLimit(err)) {
    const { retryAfter } = err as OtpApiError | OtpUnavailableError;
    return retryAfter === undefined ? { status: 'rate_limited' } : { status: 'rate_limited', retryAfter };
  }
  if (!(err instanceof OtpApiError)) return undefined;
  switch (err.apiCode) {
    case 'invalid_phone_number':
      return { status: 'invalid_phone_number' };
    case 'invalid_line_type':
      return { status: 'blocked', reason: 'invalid_line' };
    case 'unsupported_country':
      return { status: 'blocked', reason: 'unsupported_region' };
    default:
      return undefined;
  }
}

/** A V2 error with one of these codes, at whatever HTTP status (a limit may come as 400 or 429). */
function hasApiCode(err: unknown, ...codes: string[]): boolean {
  return err instanceof OtpApiError && codes.includes(err.apiCode);
}

/**
 * HTTP 429 whatever its body: a V2 body with another code (`too_many_requests`), or a gateway's
 * page, which is not JSON and arrives as OtpUnavailableError with its status. Test the
 * attempt-limit codes first: they may come with a 429 too.
 */
function isRateLimit(err: unknown): boolean {
  return (err instanceof OtpApiError || err instanceof OtpUnavailableError) && err.upstreamStatus === 429;
}

