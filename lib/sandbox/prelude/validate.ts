// V2 request validation: a parsed JSON body in, a typed request or a V2 error out. Unknown fields
// are ignored (newer SDKs send fields this sandbox does not know); known fields are checked for
// type and format. Error messages never echo the caller's input; `param` names the field.
import { isIP } from 'node:net';
import {
  DEVICE_PLATFORMS,
  PREFERRED_CHANNELS,
  REQUEST_METHODS,
  TARGET_TYPES,
  type CheckVerificationRequestWire,
  type CreateVerificationRequestWire,
} from '../../providers/prelude/wire.js';
import { isBcp47, isE164, isHttpUrl, isPossibleNumber } from '../core/formats.js';
import type { Reply } from '../core/reply.js';
import { preludeError } from './reply.js';

export type Valid<T> = { ok: true; value: T } | { ok: false; reply: Reply };

type Body = Record<string, unknown>;

const SIGNAL_STRINGS = ['ip', 'device_id', 'device_model', 'os_version', 'app_version', 'user_agent', 'ja4_fingerprint'] as const;
const SIGNAL_BOOLEANS = ['is_trusted_user', 'existing_user'] as const;
const OPTION_STRINGS = ['template_id', 'locale', 'sender_id', 'custom_code', 'callback_url'] as const;
/** `metadata.correlation_id` limit, as the older error table gives it. */
const MAX_CORRELATION_ID = 64;
const MAX_CODE = 64;

const invalid = (param: string, message: string): Valid<never> => ({ ok: false, reply: preludeError('invalid_request', message, param) });
const refuse = (reply: Reply): Valid<never> => ({ ok: false, reply });

function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function oneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

/** `target`: a phone number in E.164. Email targets need account enablement, which this one lacks. */
function target(body: Body): Valid<{ type: 'phone_number'; value: string }> {
  const t = body.target;
  if (!isObject(t)) return invalid('target', 'target is required and must be an object');
  if (!oneOf(TARGET_TYPES, t.type)) return invalid('target.type', `target.type must be one of ${TARGET_TYPES.join(', ')}`);
  if (typeof t.value !== 'string') return invalid('target.value', 'target.value is required and must be a string');
  if (t.type === 'email_address') {
    return refuse(preludeError('email_verification_not_allowed', 'email verification is not enabled for this account', 'target.type'));
  }
  if (!isPossibleNumber(t.value)) return refuse(preludeError('invalid_phone_number', 'target.value is not a valid phone number', 'target.value'));
  return { ok: true, value: { type: 'phone_number', value: t.value } };
}

function signals(s: unknown): Reply | undefined {
  if (s === undefined) return undefined;
  if (!isObject(s)) return preludeError('invalid_request', 'signals must be an object', 'signals');
  for (const key of SIGNAL_STRINGS) {
    if (s[key] !== undefined && typeof s[key] !== 'string') return preludeError('invalid_request', `signals.${key} must be a string`, `signals.${key}`);
  }
  for (const key of SIGNAL_BOOLEANS) {
    if (s[key] !== undefined && typeof s[key] !== 'boolean') return preludeError('invalid_request', `signals.${key} must be a boolean`, `signals.${key}`);
  }
  if (typeof s.ip === 'string' && isIP(s.ip) === 0) return preludeError('invalid_request', 'signals.ip must be an IPv4 or IPv6 address', 'signals.ip');
  if (s.device_platform !== undefined && !oneOf(DEVICE_PLATFORMS, s.device_platform)) {
    return preludeError('invalid_request', `signals.device_platform must be one of ${DEVICE_PLATFORMS.join(', ')}`, 'signals.device_platform');
  }
  return undefined;
}

