// passport-ding: phone-number login by one-time code for Passport, on Prelude Verify V2 (or Ding's legacy OTP API V1).
//
//   import { DingOtpStrategy, pendingVerification } from 'passport-ding';
//
// The sandbox (a local server speaking both APIs) has its own entry: 'passport-ding/sandbox'.

// The strategy (the class is also `Strategy`, as passport-local names it).
export { DingOtpStrategy, DingOtpStrategy as Strategy } from './strategy.js';
export { decline } from './verify-callback.js';
export type { DingOtpStrategyOptions, DingOtpStrategyOptionsBase, DingOtpStrategyOptionsWithRequest, SendContext } from './options.js';
export type { Declined, VerificationDetails, VerifyDone, VerifyFunction, VerifyFunctionWithRequest, VerifyInfo, VerifyValue } from './verify-callback.js';
export type {
  PhoneChangeVerificationDetails,
  PhoneChangeVerifyDone,
  PhoneChangeVerifyFunction,
  PhoneChangeVerifyFunctionWithRequest,
  PhoneChangeVerifyValue,
} from './verify-callback.js';
export type { DingAction } from './augment.js';
export { DING_ACTIONS } from './augment.js';
// libphonenumber-js's ISO 3166 alpha-2 union, the type of `defaultCountry` and `allowedCountries`.
export type { CountryCode } from './phone.js';
export { PHONE_CHANGE_SESSION_KEY } from './options.js';
export type { VerifiedPhoneChange } from './phone-change.js';

// Outcomes and the pending verification's public view.
export { OUTCOMES, OUTCOME_CODES } from './outcomes.js';
export type { FailureInfo, OutcomeCode, OutcomeMessages } from './outcomes.js';
export { DEFAULT_SESSION_KEY, pendingVerification } from './pending.js';
export type { PublicPendingVerification } from './pending.js';

// Errors: one class per failure kind, each with a stable `code`.
export * from './errors.js';

// Providers: the interface the strategy talks to, the registry's names, and both built-ins.
export type * from './providers/provider.js';
export { PROVIDER_NAMES } from './providers/index.js';
export { DELIVERY_CHANNELS } from './providers/delivery.js';
export type { ProviderName } from './providers/index.js';
export { DEFAULT_CIRCUIT_BREAKER } from './circuit-breaker.js';
export type { CircuitBreakerOptions } from './circuit-breaker.js';
export type { ClientCallOptions } from './providers/shared/client-options.js';

// Prelude Verify V2, the default: `new DingOtpStrategy({ apiKey: process.env.PRELUDE_API_KEY }, verify)`.
export { PreludeProvider } from './providers/prelude/provider.js';
export type { PreludeProviderOptions } from './providers/prelude/provider.js';
export { DEFAULT_PRELUDE_BASE_URL, PreludeClient } from './providers/prelude/client.js';
export type {
  CheckVerificationRequest,
  CheckVerificationResponse,
  CreateVerificationRequest,
  CreateVerificationResponse,
  NetworkInfo as PreludeNetworkInfo,
  PreludeClientOptions,
  PreludeLookupOptions,
  PreludeLookupResponse,
  VerificationSignals,
} from './providers/prelude/client.js';

// Ding V1, the legacy API (`apiKey` + `customerUuid`).
export { DingProvider } from './providers/ding/provider.js';
export { DEFAULT_DING_BASE_URL, DingClient } from './providers/ding/client.js';
export type {
  AttemptCapability,
  AuthenticationEvent,
  AuthenticationStatusResponse,
  CheckResponse,
  CreateAuthenticationRequest,
  CheckRequest as DingCheckRequest,
  DingClientOptions,
  FeedbackRequest,
  FeedbackResponse,
  LookupOptions,
  LookupResponse,
  RetryRequest,
  RetryResponse,
  Signals,
  CreateAuthenticationResponse,
} from './providers/ding/client.js';

// Abuse limits and send gates (on by default in memory; share them through Redis).
export { DEFAULT_LIMITS } from './limits/options.js';
export { memoryLimitStore, SharedLimitStore } from './limits/shared-store.js';
export type { MemoryLimitStoreOptions } from './limits/shared-store.js';
export type { CountryRule, LimitName, LimitRule, LimitStore, LimitsOptions, NumberBlockRule, RedisClientLike, RedisStoreOptions } from './limits/options.js';
export type { RefusingRule } from './limits/limits.js';
export { DEFAULT_REFUSED_LINE_TYPES } from './gates/line-type.js';
export type { LineTypeGateOptions } from './gates/line-type.js';
export type { BeforeSend, BeforeSendContext } from './gates/before-send.js';

// Running it in production: events (`onEvent`), OpenTelemetry (`telemetry`), test numbers for app
// review (`testNumbers`), and delivery webhooks (`webhookUrl` with the handlers below).
export type { ActionEvent, ActionEventType, DeliveryEvent, LookupOutcome, OnEvent, PassportDingEvent } from './events.js';
export type { TelemetryOptions } from './telemetry/index.js';
export type { TestNumbersOptions } from './test-numbers.js';
export { dingWebhook, preludeWebhook, verifyPreludeSignature } from './webhooks/index.js';
export type { DingWebhookOptions, PreludeWebhookOptions, WebhookHandler, WebhookStoreOption, WebhookUrlOption } from './webhooks/index.js';
// "Remember this device" for the second factor (the `trustedDevices` option).
export { MAX_TRUSTED_DAYS, TRUSTED_DEVICE_DEFAULTS, TrustedDeviceStoreError } from './trusted-devices/index.js';
export type { TrustedDeviceStore, TrustedDevicesOptions } from './trusted-devices/index.js';
