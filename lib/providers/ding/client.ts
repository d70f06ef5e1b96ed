// DingClient: every Ding V1 operation (Ding's API contract), typed in camelCase, sent in
// snake_case. Transport, deadlines and error typing live in ../../http.ts; reply checking in
// ./parse.ts. Nothing is retried here: create and retry can send an SMS and check spends an
// attempt. GETs may be repeated once by the HTTP layer after a connection failure.

import { JsonHttpClient } from '../../http.js';
import type { ClientCallOptions } from '../shared/client-options.js';
import { requireApiKey, requireString } from '../shared/credentials.js';
import {
  parseAuthenticationStatus,
  parseCheck,
  parseCreateAuthentication,
  parseErrorResponse,
  parseFeedback,
  parseLookup,
  parseRetry,
  type AuthenticationStatusResponse,
  type CheckResponse,
  type CreateAuthenticationResponse,
  type FeedbackResponse,
  type LookupResponse,
  type RetryResponse,
} from './parse.js';
import {
  UUID,
  type CreateAuthenticationRequestWire,
  type DeviceType,
  type FeedbackStatus,
  type LookupType,
} from './wire.js';

export type {
  AttemptCapability,
  AuthenticationEvent,
  AuthenticationStatusResponse,
  CheckResponse,
  CreateAuthenticationResponse,
  FeedbackResponse,
  LookupResponse,
  RetryResponse,
  Signals,
} from './parse.js';

/** Ding V1's API base URL, the default `baseUrl`. */
export const DEFAULT_DING_BASE_URL = 'https://api.ding.live/v1';

/** Options of `new DingClient()` (and of `DingProvider`). */
export interface DingClientOptions extends ClientCallOptions {
  /** Sent as `x-api-key`. Never appears in an error. */
  apiKey: string;
  /** Your app's customer UUID (dashboard: Settings > API Keys > Legacy Credentials). */
  customerUuid: string;
  /** Default `https://api.ding.live/v1`. Must be https, except for loopback hosts (the sandbox). */
  baseUrl?: string | undefined;
}

/** `POST /authentication`, camelCase. */
export interface CreateAuthenticationRequest {
  /** E.164, e.g. `+15551234567`. */
  phoneNumber: string;
  /** The end user's IPv4 address. */
  ip?: string | undefined;
  deviceId?: string | undefined;
  deviceType?: DeviceType | undefined;
  appVersion?: string | undefined;
  senderId?: string | undefined;
  callbackUrl?: string | undefined;
  /** Android SMS Retriever app hash; Ding wants `deviceType` with it. */
  appRealm?: string | undefined;
  osVersion?: string | undefined;
  deviceModel?: string | undefined;
  isReturningUser?: boolean | undefined;
  templateId?: string | undefined;
  correlationId?: string | undefined;
  /** BCP-47, e.g. `en-US`. */
  locale?: string | undefined;
}

/** `POST /check`, camelCase. */
export interface CheckRequest {
  authenticationUuid: string;
  /** The code the user typed. */
  checkCode: string;
}

/** `POST /retry`, camelCase. */
export interface RetryRequest {
  authenticationUuid: string;
}

/** `POST /authentication/feedback`, camelCase. */
export interface FeedbackRequest {
  phoneNumber: string;
  status: FeedbackStatus;
}

/** Options of `DingClient.lookup()`. */
export interface LookupOptions {
  /** `['cnam']` also asks for the caller name (needs account enablement). */
  types?: LookupType[] | undefined;
}

/** A typed client for every operation of the Ding V1 OTP API. */
export class DingClient {
  readonly #http: JsonHttpClient;
  readonly #customerUuid: string;

