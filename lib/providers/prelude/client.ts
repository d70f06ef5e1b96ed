// PreludeClient: every Prelude Verify V2 operation the library uses, typed in camelCase, sent in
// snake_case, like DingClient for V1: create (`POST /v2/verification`, which is also the resend),
// check (`POST /v2/verification/check`, by phone number) and lookup (`GET /v2/lookup/{phone}`).
// Transport, deadlines and error typing live in ../../http.ts, which never repeats a POST (a create
// can send a paid SMS); reply checking in ./parse.ts.

import { JsonHttpClient } from '../../http.js';
import type { ClientCallOptions } from '../shared/client-options.js';
import { requireApiKey, requireString } from '../shared/credentials.js';
import {
  parseCheckVerification,
  parseCreateVerification,
  parseLookup,
  parsePreludeError,
  type CheckVerificationResponse,
  type CreateVerificationResponse,
  type PreludeLookupResponse,
} from './parse.js';
import type {
  CheckVerificationRequestWire,
  CreateVerificationRequestWire,
  DevicePlatform,
  OptionsWire,
  PreferredChannel,
  RequestMethod,
  SignalsWire,
} from './wire.js';

export type { CheckVerificationResponse, CreateVerificationResponse, NetworkInfo, PreludeLookupResponse } from './parse.js';

/** Prelude's API base URL, the default `baseUrl`. */
export const DEFAULT_PRELUDE_BASE_URL = 'https://api.prelude.dev';

/** Options of `new PreludeClient()` (and of `PreludeProvider`). */
export interface PreludeClientOptions extends ClientCallOptions {
  /** A V2 API key (Dashboard: Settings > API keys), sent as `Authorization: Bearer`. Never in an error. */
  apiKey: string;
  /**
   * Default `https://api.prelude.dev` (the sandbox's `preludeUrl`). A base ending in `/v2`, as the
   * docs write it, works too. Must be https, except for loopback hosts.
   */
  baseUrl?: string | undefined;
}

/** Fraud signals of a create (`signals`), camelCase. All optional. */
export interface VerificationSignals {
  /** IPv4 or IPv6 address of the end user. */
  ip?: string | undefined;
  deviceId?: string | undefined;
  devicePlatform?: DevicePlatform | undefined;
  deviceModel?: string | undefined;
  osVersion?: string | undefined;
  appVersion?: string | undefined;
  userAgent?: string | undefined;
  /** The TLS client's JA4 fingerprint, as your edge computes it. */
  ja4Fingerprint?: string | undefined;
}

/** `POST /v2/verification`, camelCase. */
export interface CreateVerificationRequest {
  /** E.164, e.g. `+15551234567`. */
  phoneNumber: string;
  signals?: VerificationSignals | undefined;
  /** The dispatch id from Prelude's front-end SDK (top-level `dispatch_id`). */
  dispatchId?: string | undefined;
  /** BCP-47 message language, e.g. `en-US`. */
  locale?: string | undefined;
  templateId?: string | undefined;
  senderId?: string | undefined;
  callbackUrl?: string | undefined;
  /** Android SMS Retriever app hash (`options.app_realm`, platform `android`). */
  appRealm?: string | undefined;
  /**
   * The site's domain for WebOTP (`options.app_realm`, platform `web`), e.g. `example.com`. Not
   * together with `appRealm` (one realm per message); `appRealm` wins.
   */
  webOtpDomain?: string | undefined;
  /** Digits per code, 4 to 8. */
  codeSize?: number | undefined;
  method?: RequestMethod | undefined;
  preferredChannel?: PreferredChannel | undefined;
  /** Echoed in replies and webhooks (`metadata.correlation_id`). */
  correlationId?: string | undefined;
}

/** `POST /v2/verification/check`, camelCase. */
export interface CheckVerificationRequest {
  /** E.164: V2 checks by target. */
  phoneNumber: string;
  code: string;
  /**
   * The id of the window this login holds. When given, a `success` must name it, or the reply is
   * malformed (never a login).
   */
  verificationId?: string | undefined;
}

/** Options of `PreludeClient.lookup()`. */
export interface PreludeLookupOptions {
  /** Also ask for the caller name (`?type=cnam`), which Prelude must enable for the account. */
  cnam?: boolean | undefined;
}

/** A typed client for the Prelude Verify V2 operations the library uses: create, check, lookup. */
export class PreludeClient {
  readonly #http: JsonHttpClient;
  readonly #prefix: string;

