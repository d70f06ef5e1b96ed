// Request validation: turns a parsed JSON body into a typed request or a Ding error.
// Order, the same for every operation: missing or ill-typed fields (`bad_request`), then the
// customer (`account_invalid`), then formats (`invalid_phone_number`, `invalid_auth_uuid`, ...).
// Error messages never echo the caller's input.
import { DEVICE_TYPES, FEEDBACK_STATUSES } from '../../providers/ding/wire.js';
import type {
  CreateAuthenticationRequestWire,
  CreateCheckRequestWire,
  FeedbackRequestWire,
  RetryAuthenticationRequestWire,
} from '../../providers/ding/wire.js';
import { isBcp47, isE164, isHttpUrl, isIpv4, isPossibleNumber, isUuid } from '../core/formats.js';
import type { Reply } from '../core/reply.js';
import { dingError } from './reply.js';

export type Valid<T> = { ok: true; value: T } | { ok: false; reply: Reply };

type Body = Record<string, unknown>;

const OPTIONAL_STRINGS = [
  'ip',
  'device_id',
  'device_type',
  'app_version',
  'sender_id',
  'callback_url',
  'app_realm',
  'os_version',
  'device_model',
  'template_id',
  'correlation_id',
  'locale',
] as const;

function badRequest(message: string): Valid<never> {
  return { ok: false, reply: dingError('bad_request', message) };
}

function fail(reply: Reply): Valid<never> {
  return { ok: false, reply };
}

/** The first required field that is missing or not a string. */
function missingString(body: Body, fields: readonly string[]): string | undefined {
  return fields.find((f) => typeof body[f] !== 'string');
}

function sameUuid(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function checkAccount(value: string, customerUuid: string): Reply | undefined {
  return sameUuid(value, customerUuid) ? undefined : dingError('account_invalid', 'customer_uuid is not a valid account');
}

export function validateCreate(body: Body, customerUuid: string): Valid<CreateAuthenticationRequestWire> {
  const missing = missingString(body, ['customer_uuid', 'phone_number']);
  if (missing) return badRequest(`${missing} is required and must be a string`);
  const wrongType = OPTIONAL_STRINGS.find((f) => body[f] !== undefined && typeof body[f] !== 'string');
  if (wrongType) return badRequest(`${wrongType} must be a string`);
  if (body.is_returning_user !== undefined && typeof body.is_returning_user !== 'boolean') {
    return badRequest('is_returning_user must be a boolean');
  }
  const req = body as unknown as CreateAuthenticationRequestWire;
  const account = checkAccount(req.customer_uuid, customerUuid);
  if (account) return fail(account);
  if (!isPossibleNumber(req.phone_number)) return fail(dingError('invalid_phone_number', 'phone_number is not a valid phone number'));
  if (req.ip !== undefined && !isIpv4(req.ip)) return badRequest('ip must be an IPv4 address');
  if (req.device_type !== undefined && !DEVICE_TYPES.includes(req.device_type)) {
    return badRequest(`device_type must be one of ${DEVICE_TYPES.join(', ')}`);
  }
  if (req.callback_url !== undefined && !isHttpUrl(req.callback_url)) return badRequest('callback_url must be an http(s) URL');
  if (req.locale !== undefined && !isBcp47(req.locale)) return badRequest('locale must be a BCP-47 language tag');
  // The SMS Retriever hash only means something on Android.
  if (req.app_realm !== undefined && req.device_type === undefined) {
    return fail(dingError('app_realm_require_device_type', 'app_realm requires device_type'));
  }
  if (req.app_realm !== undefined && req.device_type !== 'ANDROID') {
    return fail(dingError('unsupported_app_realm_device_type', 'app_realm is only supported with device_type ANDROID'));
  }
  return { ok: true, value: req };
}

function validateAuthUuid(body: Body, customerUuid: string, extra: readonly string[]): Valid<Body> {
  const missing = missingString(body, ['customer_uuid', 'authentication_uuid', ...extra]);
  if (missing) return badRequest(`${missing} is required and must be a string`);
  const account = checkAccount(body.customer_uuid as string, customerUuid);
  if (account) return fail(account);
  if (!isUuid(body.authentication_uuid as string)) return fail(dingError('invalid_auth_uuid', 'authentication_uuid is not a valid UUID'));
  return { ok: true, value: body };
}

export function validateCheck(body: Body, customerUuid: string): Valid<CreateCheckRequestWire> {
  return validateAuthUuid(body, customerUuid, ['check_code']) as Valid<CreateCheckRequestWire>;
}

export function validateRetry(body: Body, customerUuid: string): Valid<RetryAuthenticationRequestWire> {
  return validateAuthUuid(body, customerUuid, []) as Valid<RetryAuthenticationRequestWire>;
}

export function validateFeedback(body: Body, customerUuid: string): Valid<FeedbackRequestWire> {
  const missing = missingString(body, ['customer_uuid', 'phone_number', 'status']);
  if (missing) return badRequest(`${missing} is required and must be a string`);
  const req = body as unknown as FeedbackRequestWire;
  const account = checkAccount(req.customer_uuid, customerUuid);
  if (account) return fail(account);
  if (!isE164(req.phone_number)) return fail(dingError('invalid_phone_number', 'phone_number is not a valid E.164 phone number'));
  if (!FEEDBACK_STATUSES.includes(req.status)) {
    return fail(dingError('invalid_feedback_status', `status must be one of ${FEEDBACK_STATUSES.join(', ')}`));
  }
  return { ok: true, value: req };
}

export interface LookupInput {
  phoneNumber: string;
  cnam: boolean;
}

/**
 * Lookup takes the customer in the `customer-uuid` header, the number in the path (percent-encoded
 * by clients: `%2B`) and `type` in the query, repeated (`?type=cnam`) or comma-separated.
 */
export function validateLookup(
  header: string | string[] | undefined,
  rawPhone: string,
  types: string[],
  customerUuid: string,
): Valid<LookupInput> {
  if (typeof header !== 'string' || header === '') return badRequest('the customer-uuid header is required');
  const account = checkAccount(header, customerUuid);
  if (account) return fail(account);
  let phoneNumber: string;
  try {
    phoneNumber = decodeURIComponent(rawPhone);
  } catch {
    phoneNumber = '';
  }
  if (!isE164(phoneNumber)) return fail(dingError('invalid_phone_number', 'phone_number is not a valid E.164 phone number'));
  const values = types.flatMap((t) => t.split(','));
  if (values.some((t) => t !== 'cnam')) return badRequest('type must be cnam');
  return { ok: true, value: { phoneNumber, cnam: values.length > 0 } };
}
