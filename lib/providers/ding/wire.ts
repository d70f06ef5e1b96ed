// The Ding V1 wire format, exactly as Ding's openapi.yaml spells it (snake_case).
// The client (providers/ding/client.ts) and the sandbox (sandbox/) share these types and nothing else.
// Enum values are `as const` arrays so both sides can check a value at run time, not only type it.

export const AUTHENTICATION_STATUSES = ['pending', 'rate_limited', 'spam_detected'] as const;
export type AuthenticationStatus = (typeof AUTHENTICATION_STATUSES)[number];

export const CHECK_STATUSES = [
  'unknown',
  'valid',
  'invalid',
  'without_attempt',
  'rate_limited',
  'already_validated',
  'expired_auth',
] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export const RETRY_STATUSES = [
  'approved',
  'denied',
  'no_attempt',
  'rate_limited',
  'expired_auth',
  'already_validated',
] as const;
export type RetryStatus = (typeof RETRY_STATUSES)[number];

export const FEEDBACK_STATUSES = ['onboarded', 'not_onboarded'] as const;
export type FeedbackStatus = (typeof FEEDBACK_STATUSES)[number];

export const DEVICE_TYPES = ['IOS', 'ANDROID', 'WEB'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** `signals.device_type` in the status response is wider than the request enum. */
export const SIGNAL_DEVICE_TYPES = ['ANDROID', 'IOS', 'IPADOS', 'TVOS', 'WEB'] as const;
export type SignalDeviceType = (typeof SIGNAL_DEVICE_TYPES)[number];

export const ATTEMPT_STATUSES = ['pending', 'delivered', 'failed', 'rate_limited', 'expired'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

export const DELIVERY_STATUSES = ['unknown', 'submitted', 'in_transit', 'delivered', 'undeliverable'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const CAPABILITIES = ['rcs', 'text', 'whatsapp', 'viber'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export const BALANCE_UPDATE_TYPES = [
  'unknown',
  'authentication',
  'attempt',
  'attempt_pending',
  'attempt_success',
  'authentication_pending',
  'authentication_success',
] as const;
export type BalanceUpdateType = (typeof BALANCE_UPDATE_TYPES)[number];

/** An authentication UUID (and the customer UUID), as Ding writes them; matched case-blind. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const EVENT_TYPES = ['attempt', 'check', 'delivery_status', 'balance_update'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const LINE_TYPES = [
  'CallingCards',
  'FixedLine',
  'InternetServiceProvider',
  'LocalRate',
  'Mobile',
  'Other',
  'Pager',
  'PayPhone',
  'PremiumRate',
  'Satellite',
  'Service',
  'SharedCost',
  'ShortCodesCommercial',
  'TollFree',
  'UniversalAccess',
  'Unknown',
  'VPN',
  'VoiceMail',
  'Voip',
] as const;
export type LineType = (typeof LINE_TYPES)[number];

export const LOOKUP_TYPES = ['cnam'] as const;
export type LookupType = (typeof LOOKUP_TYPES)[number];

export const ERROR_CODES = [
  'account_invalid',
  'app_realm_require_device_type',
  'bad_request',
  'blocked_number',
  'duplicated_feedback_status',
  'internal_server_error',
  'invalid_app_realm',
  'invalid_app_version',
  'invalid_auth_uuid',
  'invalid_device_id',
  'invalid_device_model',
  'invalid_feedback_status',
  'invalid_line',
  'invalid_os_version',
  'invalid_phone_number',
  'invalid_sender_id',
  'invalid_template_id',
  'negative_balance',
  'no_associated_auth_found',
  'suspended_account',
  'unauthorized_sender_id',
  'unsupported_app_realm_device_type',
  'unsupported_region',
] as const;
export type DingErrorCode = (typeof ERROR_CODES)[number];

/** RFC 3339 date-time, always UTC with `Z` when the sandbox writes it. */
export type DateTime = string;

/**
 * The optional fields admit `undefined`: DingClient fills them straight from the caller's request,
 * and JSON.stringify leaves an undefined field out of the body.
 */
export interface CreateAuthenticationRequestWire {
  customer_uuid: string;
  phone_number: string;
  ip?: string | undefined;
  device_id?: string | undefined;
  device_type?: DeviceType | undefined;
  app_version?: string | undefined;
  sender_id?: string | undefined;
  callback_url?: string | undefined;
  app_realm?: string | undefined;
  os_version?: string | undefined;
  device_model?: string | undefined;
  is_returning_user?: boolean | undefined;
  template_id?: string | undefined;
  correlation_id?: string | undefined;
  locale?: string | undefined;
}

export interface CreateAuthenticationResponseWire {
  authentication_uuid?: string;
  status?: AuthenticationStatus;
  created_at?: DateTime;
  expires_at?: DateTime;
}

export interface CreateCheckRequestWire {
  customer_uuid: string;
  authentication_uuid: string;
  check_code: string;
}

export interface CreateCheckResponseWire {
  authentication_uuid?: string;
  status?: CheckStatus;
}

export interface RetryAuthenticationRequestWire {
  customer_uuid: string;
  authentication_uuid: string;
}

export interface RetryAuthenticationResponseWire {
  authentication_uuid?: string;
  status?: RetryStatus;
  created_at?: DateTime;
  next_retry_at?: DateTime;
  remaining_retry?: number;
}

export interface FeedbackRequestWire {
  customer_uuid: string;
  phone_number: string;
  status: FeedbackStatus;
}

export interface FeedbackResponseWire {
  uuid?: string;
}

export interface SignalsWire {
  ip?: string;
  device_id?: string;
  device_type?: SignalDeviceType;
  app_version?: string;
  app_realm?: string;
  os_version?: string;
  device_model?: string;
  is_returning_user?: boolean;
}

export interface AttemptEventWire {
  type: 'attempt';
  created_at?: DateTime;
  id?: string;
  content?: string;
  sender_id?: string;
  capability?: Capability;
  attempt_number?: number;
  status?: AttemptStatus;
}

export interface CheckEventWire {
  type: 'check';
  created_at?: DateTime;
  id?: string;
  code?: string;
  status?: CheckStatus;
}

export interface DeliveryStatusEventWire {
  type: 'delivery_status';
  created_at?: DateTime;
  status?: DeliveryStatus;
  attempt_id?: string;
  attempt_number?: number;
  originated_at?: DateTime;
}

export interface BalanceUpdateEventWire {
  type: 'balance_update';
  created_at?: DateTime;
  balance_update_type?: BalanceUpdateType;
  amount?: number;
}

export type AuthenticationEventWire =
  | AttemptEventWire
  | CheckEventWire
  | DeliveryStatusEventWire
  | BalanceUpdateEventWire;

export interface AuthenticationStatusResponseWire {
  uuid?: string;
  phone_number?: string;
  template_id?: string;
  correlation_id?: string;
  created_at?: DateTime;
  signals?: SignalsWire;
  events?: AuthenticationEventWire[];
}

export interface LookupResponseWire {
  phone_number?: string;
  mcc?: string;
  mnc?: string;
  caller_name?: string;
  carrier?: string;
  country_code?: string;
  number_ported?: boolean;
  temporary_phone_number?: boolean;
  line_type?: LineType;
}

export interface ErrorResponseWire {
  code: DingErrorCode;
  message: string;
  doc_url: string;
}