  constructor(options: PreludeClientOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('PreludeClient requires options');
    const { apiKey } = options;
    requireApiKey(apiKey, 'PreludeClient');
    const baseUrl = options.baseUrl ?? DEFAULT_PRELUDE_BASE_URL;
    // Ding V1's base (the sandbox's `url`) would be accepted here and fail only at the first send,
    // as a malformed reply: V2 lives at the root (or /v2), never under /v1.
    if (typeof baseUrl === 'string' && URL.canParse(baseUrl) && /\/v1\/*$/.test(new URL(baseUrl).pathname)) {
      throw new TypeError(
        'PreludeClient: `baseUrl` ends in /v1, the Ding V1 API (the sandbox\'s `sandbox.url`); Prelude Verify V2 takes `sandbox.preludeUrl` or https://api.prelude.dev',
      );
    }
    this.#http = new JsonHttpClient({
      baseUrl,
      timeoutMs: options.timeoutMs,
      connections: options.connections,
      headers: { authorization: `Bearer ${apiKey}` },
      secrets: [apiKey, ...(options.redact ?? [])],
      parseErrorBody: parsePreludeError,
      // V2 documents only "4xx = your input": read the error body of each 4xx the SDK names, so a
      // 422 `invalid_phone_number` is a refusal like a 400 one.
      errorStatuses: [400, 404, 409, 422, 429],
      serviceName: 'Prelude',
      circuitBreaker: options.circuitBreaker,
      authErrorHint: options.authErrorHint,
    });
    // The docs give the base as `https://api.prelude.dev/v2`, the SDK as `https://api.prelude.dev`.
    this.#prefix = /\/v2\/*$/.test(new URL(baseUrl).pathname) ? '' : '/v2';
  }

  /** The deadline each call gets, in milliseconds. */
  get timeoutMs(): number {
    return this.#http.timeoutMs;
  }

  /** POST /v2/verification: sends a code, or resends inside the open window. `blocked` is a result. */
  async createVerification(req: CreateVerificationRequest): Promise<CreateVerificationResponse> {
    requireString(req?.phoneNumber, 'phoneNumber');
    const body: CreateVerificationRequestWire = { target: { type: 'phone_number', value: req.phoneNumber } };
    const signals = signalsWire(req.signals);
    if (signals) body.signals = signals;
    const options = optionsWire(req);
    if (options) body.options = options;
    if (req.correlationId !== undefined) body.metadata = { correlation_id: req.correlationId };
    if (req.dispatchId !== undefined) body.dispatch_id = req.dispatchId;
    const reply = await this.#http.request({ method: 'POST', path: `${this.#prefix}/verification`, operation: 'createVerification', body });
    return parseCreateVerification(reply);
  }

  /** POST /v2/verification/check: a wrong code is `{ status: 'failure' }`, not an error. */
  async checkVerification(req: CheckVerificationRequest): Promise<CheckVerificationResponse> {
    requireString(req?.phoneNumber, 'phoneNumber');
    requireString(req.code, 'code');
    const body: CheckVerificationRequestWire = { target: { type: 'phone_number', value: req.phoneNumber }, code: req.code };
    const reply = await this.#http.request({ method: 'POST', path: `${this.#prefix}/verification/check`, operation: 'checkVerification', body });
    return parseCheckVerification(reply, req.verificationId);
  }

  /** GET /v2/lookup/{phone_number}, as it is (V2's snake_case line type). */
  async lookup(phoneNumber: string, options: PreludeLookupOptions = {}): Promise<PreludeLookupResponse> {
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

  /** Closes every pooled socket. Safe to call more than once. */
  close(): Promise<void> {
    return this.#http.close();
  }
}

/** camelCase signals -> `signals`, leaving out everything absent; undefined when nothing is left. */
function signalsWire(s: VerificationSignals | undefined): SignalsWire | undefined {
  if (!s) return undefined;
  const out: SignalsWire = {};
  if (s.ip !== undefined) out.ip = s.ip;
  if (s.deviceId !== undefined) out.device_id = s.deviceId;
  if (s.devicePlatform !== undefined) out.device_platform = s.devicePlatform;
  if (s.deviceModel !== undefined) out.device_model = s.deviceModel;
  if (s.osVersion !== undefined) out.os_version = s.osVersion;
  if (s.appVersion !== undefined) out.app_version = s.appVersion;
  if (s.userAgent !== undefined) out.user_agent = s.userAgent;
  if (s.ja4Fingerprint !== undefined) out.ja4_fingerprint = s.ja4Fingerprint;
  // Never `is_trusted_user` (it lowers Prelude's fraud checks and must be agreed with Prelude
  // first) and never `existing_user` (in no dated release of Prelude's SDKs).
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The message settings -> `options`; undefined when none is set. `integration` is never sent. */
function optionsWire(req: CreateVerificationRequest): OptionsWire | undefined {
  const out: OptionsWire = {};
  if (req.codeSize !== undefined) out.code_size = req.codeSize;
  if (req.method !== undefined) out.method = req.method;
  if (req.preferredChannel !== undefined) out.preferred_channel = req.preferredChannel;
  if (req.locale !== undefined) out.locale = req.locale;
  if (req.templateId !== undefined) out.template_id = req.templateId;
  if (req.senderId !== undefined) out.sender_id = req.senderId;
  if (req.callbackUrl !== undefined) out.callback_url = req.callbackUrl;
  if (req.appRealm !== undefined) out.app_realm = { platform: 'android', value: req.appRealm };
  else if (req.webOtpDomain !== undefined) out.app_realm = { platform: 'web', value: req.webOtpDomain };
  return Object.keys(out).length > 0 ? out : undefined;
}