  constructor(options: DingClientOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('DingClient requires options');
    const { apiKey, customerUuid } = options;
    requireApiKey(apiKey, 'DingClient');
    if (typeof customerUuid !== 'string' || !UUID.test(customerUuid)) throw new TypeError('DingClient requires a customerUuid (a UUID)');
    this.#customerUuid = customerUuid;
    this.#http = new JsonHttpClient({
      baseUrl: options.baseUrl ?? DEFAULT_DING_BASE_URL,
      timeoutMs: options.timeoutMs,
      connections: options.connections,
      headers: { 'x-api-key': apiKey },
      secrets: [apiKey, ...(options.redact ?? [])],
      parseErrorBody: parseErrorResponse,
      serviceName: 'Ding',
      circuitBreaker: options.circuitBreaker,
      authErrorHint: options.authErrorHint,
    });
  }

  /** The deadline each call gets, in milliseconds. */
  get timeoutMs(): number {
    return this.#http.timeoutMs;
  }

  /** POST /authentication: sends a code. Rate limiting and spam come back as a status, not an error. */
  async createAuthentication(req: CreateAuthenticationRequest): Promise<CreateAuthenticationResponse> {
    requireString(req?.phoneNumber, 'phoneNumber');
    const body: CreateAuthenticationRequestWire = {
      customer_uuid: this.#customerUuid,
      phone_number: req.phoneNumber,
      ip: req.ip,
      device_id: req.deviceId,
      device_type: req.deviceType,
      app_version: req.appVersion,
      sender_id: req.senderId,
      callback_url: req.callbackUrl,
      app_realm: req.appRealm,
      os_version: req.osVersion,
      device_model: req.deviceModel,
      is_returning_user: req.isReturningUser,
      template_id: req.templateId,
      correlation_id: req.correlationId,
      locale: req.locale,
    };
    // JSON.stringify drops the undefined fields.
    const reply = await this.#http.request({ method: 'POST', path: '/authentication', operation: 'createAuthentication', body });
    return parseCreateAuthentication(reply);
  }

  /** POST /check: a wrong code is `{ status: 'invalid' }`, not an error. */
  async check(req: CheckRequest): Promise<CheckResponse> {
    requireString(req?.authenticationUuid, 'authenticationUuid');
    requireString(req.checkCode, 'checkCode');
    const reply = await this.#http.request({
      method: 'POST',
      path: '/check',
      operation: 'check',
      body: { customer_uuid: this.#customerUuid, authentication_uuid: req.authenticationUuid, check_code: req.checkCode },
    });
    return parseCheck(reply, req.authenticationUuid);
  }

  /** POST /retry: resends the code of an existing authentication. */
  async retry(req: RetryRequest): Promise<RetryResponse> {
    requireString(req?.authenticationUuid, 'authenticationUuid');
    const reply = await this.#http.request({
      method: 'POST',
      path: '/retry',
      operation: 'retry',
      body: { customer_uuid: this.#customerUuid, authentication_uuid: req.authenticationUuid },
    });
    return parseRetry(reply, req.authenticationUuid);
  }

  /** POST /authentication/feedback: reports whether the user finished onboarding. */
  async feedback(req: FeedbackRequest): Promise<FeedbackResponse> {
    requireString(req?.phoneNumber, 'phoneNumber');
    requireString(req.status, 'status');
    const reply = await this.#http.request({
      method: 'POST',
      path: '/authentication/feedback',
      operation: 'feedback',
      body: { customer_uuid: this.#customerUuid, phone_number: req.phoneNumber, status: req.status },
    });
    return parseFeedback(reply);
  }

  /** GET /authentication/{auth_uuid}: the authentication's signals and event log. */
  async getAuthenticationStatus(authenticationUuid: string): Promise<AuthenticationStatusResponse> {
    requireString(authenticationUuid, 'authenticationUuid');
    const reply = await this.#http.request({
      method: 'GET',
      path: `/authentication/${encodeURIComponent(authenticationUuid)}`,
      operation: 'getAuthenticationStatus',
    });
    return parseAuthenticationStatus(reply);
  }

  /** GET /lookup/{phone_number}: carrier, line type, country; the customer UUID goes in a header here. */
  async lookup(phoneNumber: string, options: LookupOptions = {}): Promise<LookupResponse> {
    requireString(phoneNumber, 'phoneNumber');
    const reply = await this.#http.request({
      method: 'GET',
      // `+` must be `%2B` in a path segment.
      path: `/lookup/${encodeURIComponent(phoneNumber)}`,
      operation: 'lookup',
      headers: { 'customer-uuid': this.#customerUuid },
      query: { type: options.types && options.types.length > 0 ? options.types : undefined },
    });
    return parseLookup(reply);
  }

  /** Closes every pooled socket. Safe to call more than once. */
  close(): Promise<void> {
    return this.#http.close();
  }
}
