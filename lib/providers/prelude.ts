// PreludeProvider: the OtpProvider for Prelude Verify V2 (../../../shared/prelude-api/CONTRACT.md),
// Ding V1's successor. Two calls: create (`POST /v2/verification`, which is also the resend) and
// check (`POST /v2/verification/check`, by phone number, not by id); a third, lookup
// (`GET /v2/lookup/{phone_number}`), serves the strategy's optional line-type gate. Transport, deadlines and
// error typing live in ../http.ts, which never repeats a POST: a create can send a paid SMS.
//
// V2 returns no expiry, no cooldown and no counters, so this provider returns none either; the
// strategy's own `ttlSeconds`, `resendCooldownSeconds` and `maxAttempts` apply. Business refusals
// are results; faults (timeouts, 5xx, malformed replies, a refused key, undocumented API errors)
// are thrown as the typed errors of ../errors.ts.

import { DingUnavailableError } from '../errors.js';
import { JsonHttpClient } from '../http.js';
import { normalizeIp } from '../ip.js';
import { requireApiKey, requireString } from './credentials.js';
import {
  parseCheckVerification,
  parseCreateVerification,
  parseLookup,
  parsePreludeError,
  PreludeApiError,
  type CheckVerificationResponse,
  type CreateVerificationResponse,
  type PreludeLookupResponse,
} from './prelude-parse.js';
import { LINE_TYPE_TO_DING } from './prelude-wire.js';
import type {
  CheckVerificationRequestWire,
  CreateVerificationRequestWire,
  DevicePlatform,
  OptionsWire,
  PreferredChannel,
  RequestMethod,
  SignalsWire,
} from './prelude-wire.js';
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
} from './provider.js';

export { PreludeApiError } from './prelude-parse.js';
export type { CheckVerificationResponse, CreateVerificationResponse, NetworkInfo, PreludeLookupResponse } from './prelude-parse.js';

export const DEFAULT_PRELUDE_BASE_URL = 'https://api.prelude.dev';

export interface PreludeProviderOptions {
  /** A V2 API key (Dashboard: Settings > API keys), sent as `Authorization: Bearer`. Never in an error. */
  apiKey: string;
  /**
   * Default `https://api.prelude.dev` (the sandbox's `preludeUrl`). A base ending in `/v2`, as the
   * docs write it, works too. Must be https, except for loopback hosts.
   */
  baseUrl?: string;
  /** Deadline per call in milliseconds, connect to last byte. Default 5000. */
  timeoutMs?: number;
  /** Maximum pooled keep-alive sockets to Prelude. Default 16. */
  connections?: number;
  /**
   * The verification window set for your account in the Prelude Dashboard, in seconds. V2 does not
   * return it; when given, a send reports it as the code's expiry. Default: unset, and the
   * strategy's `ttlSeconds` applies. Set it no longer than the Dashboard's value.
   */
  ttlSeconds?: number;
  /** Digits per code, 4 to 8 (`options.code_size`). Default: the Dashboard's setting. */
  codeSize?: number;
  /** `auto` (default), `message` (never silent verification) or `voice` (a phone call). */
  method?: RequestMethod;
  /** A channel to try first (`options.preferred_channel`), e.g. `whatsapp`. */
  preferredChannel?: PreferredChannel;
  /**
   * Send `isReturningUser` as `signals.existing_user`, a field newer than SDK 0.10.0 (CONTRACT.md
   * §3.1, §9). Default false: an API that predates the field may refuse it. It is never sent as
   * `is_trusted_user`, which lowers Prelude's fraud checks and must be agreed with Prelude first.
   */
  sendExistingUser?: boolean;
}

/** What `send` and `resend` put in the create call beyond the target. */
type CreateExtras = Omit<CreateVerificationRequestWire, 'target'>;

const DEVICE_PLATFORM: Record<NonNullable<SendSignals['deviceType']>, DevicePlatform> = {
  IOS: 'ios',
  ANDROID: 'android',
  WEB: 'web',
};

const CHECK: Record<CheckVerificationResponse['status'], CheckResult['status']> = {
  success: 'valid',
  failure: 'invalid',
  // The window ended (TTL, attempt or check limit, or a correct code) or never existed. To the
  // user each of these is "that code has expired: request a new one".
  expired_or_not_found: 'expired',
};

