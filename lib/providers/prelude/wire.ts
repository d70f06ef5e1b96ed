// The Prelude Verify V2 wire format (Prelude's docs and npm @prelude.so/sdk 0.10.0), snake_case
// as sent. The client (providers/prelude/client.ts) and the sandbox (sandbox/prelude/) share these
// types and nothing else. Enum values are `as const` arrays so both sides can check a value
// at run time, not only type it.

import type { LineType } from '../ding/wire.js';

export const TARGET_TYPES = ['phone_number', 'email_address'] as const;
export type TargetType = (typeof TARGET_TYPES)[number];

/** Create statuses in SDK 0.10.0. */
export const CREATE_STATUSES = ['success', 'retry', 'blocked'] as const;
/**
 * Newer create statuses (SDK code after 0.10.0): a window is open, but only non-SMS channels may
 * be used (`challenged`), or the request was silently refused (`shadow_blocked`). The client must
 * not fail on them.
 */
export const NEWER_CREATE_STATUSES = ['challenged', 'shadow_blocked'] as const;
export type CreateStatus = (typeof CREATE_STATUSES)[number] | (typeof NEWER_CREATE_STATUSES)[number];

export const METHODS = ['email', 'message', 'silent', 'voice'] as const;
export type Method = (typeof METHODS)[number];

export const CHANNELS = ['rcs', 'silent', 'sms', 'telegram', 'viber', 'voice', 'whatsapp', 'zalo'] as const;
export type Channel = (typeof CHANNELS)[number];

export const BLOCK_REASONS = [
  'expired_signature',
  'in_block_list',
  'invalid_phone_line',
  'invalid_phone_number',
  'invalid_signature',
  'repeated_attempts',
  'suspicious',
] as const;
export type BlockReason = (typeof BLOCK_REASONS)[number];

