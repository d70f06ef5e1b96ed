// One function per Ding V1 operation: validated input in, Reply out. The HTTP details (routing,
// auth, JSON parsing, faults, latency) are done before these run, by ../core/server.ts.
import { isUuid } from '../core/formats.js';
import type { OperationInput } from '../core/module.js';
import { ok, type Reply } from '../core/reply.js';
import type { NumberBehavior } from '../types.js';
import { lookupNumber } from './lookup.js';
import { dingError } from './reply.js';
import type { SandboxState } from './state.js';
import { validateCheck, validateCreate, validateFeedback, validateLookup, validateRetry } from './validate.js';

/** The six Ding V1 operations, named as the client names them. */
export const SANDBOX_OPERATIONS = [
  'createAuthentication',
  'check',
  'retry',
  'feedback',
  'getAuthenticationStatus',
  'lookup',
] as const;
/** A Ding V1 operation name, as `fail()` and `stats().byOperation` use it. */
export type SandboxOperation = (typeof SANDBOX_OPERATIONS)[number];

export interface OperationContext {
  state: SandboxState;
  customerUuid: string;
  numbers: Map<string, NumberBehavior>;
}

const UNKNOWN_AUTH = (): Reply => dingError('invalid_auth_uuid', 'authentication_uuid does not match any authentication');

function createAuthentication(ctx: OperationContext, input: OperationInput): Reply {
  const v = validateCreate(input.body, ctx.customerUuid);
  if (!v.ok) return v.reply;
  const behavior = ctx.numbers.get(v.value.phone_number);
  switch (behavior) {
    case 'blocked_number':
      return dingError('blocked_number', 'the phone number is blocked');
    case 'unsupported_region':
      return dingError('unsupported_region', 'the phone number is in an unsupported region');
    case 'invalid_line':
      return dingError('invalid_line', 'the phone number line type is not supported');
    case 'rate_limited':
    case 'spam_detected':
      return ok(ctx.state.create(v.value, { refusal: behavior }));
    default:
      return ok(ctx.state.create(v.value, { undeliverable: behavior === 'undeliverable' }));
  }
}

function check(ctx: OperationContext, input: OperationInput): Reply {
  const v = validateCheck(input.body, ctx.customerUuid);
  if (!v.ok) return v.reply;
  const body = ctx.state.check(v.value.authentication_uuid, v.value.check_code);
  return body ? ok(body) : UNKNOWN_AUTH();
}

function retry(ctx: OperationContext, input: OperationInput): Reply {
  const v = validateRetry(input.body, ctx.customerUuid);
  if (!v.ok) return v.reply;
  const body = ctx.state.retry(v.value.authentication_uuid);
  return body ? ok(body) : UNKNOWN_AUTH();
}

function feedback(ctx: OperationContext, input: OperationInput): Reply {
  const v = validateFeedback(input.body, ctx.customerUuid);
  if (!v.ok) return v.reply;
  const result = ctx.state.feedback(v.value.phone_number, v.value.status);
  if (result === 'no_associated_auth_found') return dingError(result, 'no authentication found for this phone number');
  if (result === 'duplicated_feedback_status') return dingError(result, 'this feedback status was already sent for this phone number');
  return ok(result);
}

/** Takes the API key alone: no customer UUID in this operation. */
function getAuthenticationStatus(ctx: OperationContext, input: OperationInput): Reply {
  let uuid = '';
  try {
    uuid = decodeURIComponent(input.param);
  } catch {
    // Malformed percent-encoding: not a UUID either.
  }
  if (!isUuid(uuid)) return dingError('invalid_auth_uuid', 'auth_uuid is not a valid UUID');
  const body = ctx.state.status(uuid);
  return body ? ok(body) : UNKNOWN_AUTH();
}

function lookup(ctx: OperationContext, input: OperationInput): Reply {
  const v = validateLookup(input.headers['customer-uuid'], input.param, input.query.getAll('type'), ctx.customerUuid);
  if (!v.ok) return v.reply;
  const { phoneNumber, cnam } = v.value;
  return ok(lookupNumber(phoneNumber, cnam, ctx.numbers.get(phoneNumber)));
}

export const OPERATIONS: Record<SandboxOperation, (ctx: OperationContext, input: OperationInput) => Reply> = {
  createAuthentication,
  check,
  retry,
  feedback,
  getAuthenticationStatus,
  lookup,
};
