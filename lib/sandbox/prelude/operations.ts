// One function per V2 operation: the request (a parsed JSON body, or the path parameter and query
// of a GET) in, a Reply out. Routing, the Bearer key, faults and latency are done before these
// run, by ../core/server.ts.
import {
  BLOCK_REASONS,
  ERROR_CODES,
  type BlockReason,
  type LookupResponseWire,
  type PreludeErrorCode,
} from '../../providers/prelude/wire.js';
import { ok, type Reply } from '../core/reply.js';
import type { NumberBehavior } from '../types.js';
import { lookupV2 } from './lookup.js';
import { preludeError } from './reply.js';
import type { CreateScript, PreludeState } from './state.js';
import { validateCheck, validateCreate, validateLookup } from './validate.js';

/**
 * The Prelude Verify V2 operations, served under `/v2`: create and check (named after the SDK's
 * `verification.create` / `.check`) and `GET /v2/lookup/{phone_number}` (`lookupPhoneNumber`,
 * apart from V1's `lookup` in `stats().byOperation`).
 */
export const PRELUDE_SANDBOX_OPERATIONS = ['createVerification', 'checkVerification', 'lookupPhoneNumber'] as const;
/** A Prelude V2 operation name, as `fail()` and `stats().byOperation` use it. */
export type PreludeSandboxOperation = (typeof PRELUDE_SANDBOX_OPERATIONS)[number];
export const PRELUDE_OPERATIONS_LIST = PRELUDE_SANDBOX_OPERATIONS;
export type PreludeOperation = PreludeSandboxOperation;

/** What a scripted number's create does on V2. */
export type PreludeCreateScript =
  | { status: 'blocked' | 'shadow_blocked'; reason: BlockReason }
  | { status: 'challenged' }
  /** Create answers this error; `httpStatus` defaults to 400. */
  | { error: PreludeErrorCode; httpStatus?: number | undefined };

/**
 * What a scripted number does on V2 beyond the V1 behaviours (which map as in `scriptFor`): a
 * create outcome, or what lookup answers, in V2's terms, merged over the default answer (create
 * then behaves as for any number).
 */
export type PreludeNumberScript = PreludeCreateScript | { lookup: { [K in keyof LookupResponseWire]?: LookupResponseWire[K] | undefined } };

/** A number scripted for the V2 API only: `{ prelude: { status: 'shadow_blocked', reason: 'suspicious' } }`. */
export interface PreludeNumberBehavior {
  prelude: PreludeNumberScript;
}

export interface PreludeContext {
  state: PreludeState;
  numbers: ReadonlyMap<string, NumberBehavior | PreludeNumberBehavior>;
}

/** A V2 request as the operations see it. */
export interface PreludeInput {
  /** The parsed JSON body (POST); `{}` for a GET. */
  body: Record<string, unknown>;
  /** The raw, still percent-encoded path parameter (lookup's phone number); `''` when none. */
  param?: string;
  query?: URLSearchParams;
}

/** Checks a `preludeNumbers` entry (the sandbox's options call this at start). */
export function isPreludeNumberScript(value: unknown): value is PreludeNumberScript {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if ('error' in v) {
    const status = v.httpStatus;
    return (
      (ERROR_CODES as readonly unknown[]).includes(v.error) &&
      (status === undefined || (Number.isInteger(status) && (status as number) >= 400 && (status as number) <= 599))
    );
  }
  if ('lookup' in v) return typeof v.lookup === 'object' && v.lookup !== null && !Array.isArray(v.lookup);
  if (v.status === 'challenged') return true;
  return (v.status === 'blocked' || v.status === 'shadow_blocked') && (BLOCK_REASONS as readonly unknown[]).includes(v.reason);
}

/**
 * What create does for a number: the V1 behaviours as V2 says them (volume and fraud refusals
 * become `blocked` with a reason, HTTP 200; a bad region or line type becomes a 400 error), or
 * the V2 script. Lookup scripts (V1's or V2's) do nothing here.
 */
export function scriptFor(behavior: NumberBehavior | PreludeNumberBehavior | undefined): PreludeCreateScript | undefined {
  if (behavior === undefined) return undefined;
  if (typeof behavior === 'object') {
    if (!('prelude' in behavior) || 'lookup' in behavior.prelude) return undefined;
    return behavior.prelude;
  }
  switch (behavior) {
    case 'rate_limited':
      return { status: 'blocked', reason: 'repeated_attempts' };
    case 'spam_detected':
      return { status: 'blocked', reason: 'suspicious' };
    case 'blocked_number':
      return { status: 'blocked', reason: 'in_block_list' };
    case 'unsupported_region':
      return { error: 'unsupported_country' };
    case 'invalid_line':
      return { error: 'invalid_line_type' };
    case 'undeliverable':
      // Sent as usual; only the delivery reports differ (see createVerification).
      return undefined;
  }
}

const ERROR_MESSAGES: Partial<Record<PreludeErrorCode, string>> = {
  unsupported_country: 'the phone number is in an unsupported country',
  invalid_line_type: 'the phone number is not a mobile line',
  invalid_phone_number: 'the phone number is not valid',
  too_many_attempts: 'too many verification attempts for this phone number',
  too_many_requests: 'too many requests',
  insufficient_balance: 'the account balance is insufficient',
};

function createVerification(ctx: PreludeContext, { body }: PreludeInput): Reply {
  const v = validateCreate(body);
  if (!v.ok) return v.reply;
  const behavior = ctx.numbers.get(v.value.target.value);
  const script = scriptFor(behavior);
  if (script && 'error' in script) {
    return preludeError(script.error, ERROR_MESSAGES[script.error] ?? 'the request was refused', 'target.value', script.httpStatus ?? 400);
  }
  return ok(ctx.state.create(v.value, script as CreateScript | undefined, { undeliverable: behavior === 'undeliverable' }));
}

function checkVerification(ctx: PreludeContext, { body }: PreludeInput): Reply {
  const v = validateCheck(body);
  if (!v.ok) return v.reply;
  return ok(ctx.state.check(v.value.target.value, v.value.code));
}

function lookupPhoneNumber(ctx: PreludeContext, { param, query }: PreludeInput): Reply {
  const v = validateLookup(param ?? '', query ?? new URLSearchParams());
  if (!v.ok) return v.reply;
  const { phoneNumber, cnam } = v.value;
  return ok(lookupV2(phoneNumber, cnam, ctx.numbers.get(phoneNumber)));
}

export const PRELUDE_OPERATIONS: Record<PreludeOperation, (ctx: PreludeContext, input: PreludeInput) => Reply> = {
  createVerification,
  checkVerification,
  lookupPhoneNumber,
};