export const CHECK_STATUSES = ['success', 'failure', 'expired_or_not_found'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export const DEVICE_PLATFORMS = ['android', 'ios', 'ipados', 'tvos', 'web'] as const;
export type DevicePlatform = (typeof DEVICE_PLATFORMS)[number];

export const PREFERRED_CHANNELS = ['sms', 'rcs', 'whatsapp', 'viber', 'zalo', 'telegram'] as const;
export type PreferredChannel = (typeof PREFERRED_CHANNELS)[number];

export const REQUEST_METHODS = ['auto', 'voice', 'message'] as const;
export type RequestMethod = (typeof REQUEST_METHODS)[number];

/**
 * Error codes the contract lists (§4). The list is known to be incomplete, so a client must accept
 * any string `code`; the sandbox only answers with these.
 */
export const ERROR_CODES = [
  'channel_not_enabled_in_region',
  'custom_code_not_allowed',
  'custom_size_conflict',
  'email_verification_not_allowed',
  'insufficient_balance',
  'internal',
  'invalid_api_key',
  'invalid_app_realm',
  'invalid_app_realm_platform',
  'invalid_app_realm_value',
  'invalid_bearer_token',
  'invalid_callback_url',
  'invalid_code_size',
  'invalid_correlation_id',
  'invalid_custom_code',
  'invalid_device_id',
  'invalid_line_type',
  'invalid_locale',
  'invalid_os_version',
  'invalid_phone_number',
  'invalid_request',
  'invalid_sender_id',
  'invalid_template_id',
  'invalid_template_variables',
  'missing_api_token',
  'suspended_account',
  'template_not_found',
  'template_not_registered_in_country',
  'unsupported_country',
  // Seen in third-party code, not in Prelude's docs: what a create past the attempt limit or a
  // check past the check limit may answer. Kept for the sandbox's scripts.
  'too_many_attempts',
  'too_many_checks',
  'too_many_requests',
] as const;
export type PreludeErrorCode = (typeof ERROR_CODES)[number];

export interface TargetWire {
  type: TargetType;
  value: string;
}

export interface SignalsWire {
  ip?: string;
  device_id?: string;
  device_platform?: DevicePlatform;
  device_model?: string;
  os_version?: string;
  app_version?: string;
  user_agent?: string;
  is_trusted_user?: boolean;
  ja4_fingerprint?: string;
}

/**
 * `android`: `value` is the 11-character SMS Retriever app hash. `web` (since 2026-01): `value` is
 * the site's domain, and the message ends in the WebOTP format (`@example.com #123456`).
 */
export interface AppRealmWire {
  platform: 'android' | 'web';
  value: string;
}

export interface OptionsWire {
  template_id?: string;
  variables?: Record<string, string>;
  locale?: string;
  sender_id?: string;
  code_size?: number;
  custom_code?: string;
  callback_url?: string;
  method?: RequestMethod;
  preferred_channel?: PreferredChannel;
  app_realm?: AppRealmWire;
  /** Removed from Prelude's spec in 2026-01: the client never sends it; older callers may. */
  integration?: 'auth0' | 'supabase';
}

export interface MetadataWire {
  correlation_id?: string;
}

export interface CreateVerificationRequestWire {
  target: TargetWire;
  signals?: SignalsWire;
  options?: OptionsWire;
  metadata?: MetadataWire;
  /** The dispatch id from Prelude's front-end SDK (36 characters, UUID form). */
  dispatch_id?: string;
}

export interface CreateVerificationResponseWire {
  id: string;
  status: CreateStatus;
  method: Method;
  channels?: Channel[];
  reason?: BlockReason;
  metadata?: MetadataWire;
  request_id?: string;
  /** Opaque strings: new values keep appearing in Prelude's SDK releases. */
  risk_factors?: string[];
  silent?: { request_url: string };
}

export interface CheckVerificationRequestWire {
  target: TargetWire;
  code: string;
}

export interface CheckVerificationResponseWire {
  status: CheckStatus;
  id?: string;
  metadata?: MetadataWire;
  request_id?: string;
}

/** `{ code, message, param? }` per the V2 docs; `type` and `request_id` per a third-party model. */
export interface ErrorResponseWire {
  code: string;
  message: string;
  param?: string;
  type?: string;
  request_id?: string;
}

/** `GET /v2/lookup/{phone_number}` line types, snake_case. */
export const LOOKUP_LINE_TYPES = [
  'calling_cards',
  'fixed_line',
  'isp',
  'local_rate',
  'mobile',
  'other',
  'pager',
  'payphone',
  'premium_rate',
  'satellite',
  'service',
  'shared_cost',
  'short_codes_commercial',
  'toll_free',
  'universal_access',
  'unknown',
  'vpn',
  'voice_mail',
  'voip',
] as const;
export type LookupLineType = (typeof LOOKUP_LINE_TYPES)[number];

/**
 * Each V2 line type as Ding V1 spells it. The two APIs list the same 19 types; the strategy's
 * line-type gate and `LineInfo` use Ding's names, so both providers report the same values.
 */
export const LINE_TYPE_TO_DING: Readonly<Record<LookupLineType, LineType>> = {
  calling_cards: 'CallingCards',
  fixed_line: 'FixedLine',
  isp: 'InternetServiceProvider',
  local_rate: 'LocalRate',
  mobile: 'Mobile',
  other: 'Other',
  pager: 'Pager',
  payphone: 'PayPhone',
  premium_rate: 'PremiumRate',
  satellite: 'Satellite',
  service: 'Service',
  shared_cost: 'SharedCost',
  short_codes_commercial: 'ShortCodesCommercial',
  toll_free: 'TollFree',
  universal_access: 'UniversalAccess',
  unknown: 'Unknown',
  vpn: 'VPN',
  voice_mail: 'VoiceMail',
  voip: 'Voip',
};

export const LOOKUP_FLAGS = ['ported', 'temporary'] as const;
export type LookupFlag = (typeof LOOKUP_FLAGS)[number];

export interface NetworkInfoWire {
  carrier_name?: string;
  mcc?: string;
  mnc?: string;
}

/** The lookup reply: every field optional. */
export interface LookupResponseWire {
  phone_number?: string;
  /** ISO 3166-1 alpha-2. */
  country_code?: string;
  line_type?: LookupLineType;
  flags?: LookupFlag[];
  /** Only with `?type=cnam`, when the account has it enabled. */
  caller_name?: string;
  network_info?: NetworkInfoWire;
  original_network_info?: NetworkInfoWire;
}
