// `signals(req)`'s answer, checked against the shapes SendContext documents before any provider
// sees it. Apps fill it from the client's own request (headers, the body, a device SDK), so a
// value may be anything. Both APIs answer a malformed field with a 4xx (Prelude: `invalid_request`,
// `invalid_app_realm*`, `invalid_locale`, `invalid_callback_url`, `invalid_correlation_id`; Ding:
// `bad_request`, `app_realm_require_device_type`, ...), which is an OtpApiError: the whole send
// would fail, and a client could break its own login with a header. Every field is a hint (fraud
// signals) or a per-message setting, none needed to send or check a code, so a malformed one is
// left out of that send and the code goes out without it. The developer still learns of it: one
// process warning per field and problem, naming the field and what it should be, never the value
// (a device id, a user agent, an address can be personal data).
//
// `ip` is not checked here: both providers already leave out anything that is not an address
// (../ip.ts). Keys SendContext does not name pass through untouched, as before.

import { OtpConfigurationError } from './errors.js';
import type { SendContext } from './options.js';

type Fields = Record<string, unknown>;

/** A field's check: undefined when the value is fine, else what the field should be. */
type Check = (value: unknown, all: Fields, provider: string) => string | undefined;

const isString = (v: unknown): v is string => typeof v === 'string';

function string(more?: (v: string, all: Fields, provider: string) => string | undefined): Check {
  return (v, all, provider) => (isString(v) ? more?.(v, all, provider) : `a string (it was ${kind(v)})`);
}

// Language, then subtags (script, region, variants); loose on purpose, as the sandbox's check.
const BCP47 = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/;
// The Android SMS Retriever hash: 11 characters of base64 (Prelude: `invalid_app_realm_value`).
const APP_HASH = /^[A-Za-z0-9+/]{11}$/;
const DEVICE_TYPES = ['IOS', 'ANDROID', 'WEB'];
/** Prelude's `metadata.correlation_id` limit (`invalid_correlation_id`). */
const MAX_PRELUDE_CORRELATION_ID = 64;

function httpUrl(v: string): boolean {
  if (!URL.canParse(v)) return false;
  const { protocol } = new URL(v);
  return protocol === 'http:' || protocol === 'https:';
}

const CHECKS: Readonly<Record<string, Check>> = {
  deviceId: string(),
  deviceModel: string(),
  osVersion: string(),
  appVersion: string(),
  userAgent: string(),
  ja4Fingerprint: string(),
  templateId: string(),
  senderId: string(),
  deviceType: (v) => (isString(v) && DEVICE_TYPES.includes(v) ? undefined : `one of ${DEVICE_TYPES.join(', ')}`),
  isReturningUser: (v) => (typeof v === 'boolean' ? undefined : `a boolean (it was ${kind(v)})`),
  dispatchId: string((v) => (v.length === 36 ? undefined : "a string of 36 characters (Prelude's front-end SDK dispatch id)")),
  locale: string((v) => (v.length <= 64 && BCP47.test(v) ? undefined : 'a BCP-47 language tag such as en-US')),
  callbackUrl: string((v) => (httpUrl(v) ? undefined : 'an http(s) URL')),
  correlationId: string((v, _all, provider) =>
    provider === 'prelude' && v.length > MAX_PRELUDE_CORRELATION_ID ? `a string of at most ${MAX_PRELUDE_CORRELATION_ID} characters (Prelude's limit)` : undefined,
  ),
  appRealm: string((v, all, provider) => {
    if (!APP_HASH.test(v)) return "the Android app's 11-character SMS Retriever hash";
    // Ding V1 refuses an app realm without device_type ANDROID (app_realm_require_device_type,
    // unsupported_app_realm_device_type); deviceType is checked first, so a bad one is gone.
    if (provider === 'ding' && all.deviceType !== 'ANDROID') return "sent with deviceType 'ANDROID' (Ding V1 refuses it otherwise)";
    return undefined;
  }),
};

/** CHECKS as pairs, built once: every send and resend walks them. */
const CHECK_LIST: ReadonlyArray<readonly [string, Check]> = Object.entries(CHECKS);

/** What a value is, for a warning: its kind, never the value itself. */
function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  const t = typeof v;
  if (t === 'object') return 'an object';
  return t === 'undefined' ? t : `a ${t}`;
}

// Fields and problems already reported: at most one warning for each in a process, so a client
// sending the same bad header again and again cannot fill the log.
const warned = new Set<string>();

function warnDropped(field: string, wants: string): void {
  const key = `${field}\0${wants}`;
  if (warned.has(key)) return;
  warned.add(key);
  process.emitWarning(
    `passport-ding: signals(req) gave ${field}, which must be ${wants}; it is left out of the send, and the code still goes out. Check what your app copies into it (a client can send anything). Reported once`,
    { code: 'PASSPORT_DING_SIGNAL_DROPPED' },
  );
}

/**
 * `signals(req)`'s answer for `provider` (its `name`): a copy without the fields that are not of
 * their documented shape (each reported once). Anything but a plain object is a bug in the app,
 * whatever the client sent: an OtpConfigurationError before anything is spent.
 *
 * Only for an app's own `signals(req)`: the library's default (../options.ts, defaultSignals)
 * answers `{}` or `{ ip }`, a plain object with no field checked here, so the send and the resend
 * take it as it is, without this walk and without awaiting it.
 */
export function checkedSendContext(value: unknown, provider: string): SendContext {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OtpConfigurationError(`signals(req) must return an object (or a promise of one), not ${kind(value)}`);
  }
  const given = value as Fields;
  let out: Fields | undefined;
  // deviceType before appRealm: Ding's check of appRealm reads the kept deviceType.
  for (const [field, check] of CHECK_LIST) {
    const v = (out ?? given)[field];
    if (v === undefined) continue;
    const wants = check(v, out ?? given, provider);
    if (wants === undefined) continue;
    out ??= { ...given };
    delete out[field];
    warnDropped(field, wants);
  }
  return (out ?? given) as SendContext;
}
