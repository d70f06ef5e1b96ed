// Abuse limits: sends per phone, address, network, number block, country and in all; wrong codes
// per phone and per address, consecutive wrong codes per phone; the resend cooldown and the
// verification window's owner across sessions (see ./limits.ts and docs/limits.md).
export { Limits } from './limits.js';
export type { FailedCheckGrant, LimitDecision, LimitGrant, LimitRefusal, RefusingRule } from './limits.js';
export { LimitStoreError } from '../errors.js';
export { DEFAULT_LIMITS, DEFAULT_LIMIT_PREFIX, DEFAULT_MAX_KEYS, LIMIT_NAMES, MAX_CONSECUTIVE_FAILURES, MAX_MAX_KEYS, noLimits, resolveLimits } from './options.js';
export type { CountryRule, LimitName, LimitRule, LimitSettings, LimitStore, LimitsOptions, NumberBlockRule, RedisClientLike, RedisStoreOptions } from './options.js';
export { blockKey, ipKey, ipNetwork, networkKey, phoneKey, wideNetwork } from './keys.js';
export { MemoryStore } from './memory-store.js';
export { memoryLimitStore, SharedLimitStore } from './shared-store.js';
export type { MemoryLimitStoreOptions } from './shared-store.js';
export { RedisStore } from './redis-store.js';
export { claimWindow, ownsWindows, releaseWindow, windowState } from './window.js';
