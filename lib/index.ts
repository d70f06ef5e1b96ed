// TEMPORARY (written by the strategy helper; the lead owns and replaces this file).
export { DingOtpStrategy, DingOtpStrategy as Strategy } from './strategy.js';
export { decline } from './options.js';
export type {
  DingOtpStrategyOptions,
  DingOtpStrategyOptionsWithRequest,
  DingOtpStrategyOptionsBase,
  SendContext,
  VerificationDetails,
  VerifyDone,
  VerifyFunction,
  VerifyFunctionWithRequest,
  VerifyInfo,
  VerifyValue,
  Declined,
} from './options.js';
export { OUTCOMES, OUTCOME_CODES } from './outcomes.js';
export type { OutcomeCode, FailureInfo, OutcomeMessages } from './outcomes.js';
export { pendingVerification, DEFAULT_SESSION_KEY } from './pending.js';
export type { PublicPendingVerification } from './pending.js';
export type { DingAction } from './augment.js';
export * from './errors.js';
export { DingProvider } from './providers/ding-provider.js';
export { DingClient } from './providers/ding.js';
export type { DingClientOptions } from './providers/ding.js';
export type * from './providers/provider.js';
