// Options with their defaults, checked once at start: a bad option is a TypeError/RangeError
// from startDingSandbox, never a surprise at request time.
import { randomBytes, randomUUID } from 'node:crypto';
import { isE164, isUuid } from './core/formats.js';
import { lookupScriptProblem } from './ding/lookup.js';
import { preludeLookupScriptProblem } from './prelude/lookup.js';
import { isPreludeNumberScript } from './prelude/operations.js';
import type { CodeEvent, DingSandboxOptions, NumberBehavior, PreludeNumberScript } from './types.js';

export interface SandboxSettings {
  host: string;
  port: number;
  apiKey: string;
  customerUuid: string;
  codeLength: number;
  ttlMs: number;
  maxAttempts: number;
  cooldownMs: number;
  maxRetries: number;
  latencyMs: number;
  now: () => number;
  onCode: ((event: CodeEvent) => void) | undefined;
  numbers: Map<string, NumberBehavior>;
  preludeNumbers: Map<string, PreludeNumberScript>;
}

export const NAMED_BEHAVIORS = ['rate_limited', 'spam_detected', 'blocked_number', 'unsupported_region', 'invalid_line', 'undeliverable'] as const;

function integer(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`DingSandbox: ${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** A duration option in `unit` ms (1000 for seconds), returned in ms. */
function duration(name: string, value: number | undefined, fallback: number, unit: number, positive: boolean): number {
  if (value === undefined) return fallback * unit;
  const ms = value * unit;
  // setTimeout wants at most 2^31-1 ms; no sandbox setting needs more than ~24 days anyway.
  if (typeof value !== 'number' || !Number.isFinite(ms) || ms < 0 || (positive && ms <= 0) || ms > 2 ** 31 - 1) {
    throw new RangeError(`DingSandbox: ${name} must be a ${positive ? 'positive' : 'non-negative'} finite number`);
  }
  return ms;
}

function numbers(map: Record<string, NumberBehavior> | undefined): Map<string, NumberBehavior> {
  const out = new Map<string, NumberBehavior>();
  if (map === undefined) return out;
  if (typeof map !== 'object' || map === null) throw new TypeError('DingSandbox: numbers must be an object');
  for (const [phone, behavior] of Object.entries(map)) {
    if (!isE164(phone)) throw new TypeError(`DingSandbox: numbers keys must be E.164 numbers`);
    const ok =
      (typeof behavior === 'string' && (NAMED_BEHAVIORS as readonly string[]).includes(behavior)) ||
      (typeof behavior === 'object' && behavior !== null && typeof behavior.lookup === 'object' && behavior.lookup !== null);
    if (!ok) throw new TypeError(`DingSandbox: unknown behaviour for a number in numbers (one of ${NAMED_BEHAVIORS.join(', ')}, or { lookup })`);
    const problem = typeof behavior === 'object' ? lookupScriptProblem(behavior.lookup as Record<string, unknown>) : undefined;
    if (problem) throw new TypeError(`DingSandbox: numbers: ${problem}`);
    out.set(phone, behavior);
  }
  return out;
}

function preludeNumbers(map: Record<string, PreludeNumberScript> | undefined): Map<string, PreludeNumberScript> {
  const out = new Map<string, PreludeNumberScript>();
  if (map === undefined) return out;
  if (typeof map !== 'object' || map === null) throw new TypeError('DingSandbox: preludeNumbers must be an object');
  for (const [phone, script] of Object.entries(map)) {
    if (!isE164(phone)) throw new TypeError('DingSandbox: preludeNumbers keys must be E.164 numbers');
    if (!isPreludeNumberScript(script)) throw new TypeError('DingSandbox: unknown behaviour for a number in preludeNumbers');
    const problem = 'lookup' in script ? preludeLookupScriptProblem(script.lookup as Record<string, unknown>) : undefined;
    if (problem) throw new TypeError(`DingSandbox: preludeNumbers: ${problem}`);
    out.set(phone, script);
  }
  return out;
}

export function resolveOptions(options: DingSandboxOptions = {}): SandboxSettings {
  if (typeof options !== 'object' || options === null) throw new TypeError('DingSandbox: options must be an object');
  const { apiKey, customerUuid, host, now, onCode } = options;
  if (apiKey !== undefined && (typeof apiKey !== 'string' || apiKey === '' || /[^\x21-\x7e]/.test(apiKey))) {
    throw new TypeError('DingSandbox: apiKey must be a non-empty string of visible ASCII characters');
  }
  if (customerUuid !== undefined && (typeof customerUuid !== 'string' || !isUuid(customerUuid))) {
    throw new TypeError('DingSandbox: customerUuid must be a UUID');
  }
  if (host !== undefined && (typeof host !== 'string' || host === '')) throw new TypeError('DingSandbox: host must be a string');
  if (now !== undefined && typeof now !== 'function') throw new TypeError('DingSandbox: now must be a function');
  if (onCode !== undefined && typeof onCode !== 'function') throw new TypeError('DingSandbox: onCode must be a function');
  return {
    host: host ?? '127.0.0.1',
    port: integer('port', options.port, 0, 0, 65535),
    apiKey: apiKey ?? `sandbox_${randomBytes(16).toString('hex')}`,
    customerUuid: (customerUuid ?? randomUUID()).toLowerCase(),
    codeLength: integer('codeLength', options.codeLength, 6, 1, 12),
    ttlMs: duration('ttlSeconds', options.ttlSeconds, 600, 1000, true),
    maxAttempts: integer('maxAttempts', options.maxAttempts, 5, 1, 1_000_000),
    cooldownMs: duration('retryCooldownSeconds', options.retryCooldownSeconds, 30, 1000, false),
    maxRetries: integer('maxRetries', options.maxRetries, 3, 0, 1_000_000),
    latencyMs: duration('latencyMs', options.latencyMs, 0, 1, false),
    now: now ?? Date.now,
    onCode,
    numbers: numbers(options.numbers),
    preludeNumbers: preludeNumbers(options.preludeNumbers),
  };
}
