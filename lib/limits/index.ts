// Abuse limits: sends per phone and per IP, wrong codes per phone (see ./limits.ts).
export { Limits } from './limits.js';
export { LimitStoreError } from '../errors.js';
export type { FailedCheckGrant, LimitDecision, LimitGrant, LimitRefusal } from './limits.js';
export { DEFAULT_LIMITS, DEFAULT_LIMIT_PREFIX, resolveLimits } from './options.js';
export type { LimitName, LimitRule, LimitSettings, LimitStore, LimitsOptions, RedisClientLike } from './options.js';
export { ipKey, ipNetwork, phoneKey } from './keys.js';
