// passport-ding: phone-number login by one-time code for Passport, on the Ding OTP API.
//
//   import { DingOtpStrategy, pendingVerification } from 'passport-ding';
//
// The sandbox (a local Ding-compatible server) has its own entry: 'passport-ding/sandbox'.

// The strategy (the class is also `Strategy`, as passport-local names it).
export { DingOtpStrategy, DingOtpStrategy as Strategy } from './strategy.js';
export { decline } from './options.js';
export type {
  Declined,
  DingOtpStrategyOptions,
  DingOtpStrategyOptionsBase,
  DingOtpStrategyOptionsWithRequest,
  SendContext,
  VerificationDetails,
  VerifyDone,
  VerifyFunction,
  VerifyFunctionWithRequest,
  VerifyInfo,
  VerifyValue,
} from './options.js';
export type { DingAction } from './augment.js';

// Outcomes and the pending verification's public view.
export { OUTCOMES, OUTCOME_CODES } from './outcomes.js';
export type { FailureInfo, OutcomeCode, OutcomeMessages } from './outcomes.js';
export { DEFAULT_SESSION_KEY, pendingVerification } from './pending.js';
export type { PublicPendingVerification } from './pending.js';

// Errors: one class per failure kind, each with a stable `code`.
export * from './errors.js';

// Providers: the interface the strategy talks to, and the Ding V1 implementation.
export type * from './providers/provider.js';
export { DingProvider } from './providers/ding-provider.js';
export { DEFAULT_DING_BASE_URL, DingClient } from './providers/ding.js';
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
} from './providers/ding.js';

// Prelude Verify V2, Ding's successor: `new DingOtpStrategy({ provider: 'prelude', apiKey })`.
export { DEFAULT_PRELUDE_BASE_URL, PreludeApiError, PreludeProvider } from './providers/prelude.js';
export type {
  CheckVerificationResponse,
  CreateVerificationResponse,
  NetworkInfo as PreludeNetworkInfo,
  PreludeLookupResponse,
  PreludeProviderOptions,
} from './providers/prelude.js';

// Abuse limits and send gates (on by default in memory; share them through Redis).
export { DEFAULT_LIMITS } from './limits/options.js';
export type { CountryRule, LimitName, LimitRule, LimitStore, LimitsOptions, NumberBlockRule, RedisClientLike } from './limits/options.js';
export type { RefusingRule } from './limits/limits.js';
export { DEFAULT_REFUSED_LINE_TYPES } from './gates/line-type.js';
export type { LineTypeGateOptions } from './gates/line-type.js';
export type { BeforeSend, BeforeSendContext } from './gates/before-send.js';