// A DNS name (labels of letters, digits and inner hyphens) or an IP literal, with an optional port.
const WEB_REALM = /^(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

function options(o: unknown): Reply | undefined {
  if (o === undefined) return undefined;
  if (!isObject(o)) return preludeError('invalid_request', 'options must be an object', 'options');
  for (const key of OPTION_STRINGS) {
    if (o[key] !== undefined && typeof o[key] !== 'string') return preludeError('invalid_request', `options.${key} must be a string`, `options.${key}`);
  }
  if (o.variables !== undefined && (!isObject(o.variables) || Object.values(o.variables).some((v) => typeof v !== 'string'))) {
    return preludeError('invalid_template_variables', 'options.variables must map names to strings', 'options.variables');
  }
  if (o.code_size !== undefined && o.custom_code !== undefined) {
    return preludeError('custom_size_conflict', 'options.code_size and options.custom_code cannot be used together', 'options.code_size');
  }
  if (o.code_size !== undefined && !(Number.isInteger(o.code_size) && (o.code_size as number) >= 4 && (o.code_size as number) <= 8)) {
    return preludeError('invalid_code_size', 'options.code_size must be an integer from 4 to 8', 'options.code_size');
  }
  if (o.custom_code !== undefined) return preludeError('custom_code_not_allowed', 'custom codes are not enabled for this account', 'options.custom_code');
  if (typeof o.locale === 'string' && !isBcp47(o.locale)) return preludeError('invalid_locale', 'options.locale must be a BCP-47 language tag', 'options.locale');
  if (typeof o.callback_url === 'string' && !isHttpUrl(o.callback_url)) {
    return preludeError('invalid_callback_url', 'options.callback_url must be an http(s) URL', 'options.callback_url');
  }
  if (o.method !== undefined && !oneOf(REQUEST_METHODS, o.method)) {
    return preludeError('invalid_request', `options.method must be one of ${REQUEST_METHODS.join(', ')}`, 'options.method');
  }
  if (o.preferred_channel !== undefined && !oneOf(PREFERRED_CHANNELS, o.preferred_channel)) {
    return preludeError('invalid_request', `options.preferred_channel must be one of ${PREFERRED_CHANNELS.join(', ')}`, 'options.preferred_channel');
  }
  // `integration` left Prelude's spec in 2026-01: like any key the API does not know, its value is
  // ignored, whatever it is.
  if (o.app_realm !== undefined) {
    const realm = o.app_realm;
    if (!isObject(realm)) return preludeError('invalid_app_realm', 'options.app_realm must be an object', 'options.app_realm');
    // Prelude's own words for `invalid_app_realm`: "Both platform and value are required".
    if (realm.platform === undefined || realm.value === undefined) {
      return preludeError('invalid_app_realm', 'options.app_realm needs both platform and value', 'options.app_realm');
    }
    if (realm.platform !== 'android' && realm.platform !== 'web') {
      return preludeError('invalid_app_realm_platform', 'options.app_realm.platform must be android or web', 'options.app_realm.platform');
    }
    // Android: the SMS Retriever hash, 11 characters of base64. Web (WebOTP): the site's domain,
    // a host name with an optional port, no scheme or path (`example.com`, `localhost:3000`).
    if (realm.platform === 'android' && (typeof realm.value !== 'string' || !/^[A-Za-z0-9+/]{11}$/.test(realm.value))) {
      return preludeError('invalid_app_realm_value', 'options.app_realm.value must be an 11-character app hash', 'options.app_realm.value');
    }
    if (realm.platform === 'web' && (typeof realm.value !== 'string' || !WEB_REALM.test(realm.value))) {
      return preludeError('invalid_app_realm_value', 'options.app_realm.value must be the site domain, e.g. example.com', 'options.app_realm.value');
    }
  }
  return undefined;
}

function metadata(m: unknown): Reply | undefined {
  if (m === undefined) return undefined;
  if (!isObject(m)) return preludeError('invalid_request', 'metadata must be an object', 'metadata');
  const id = m.correlation_id;
  if (id !== undefined && (typeof id !== 'string' || id.length > MAX_CORRELATION_ID)) {
    return preludeError('invalid_correlation_id', `metadata.correlation_id must be a string of at most ${MAX_CORRELATION_ID} characters`, 'metadata.correlation_id');
  }
  return undefined;
}

export function validateCreate(body: Body): Valid<CreateVerificationRequestWire> {
  const t = target(body);
  if (!t.ok) return t;
  const problem = signals(body.signals) ?? options(body.options) ?? metadata(body.metadata);
  if (problem) return refuse(problem);
  if (body.dispatch_id !== undefined && (typeof body.dispatch_id !== 'string' || body.dispatch_id.length !== 36)) {
    return invalid('dispatch_id', 'dispatch_id must be a string of 36 characters');
  }
  return { ok: true, value: { ...(body as unknown as CreateVerificationRequestWire), target: t.value } };
}

export function validateCheck(body: Body): Valid<CheckVerificationRequestWire> {
  const t = target(body);
  if (!t.ok) return t;
  const { code } = body;
  if (typeof code !== 'string' || code === '' || code.length > MAX_CODE) return invalid('code', 'code is required and must be a non-empty string');
  return { ok: true, value: { target: t.value, code } };
}

/**
 * `GET /v2/lookup/{phone_number}`: the number from the path (the SDK sends `+` as is; `%2B` works
 * too) and `type`, which may only be `cnam` (repeated, or comma-separated as the SDK writes it).
 */
export function validateLookup(rawPhone: string, query: URLSearchParams): Valid<{ phoneNumber: string; cnam: boolean }> {
  let phoneNumber = '';
  try {
    phoneNumber = decodeURIComponent(rawPhone);
  } catch {
    // Malformed percent-encoding: not a phone number either.
  }
  if (!isE164(phoneNumber)) return refuse(preludeError('invalid_phone_number', 'phone_number is not a valid E.164 phone number', 'phone_number'));
  const types = query.getAll('type').flatMap((t) => t.split(','));
  if (types.some((t) => t !== 'cnam')) return invalid('type', 'type must be cnam');
  return { ok: true, value: { phoneNumber, cnam: types.length > 0 } };
}
