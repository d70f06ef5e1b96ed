// DingProvider: the OtpProvider the strategy talks to, on top of DingClient. It only maps Ding's
// statuses and documented 400 codes onto the provider's small vocabulary; faults (timeouts, 5xx,
// malformed replies, a bad key, undocumented API errors) are thrown unchanged.

import { OtpApiError, OtpConfigurationError } from '../../errors.js';
import { SMS_ONLY, type ProviderCapabilities } from '../delivery.js';
import { ipv4Address } from '../../ip.js';
import { DingClient, type DingClientOptions } from './client.js';
import type {
  CheckRequest,
  CheckResult,
  CheckStatus,
  LineInfo,
  OtpProvider,
  ResendRequest,
  ResendResult,
  SendRequest,
  SendResult,
  SendSignals,
} from '../provider.js';
import type { CheckStatus as DingCheckStatus, RetryStatus } from './wire.js';

const CHECK: Record<DingCheckStatus, CheckStatus> = {
  valid: 'valid',
  invalid: 'invalid',
  already_validated: 'already_validated',
  without_attempt: 'no_attempt',
  rate_limited: 'too_many_attempts',
  expired_auth: 'expired',
  unknown: 'unknown',
};

const RESEND: Record<RetryStatus, ResendResult['status']> = {
  approved: 'sent',
  denied: 'too_soon',
  rate_limited: 'exhausted',
  expired_auth: 'expired',
  no_attempt: 'no_attempt',
  already_validated: 'already_validated',
};

/**
 * The strategy checks `capabilities` at construction; a caller using this class directly gets the
 * same answer at the call rather than an SMS it did not ask for.
 */
function refuseOtherDelivery(request: SendRequest): void {
  if (request?.channel !== undefined && request.channel !== 'sms') {
    throw new OtpConfigurationError(`Ding V1 sends by SMS only, not ${request.channel}: use Prelude Verify V2 for other channels`);
  }
  if (request?.webOtpDomain !== undefined) throw new OtpConfigurationError('Ding V1 knows only Android app realms: WebOTP needs Prelude Verify V2');
}

/** Ding refuses these numbers with HTTP 400; to the strategy they are a `blocked` result. */
const BLOCKING_API_CODES = ['blocked_number', 'unsupported_region', 'invalid_line'] as const;

/** The Ding OTP V1 (legacy) implementation of {@link OtpProvider}, over a {@link DingClient}. */
export class DingProvider implements OtpProvider {
  readonly name = 'ding';
  /** V1 sends by SMS only and knows only Android app realms: no other channel, no WebOTP. */
  readonly capabilities: ProviderCapabilities = SMS_ONLY;
  readonly client: DingClient;

  /**
   * Give the client options, or a DingClient to share. Either way `close()` closes the client
   * (DingClient.close() may be called again safely).
   */
  constructor(options: DingClientOptions | { client: DingClient }) {
    if (typeof options !== 'object' || options === null) throw new TypeError('DingProvider requires options');
    this.client = 'client' in options ? options.client : new DingClient(options);
    if (!(this.client instanceof DingClient)) throw new TypeError('client must be a DingClient');
  }

  async send(request: SendRequest): Promise<SendResult> {
    refuseOtherDelivery(request);
    const s: SendSignals | undefined = request.signals;
    let reply;
    try {
      // The signals' fields one by one rather than spread from an object of their own: a spread
      // copies through the runtime on every send. `userAgent` has no Ding field and is dropped.
      reply = await this.client.createAuthentication({
        phoneNumber: request.phoneNumber,
        // Ding's `ip` is `format: ipv4` (a mapped `::ffff:1.2.3.4` is IPv4); a real IPv6 address has
        // no place in the field and is left out rather than risking a 400 on a login.
        ip: s ? ipv4Address(s.ip) : undefined,
        deviceId: s?.deviceId,
        deviceType: s?.deviceType,
        deviceModel: s?.deviceModel,
        osVersion: s?.osVersion,
        appVersion: s?.appVersion,
        isReturningUser: s?.isReturningUser,
        locale: request.locale,
        correlationId: request.correlationId,
        templateId: request.templateId,
        senderId: request.senderId,
        callbackUrl: request.callbackUrl,
        appRealm: request.appRealm,
      });
    } catch (err) {
      if (err instanceof OtpApiError) {
        if (err.apiCode === 'invalid_phone_number') return { status: 'invalid_phone_number' };
        const reason = BLOCKING_API_CODES.find((c) => c === err.apiCode);
        if (reason) return { status: 'blocked', reason };
      }
      throw err;
    }
    switch (reply.status) {
      case 'pending':
        return reply.expiresAt
          ? { status: 'sent', id: reply.authenticationUuid, createdAt: reply.createdAt, expiresAt: reply.expiresAt, channel: 'sms' }
          : { status: 'sent', id: reply.authenticationUuid, createdAt: reply.createdAt, channel: 'sms' };
      case 'rate_limited':
        return { status: 'rate_limited' };
      case 'spam_detected':
        return { status: 'blocked', reason: 'spam' };
    }
  }

  async check(request: CheckRequest): Promise<CheckResult> {
    try {
      const reply = await this.client.check({ authenticationUuid: request.id, checkCode: request.code });
      return { status: CHECK[reply.status] };
    } catch (err) {
      if (isUnknownAuthentication(err)) return { status: 'not_found' };
      throw err;
    }
  }

  async resend(request: ResendRequest): Promise<ResendResult> {
    refuseOtherDelivery(request);
    let reply;
    try {
      // Ding's POST /retry takes the authentication UUID and nothing else: the request's signals
      // and message settings have no field there and are not sent (the first send's apply).
      reply = await this.client.retry({ authenticationUuid: request.id });
    } catch (err) {
      if (isUnknownAuthentication(err)) return { status: 'not_found' };
      throw err;
    }
    const result: ResendResult = { status: RESEND[reply.status] };
    if (result.status === 'sent') result.channel = 'sms';
    if (reply.nextRetryAt) result.nextRetryAt = reply.nextRetryAt;
    if (reply.remainingRetry !== undefined) result.remainingRetries = reply.remainingRetry;
    return result;
  }

  async lookup(phoneNumber: string): Promise<LineInfo> {
    const reply = await this.client.lookup(phoneNumber);
    const info: LineInfo = { phoneNumber: reply.phoneNumber ?? phoneNumber };
    if (reply.countryCode !== undefined) info.countryCode = reply.countryCode;
    if (reply.lineType !== undefined) info.lineType = reply.lineType;
    if (reply.temporaryPhoneNumber !== undefined) info.temporary = reply.temporaryPhoneNumber;
    if (reply.carrier !== undefined) info.carrier = reply.carrier;
    return info;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

function isUnknownAuthentication(err: unknown): boolean {
  return err instanceof OtpApiError && err.apiCode === 'invalid_auth_uuid';
}