const REQUEST_METHODS: readonly RequestMethod[] = ['auto', 'voice', 'message'];
const PREFERRED_CHANNELS: readonly PreferredChannel[] = ['sms', 'rcs', 'whatsapp', 'viber', 'zalo', 'telegram'];

export class PreludeProvider implements OtpProvider {
  readonly name = 'prelude';
  readonly #http: JsonHttpClient;
  readonly #prefix: string;
  readonly #ttlMs: number | undefined;
  readonly #options: OptionsWire;
  readonly #sendExistingUser: boolean;

  constructor(options: PreludeProviderOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('PreludeProvider requires options');
    const { apiKey, ttlSeconds, codeSize, method, preferredChannel, sendExistingUser } = options;
    requireApiKey(apiKey, 'PreludeProvider');
    if (ttlSeconds !== undefined && (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0)) {
      throw new TypeError('PreludeProvider: ttlSeconds must be a positive number');
    }
    if (codeSize !== undefined && (!Number.isInteger(codeSize) || codeSize < 4 || codeSize > 8)) {
      throw new TypeError('PreludeProvider: codeSize must be an integer from 4 to 8');
    }
    if (method !== undefined && !REQUEST_METHODS.includes(method)) {
      throw new TypeError(`PreludeProvider: method must be one of ${REQUEST_METHODS.join(', ')}`);
    }
    if (preferredChannel !== undefined && !PREFERRED_CHANNELS.includes(preferredChannel)) {
      throw new TypeError(`PreludeProvider: preferredChannel must be one of ${PREFERRED_CHANNELS.join(', ')}`);
    }
    if (sendExistingUser !== undefined && typeof sendExistingUser !== 'boolean') {
      throw new TypeError('PreludeProvider: sendExistingUser must be a boolean');
    }
    const baseUrl = options.baseUrl ?? DEFAULT_PRELUDE_BASE_URL;
    this.#http = new JsonHttpClient({
      baseUrl,
      timeoutMs: options.timeoutMs,
      connections: options.connections,
      headers: { authorization: `Bearer ${apiKey}` },
      parseErrorBody: parsePreludeError,
      // V2 documents only "4xx = your input" (CONTRACT.md §5): read the error body of each 4xx
      // the SDK names, so a 422 `invalid_phone_number` is a refusal like a 400 one.
      errorStatuses: [400, 404, 409, 422, 429],
      serviceName: 'Prelude',
    });
    // The docs give the base as `https://api.prelude.dev/v2`, the SDK as `https://api.prelude.dev`.
    this.#prefix = /\/v2\/*$/.test(new URL(baseUrl).pathname) ? '' : '/v2';
    this.#ttlMs = ttlSeconds === undefined ? undefined : ttlSeconds * 1000;
    this.#options = {};
    if (codeSize !== undefined) this.#options.code_size = codeSize;
    if (method !== undefined) this.#options.method = method;
    if (preferredChannel !== undefined) this.#options.preferred_channel = preferredChannel;
    this.#sendExistingUser = sendExistingUser === true;
  }

  /** The deadline each call gets, in milliseconds. */
  get timeoutMs(): number {
    return this.#http.timeoutMs;
  }

  async send(request: SendRequest): Promise<SendResult> {
    requireString(request?.phoneNumber, 'phoneNumber');
    let reply: CreateVerificationResponse;
    try {
      reply = await this.createVerification(request.phoneNumber, this.#extras(request));
    } catch (err) {
      const refusal = sendRefusal(err);
      if (refusal) return refusal;
      throw err;
    }
    // `retry`: a window for this number was already open (another tab, another device); the code
    // just sent belongs to it, and so does this login now. `challenged`: sent over a non-SMS
    // channel. `shadow_blocked`: nothing sent, on purpose; the contract says to answer as if
    // sent, so a fraudster learns nothing.
    switch (reply.status) {
      case 'success':
      case 'retry':
      case 'challenged':
      case 'shadow_blocked':
        return withRiskFactors(this.#sent(reply.id), reply.riskFactors);
      case 'blocked':
        return withRiskFactors(blocked(reply.reason), reply.riskFactors);
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
      reply = await this.createVerification(request.phoneNumber, this.#extras(request));
    } catch (err) {
      // The attempt limit for this number: no further code can be sent for this login.
      if (hasApiCode(err, 'too_many_attempts')) return { status: 'exhausted' };
      // A bare 429 is a request-rate limit, Prelude's or a gateway's: it passes. `too_soon` keeps
      // the login (the strategy starts its own cooldown); `exhausted` would lock it for good.
      if (isRateLimit(err)) return { status: 'too_soon' };
      throw err;
    }
    switch (reply.status) {
      case 'success':
      case 'retry':
      case 'challenged':
      case 'shadow_blocked':
        return { status: 'sent', id: reply.id };
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
      const reply = await this.checkVerification(request.phoneNumber, request.code);
      return { status: CHECK[reply.status] };
    } catch (err) {
      // Not documented by Prelude; third-party code reports the check and attempt limits this
      // way, with or without HTTP 429. The window is spent: the strategy drops the login.
      if (hasApiCode(err, 'too_many_checks', 'too_many_attempts')) return { status: 'too_many_attempts' };
      // A bare 429 decided nothing about the code: a transient limit on request rate, a fault
      // like a 503. Thrown as one, so the pending login stays and the same code can be tried
      // again. (A `rate_limited` check status would need the strategy's verify to handle it.)
      if (isRateLimit(err)) {
        throw new DingUnavailableError('server_error', 'Prelude checkVerification: rate limited (HTTP 429)', { status: 429 });
      }
      throw err;
    }
  }

  /**
   * Line facts for the strategy's `lineTypes` gate, in the same form DingProvider gives them: the
   * line type in Ding's spelling (`premium_rate` -> `PremiumRate`), `temporary` from V2's flags
   * (absent when V2 sends no flags), the current carrier. An invalid number is a PreludeApiError
   * `invalid_phone_number`, which the gate turns into that outcome.
   */
  async lookup(phoneNumber: string): Promise<LineInfo> {
    const reply = await this.lookupPhoneNumber(phoneNumber);
    const info: LineInfo = { phoneNumber: reply.phoneNumber ?? phoneNumber };
    if (reply.countryCode !== undefined) info.countryCode = reply.countryCode;
    if (reply.lineType !== undefined) info.lineType = LINE_TYPE_TO_DING[reply.lineType];
    if (reply.flags !== undefined) info.temporary = reply.flags.includes('temporary');
    if (reply.networkInfo?.carrierName !== undefined) info.carrier = reply.networkInfo.carrierName;
    return info;
  }

  /**
   * GET /v2/lookup/{phone_number}, as it is (V2's snake_case line type). `cnam: true` asks for the
   * caller name (`?type=cnam`), which Prelude must enable for the account.
   */
  async lookupPhoneNumber(phoneNumber: string, options: { cnam?: boolean } = {}): Promise<PreludeLookupResponse> {
    requireString(phoneNumber, 'phoneNumber');
    // Percent-encoded so nothing in the value can change the path or add a query; the `+` is put
    // back, as the official SDK sends it (`/v2/lookup/+3312...`).
    const path = `${this.#prefix}/lookup/${encodeURIComponent(phoneNumber).replace(/^%2B/i, '+')}`;
    const reply = await this.#http.request({
      method: 'GET',
      path,
      operation: 'lookup',
      query: options.cnam === true ? { type: 'cnam' } : undefined,
    });
    return parseLookup(reply);
  }

  /** POST /v2/verification, as it is: a `blocked` reply is a result, not an error. */
  async createVerification(phoneNumber: string, extras: CreateExtras = {}): Promise<CreateVerificationResponse> {
    requireString(phoneNumber, 'phoneNumber');
    const body: CreateVerificationRequestWire = { target: { type: 'phone_number', value: phoneNumber }, ...extras };
    const reply = await this.#http.request({ method: 'POST', path: `${this.#prefix}/verification`, operation: 'createVerification', body });
    return parseCreateVerification(reply);
  }

  /** POST /v2/verification/check: a wrong code is `{ status: 'failure' }`, not an error. */
  async checkVerification(phoneNumber: string, code: string): Promise<CheckVerificationResponse> {
    requireString(phoneNumber, 'phoneNumber');
    requireString(code, 'code');
    const body: CheckVerificationRequestWire = { target: { type: 'phone_number', value: phoneNumber }, code };
    const reply = await this.#http.request({ method: 'POST', path: `${this.#prefix}/verification/check`, operation: 'checkVerification', body });
    return parseCheckVerification(reply);
  }

  /** Closes every pooled socket. Safe to call more than once. */
  close(): Promise<void> {
    return this.#http.close();
  }

  #sent(id: string): SendResult {
    // V2 gives no send time either: ours is as good, and only anchors the lifetime below.
    const createdAt = new Date();
    return this.#ttlMs === undefined
      ? { status: 'sent', id, createdAt }
      : { status: 'sent', id, createdAt, expiresAt: new Date(createdAt.getTime() + this.#ttlMs) };
  }

  /** SendRequest -> signals, options and metadata, leaving out everything empty. */
  #extras(request: SendRequest): CreateExtras {
    const extras: CreateExtras = {};
    const signals = this.#signals(request.signals);
    if (signals) extras.signals = signals;
    const options: OptionsWire = { ...this.#options };
    if (request.locale !== undefined) options.locale = request.locale;
    if (request.templateId !== undefined) options.template_id = request.templateId;
    if (request.senderId !== undefined) options.sender_id = request.senderId;
    if (request.callbackUrl !== undefined) options.callback_url = request.callbackUrl;
    if (request.appRealm !== undefined) options.app_realm = { platform: 'android', value: request.appRealm };
    if (Object.keys(options).length > 0) extras.options = options;
    if (request.correlationId !== undefined) extras.metadata = { correlation_id: request.correlationId };
    return extras;
  }

  #signals(s: SendSignals | undefined): (SignalsWire & { existing_user?: boolean }) | undefined {
    if (!s) return undefined;
    const out: SignalsWire & { existing_user?: boolean } = {};
    // V2 takes IPv4 and IPv6 (a mapped address as its IPv4 one). Anything that is not an
    // address is left out rather than risking a 400 on a login.
    const ip = normalizeIp(s.ip);
    if (ip !== undefined) out.ip = ip;
    if (s.deviceId !== undefined) out.device_id = s.deviceId;
    if (s.deviceType !== undefined && s.deviceType in DEVICE_PLATFORM) out.device_platform = DEVICE_PLATFORM[s.deviceType];
    if (s.deviceModel !== undefined) out.device_model = s.deviceModel;
    if (s.osVersion !== undefined) out.os_version = s.osVersion;
    if (s.appVersion !== undefined) out.app_version = s.appVersion;
    if (s.userAgent !== undefined) out.user_agent = s.userAgent;
    if (this.#sendExistingUser && s.isReturningUser !== undefined) out.existing_user = s.isReturningUser;
    return Object.keys(out).length > 0 ? out : undefined;
  }
}

/** Prelude's risk factors on a send result, for the strategy's events (`riskFactors`). */
function withRiskFactors(result: SendResult, riskFactors: string[] | undefined): SendResult {
  if (riskFactors === undefined || riskFactors.length === 0 || (result.status !== 'sent' && result.status !== 'blocked')) return result;
  return { ...result, riskFactors };
}

function blocked(reason: CreateVerificationResponse['reason']): SendResult {
  switch (reason) {
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

/** The HTTP errors that refuse this number or this volume, as send results; undefined for faults. */
function sendRefusal(err: unknown): SendResult | undefined {
  if (hasApiCode(err, 'too_many_attempts') || isRateLimit(err)) return { status: 'rate_limited' };
  if (!(err instanceof PreludeApiError)) return undefined;
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
  return err instanceof PreludeApiError && codes.includes(err.apiCode);
}

/**
 * HTTP 429 whatever its body: a V2 body with another code (`too_many_requests`), or a gateway's
 * page, which is not JSON and arrives as DingUnavailableError with its status. Test the
 * attempt-limit codes first: they may come with a 429 too.
 */
function isRateLimit(err: unknown): boolean {
  return (err instanceof PreludeApiError || err instanceof DingUnavailableError) && err.upstreamStatus === 429;
}

