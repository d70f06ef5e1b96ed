// Strategy options: their types (documented where declared, as passport-local does) and one
// function that checks them and fills in defaults. A bad option is a bug in the app, so it throws
// a TypeError at construction, not at the first login.

import type { Request } from 'express';
import type { OutcomeMessages } from './outcomes.js';
import { OUTCOMES } from './outcomes.js';
import type { CountryCode } from './phone.js';
import { isCountryCode } from './phone.js';
import type { CircuitBreakerOptions } from './circuit-breaker.js';
import type { ProviderName } from './providers/index.js';
import type { MessageSettings, OtpProvider, SendSignals } from './providers/provider.js';
import { DEFAULT_SESSION_KEY } from './pending.js';
import { unwrapMappedIpv4 } from './ip.js';
import type { LimitSettings, LimitsOptions } from './limits/options.js';
import { resolveLimits } from './limits/options.js';
import type { BeforeSend } from './gates/before-send.js';
import type { LineTypeGate, LineTypeGateOptions } from './gates/line-type.js';
import { resolveLineTypeGate } from './gates/line-type.js';
import { resolveAllowedCountries } from './gates/country.js';
import type { OnEvent } from './events.js';
import type { TelemetryOptions } from './telemetry/index.js';
import type { TestNumbersOptions } from './test-numbers.js';
import { listedTestNumbers } from './test-numbers.js';
import type { WebhookUrlOption } from './webhooks/callback-url.js';
import type { TrustedDeviceSettings, TrustedDevicesOptions } from './trusted-devices/options.js';
import { resolveTrustedDevices } from './trusted-devices/options.js';
import { PHONE_CHANGE_DECLINED_MESSAGE } from './phone-change.js';
import type { DeliveryChannel } from './providers/delivery.js';
import { resolveChannels, resolveWebOtpOrigin } from './providers/delivery.js';
import { nearestName } from './nearest-name.js';

/** What `signals(req)` may return: fraud signals plus per-send message settings. */
export interface SendContext extends SendSignals, MessageSettings {}

/** Options shared by both verify-callback styles, each documented where it is declared. */
export interface DingOtpStrategyOptionsBase {
  /**
   * API key. Alone, a Prelude Verify V2 key: the strategy builds a PreludeProvider. With
   * `customerUuid`, a Ding V1 key (the legacy API): the strategy builds a DingProvider.
   */
  apiKey?: string | undefined;
  /** Ding customer UUID (Ding V1 only; Prelude V2 has none). Its presence selects Ding V1. */
  customerUuid?: string | undefined;
  /**
   * API base URL. Ding: including `/v1` (default `https://api.ding.live/v1`; the sandbox's `url`).
   * Prelude: default `https://api.prelude.dev` (the sandbox's `preludeUrl`).
   */
  baseUrl?: string | undefined;
  /** Deadline per provider call, in milliseconds (the provider's default when absent). */
  timeoutMs?: number | undefined;
  /**
   * After `failures` consecutive provider faults (timeouts, 5xx, connection failures), fail fast
   * with OtpUnavailableError (503, `retryAfter` set) for `cooldownMs`, then let one call probe.
   * Default `{ failures: 5, cooldownMs: 10_000 }`; `false` turns it off.
   */
  circuitBreaker?: CircuitBreakerOptions | false | undefined;
  /**
   * Which OTP API, when the credentials should not decide: `'prelude'` (Prelude Verify V2) or
   * `'ding'` (Ding V1, deprecated by its owner), built from the options above; or any OtpProvider
   * instance (e.g. a `new PreludeProvider({ ... })` with its own options), used as is. `close()`
   * closes it. Default: Prelude V2, or Ding V1 when `customerUuid` is given.
   */
  provider?: OtpProvider | ProviderName | undefined;
  /** Body field with the phone number, bracket paths allowed (`user[phone]`). Default `phoneNumber`. */
  phoneField?: string | undefined;
  /** Body field with the code. Default `code`. */
  codeField?: string | undefined;
  /** Where the pending verification lives in `req.session`. Default `passport-ding`. */
  sessionKey?: string | undefined;
  /** ISO country for numbers typed without `+` and country code, e.g. `US`. */
  defaultCountry?: CountryCode | undefined;
  /**
   * How many digits your provider's codes have (4-10), e.g. `6`: only codes of exactly that many
   * digits are checked, and anything else is `malformed_code` with the message "Enter the 6-digit
   * code." Default: unset, any 4 to 10 digits. Not together with `codePattern`.
   */
  codeLength?: number | undefined;
  /**
   * What a well-formed code looks like, checked before any API call. Spaces and dashes (of any
   * script) are removed and decimal digits of any script (Arabic-Indic, full-width, ...) become
   * ASCII digits first, so `123 456`, `123-456` and `١٢٣٤٥٦` all reach the pattern as `123456`.
   * A code that does not match is `malformed_code`: no API call, no attempt spent.
   * Default `/^[0-9]{4,10}$/`.
   */
  codePattern?: RegExp | undefined;
  /**
   * Second-factor mode: the phone number of the logged-in user (e.g. `(req) => req.user?.phone`).
   * The form's phone field is then ignored. The verify callback becomes optional: without it,
   * `verify` succeeds with `req.user`.
   */
  secondFactor?: ((req: Request) => string | null | undefined | Promise<string | null | undefined>) | undefined;
  /**
   * Phone-change mode: verify a new number for the signed-in user, who keeps their session. The
   * number comes from the form (`phoneField`), the code is bound to the user by `userId` as in
   * second-factor mode, and a right code never logs anyone in: the route gets
   * `{ phoneNumber, userId, details }` (a `VerifiedPhoneChange`) through Passport's
   * `assignProperty` or a custom callback. The verify callback is required and decides
   * (`decline(...)` when the number belongs to another account). Not with `secondFactor`. The
   * default `sessionKey` becomes `passport-ding-phone-change`. See docs/phone-change.md.
   */
  phoneChange?: boolean | undefined;
  /**
   * The id of the user a code is for, in second-factor and phone-change modes (and every later flow
   * that binds a code to an account). The pending verification is bound to it at send; verify and
   * retry refuse it for anyone else (`no_pending_verification`, and the pending state is dropped),
   * even a user with the same phone number in the same session. A string, or a number (read as its
   * decimal string). Default: `req.user.id`. Set it when your user objects keep the id under
   * another name (`(req) => req.user?.uuid`), or when the first factor leaves the user
   * half-signed-in (`(req) => req.session.pendingUserId`).
   */
  userId?: ((req: Request) => UserIdValue | Promise<UserIdValue>) | undefined;
  /**
   * Fraud signals and message settings for each send and resend. Default: `{ ip: req.ip }`. Each
   * field is checked against its shape before the provider is called: one that does not fit is
   * left out of that send (the code still goes out) with a `PASSPORT_DING_SIGNAL_DROPPED` warning
   * naming the field, never its value (docs/options.md, "What signals(req) returns"). Anything but
   * an object is an OtpConfigurationError.
   */
  signals?: ((req: Request) => SendContext | Promise<SendContext>) | undefined;
  /**
   * Wrong codes allowed per verification: the one that spends the last is answered
   * `too_many_attempts` and the verification is dropped. Default 5.
   */
  maxAttempts?: number | undefined;
  /**
   * Seconds before a resend, when the provider does not say; also the wait between two codes to
   * one number from any session or instance (a send within it is `retry_too_soon` and sends
   * nothing). `0` turns both off. Default 30.
   */
  resendCooldownSeconds?: number | undefined;
  /**
   * Resends allowed per verification when the provider does not count them (Prelude V2 does not;
   * Ding does, and its count wins once it has given one). Past it, `retries_exhausted` with no
   * API call. `0` turns resends off with any provider. Default 3.
   */
  maxResends?: number | undefined;
  /**
   * The longest a code is accepted, in seconds (at most 600). The pending verification expires at
   * the earlier of this and the provider's own expiry, when it gives one. Default 600.
   */
  ttlSeconds?: number | undefined;
  /** Override the default message of any outcome code (see OUTCOMES). */
  messages?: OutcomeMessages | undefined;
  /** Clock in epoch milliseconds, for tests. Default `Date.now`. */
  now?: (() => number) | undefined;
  /**
   * Abuse limits, checked before the provider is called: codes sent per number, address, network,
   * number block, country and in all (`sendsGlobal`, off until set), wrong codes per number and
   * per address, and a lock after wrong codes in a row (docs/limits.md has every rule and default).
   * On by default, counted in this process's memory; `{ store: { redis: client } }` shares them
   * between app instances.
   * `false` turns them off (only when something in front of the strategy limits instead).
   */
  limits?: LimitsOptions | false | undefined;
  /** Send codes only to numbers of these countries (ISO 3166-1 alpha-2, e.g. `['US', 'CA']`). Default: all. */
  allowedCountries?: CountryCode[] | undefined;
  /**
   * Line-type gate through the provider's `lookup()`: `true` refuses PremiumRate and SharedCost
   * numbers; `{ refuse: [...], refuseTemporary: true }` chooses. Refusals are `blocked`. Off by
   * default (a lookup is one more paid API call per send).
   */
  lineTypes?: boolean | LineTypeGateOptions | undefined;
  /**
   * The app's check before each send and resend (a CAPTCHA, a bot score), after the number is
   * read, before any limit is spent. Return `false` to refuse (`challenge_failed`, 403) or
   * `decline(info, status)`; throw for a fault.
   */
  beforeSend?: BeforeSend | undefined;
  /**
   * Called with one plain event per step taken (send, resend, verify): `{ type, outcome, status?,
   * at, provider, phone (masked), country?, verificationId?, latencyMs?, rule?, riskFactors?,
   * test?, error? }`. Never a code, key, session id or full number. Not awaited; a throw or
   * rejection never changes the login (reported once with process.emitWarning). See docs/events.md.
   */
  onEvent?: OnEvent | undefined;
  /**
   * OpenTelemetry spans and metrics for every step, through the optional peer dependency
   * `@opentelemetry/api`: `true` (the global providers) or `{ tracerProvider?, meterProvider? }`.
   * Off by default.
   */
  telemetry?: boolean | TelemetryOptions | undefined;
  /**
   * Fixed codes for app-review accounts: `{ numbers: { '+12015550100': '424242' }, expiresAt }`.
   * No SMS and no provider call for a listed number until `expiresAt` (required, in the future;
   * more than 90 days ahead, a `PASSPORT_DING_TEST_NUMBERS_FAR` warning). With `phoneChange`, a
   * send to a listed number is refused (`blocked`): its code is no secret.
   */
  testNumbers?: TestNumbersOptions | undefined;
  /**
   * Sent as `callback_url` with every create, so the provider posts delivery reports there (see
   * `preludeWebhook`, `dingWebhook`). Ding V1 needs `{ url, secret }` (the secret travels as
   * `?token=`, since its webhooks are unsigned).
   */
  webhookUrl?: WebhookUrlOption | undefined;
  /**
   * Second-factor mode: "remember this device". After a right code with the `rememberDevice`
   * field ticked, a cookie lets `strategy.isTrustedDevice(req)` skip the code for `days` (default
   * 30) on that device, for that user and phone number. `true` for the defaults. Off by default.
   */
  trustedDevices?: TrustedDevicesOptions | boolean | undefined;
  /**
   * The channels a user may choose with the `channel` field of a send or resend, e.g.
   * `['sms', 'whatsapp', 'voice']` (`voice`: a phone call reads the code out). A `channel` outside
   * the list is refused (`channel_not_allowed`, 400) before anything is spent; no `channel` field
   * leaves the route to the provider, as before. Default `['sms']`. Ding V1 sends by SMS only:
   * any other channel with it is a TypeError at construction.
   */
  channels?: DeliveryChannel[] | undefined;
  /**
   * The site's origin, e.g. `'https://example.com'`: messages end in the WebOTP format
   * (`@example.com #123456`), so Chrome on Android can offer the code with one tap on a page of
   * that origin (Prelude V2's `app_realm` web). An `appRealm` from `signals(req)` (Android) wins
   * for its request. Prelude V2 only: a TypeError with Ding V1. Off by default.
   */
  webOtpOrigin?: string | undefined;
}

/** Strategy options when the verify callback does not take `req`. */
export interface DingOtpStrategyOptions extends DingOtpStrategyOptionsBase {
  /** Unset or `false`: the verify callback does not take `req` first. */
  passReqToCallback?: false | undefined;
}

/** Strategy options when the verify callback takes `req` first (`passReqToCallback: true`). */
export interface DingOtpStrategyOptionsWithRequest extends DingOtpStrategyOptionsBase {
  passReqToCallback: true;
}

/** What `userId(req)` may answer: an id, or nothing when nobody is signed in. */
export type UserIdValue = string | number | null | undefined;

/** The checked options with defaults, as the actions use them. */
export interface Settings {
  phoneField: string;
  codeField: string;
  sessionKey: string;
  defaultCountry: CountryCode | undefined;
  codePattern: RegExp;
  passReqToCallback: boolean;
  secondFactor: DingOtpStrategyOptionsBase['secondFactor'];
  /** Phone-change mode (see the option). */
  phoneChange: boolean;
  /** The numbers `testNumbers` lists (E.164), which phone-change mode refuses; empty without it. */
  testNumbersListed: ReadonlySet<string>;
  userId: (req: Request) => UserIdValue | Promise<UserIdValue>;
  signals: (req: Request) => SendContext | Promise<SendContext>;
  maxAttempts: number;
  resendCooldownMs: number;
  maxResends: number;
  ttlMs: number;
  messages: OutcomeMessages;
  now: () => number;
  limits: LimitSettings | undefined;
  allowedCountries: ReadonlySet<CountryCode> | undefined;
  lineTypes: LineTypeGate | undefined;
  beforeSend: BeforeSend | undefined;
  trustedDevices: TrustedDeviceSettings | undefined;
  /** The channels the `channel` field may name. */
  channels: ReadonlySet<DeliveryChannel>;
  /** The host WebOTP messages name (`webOtpOrigin`'s), or undefined. */
  webOtpDomain: string | undefined;
}

export const DEFAULTS = {
  phoneField: 'phoneNumber',
  codeField: 'code',
  sessionKey: DEFAULT_SESSION_KEY,
  codePattern: /^[0-9]{4,10}$/,
  maxAttempts: 5,
  resendCooldownSeconds: 30,
  maxResends: 3,
  ttlSeconds: 600,
} as const;

/**
 * The longest `ttlSeconds` accepted: ten minutes, the limit OWASP ASVS (2.7.2) and NIST SP 800-63B
 * set for an out-of-band code. A login code is minutes, not days.
 */
export const MAX_TTL_SECONDS = 600;

/**
 * Every top-level option name. A record over the options' keys, so an option added to the types
 * without being added here fails the type check instead of being refused at run time.
 */
const OPTION_NAMES: Record<keyof DingOtpStrategyOptionsBase | 'passReqToCallback', true> = {
  apiKey: true,
  customerUuid: true,
  baseUrl: true,
  timeoutMs: true,
  circuitBreaker: true,
  provider: true,
  phoneField: true,
  codeField: true,
  sessionKey: true,
  defaultCountry: true,
  codeLength: true,
  codePattern: true,
  secondFactor: true,
  phoneChange: true,
  userId: true,
  signals: true,
  maxAttempts: true,
  resendCooldownSeconds: true,
  maxResends: true,
  ttlSeconds: true,
  messages: true,
  now: true,
  limits: true,
  allowedCountries: true,
  lineTypes: true,
  beforeSend: true,
  onEvent: true,
  telemetry: true,
  testNumbers: true,
  webhookUrl: true,
  trustedDevices: true,
  channels: true,
  webOtpOrigin: true,
  passReqToCallback: true,
};
export const KNOWN_OPTIONS: readonly string[] = Object.keys(OPTION_NAMES);

// Names on req.session that belong to the object itself, express-session or Passport: writing the
// pending verification there would break the session or clobber the login.
const RESERVED_SESSION_KEYS = new Set([
  '__proto__',
  'constructor',
  'prototype',
  'cookie',
  'passport',
  'id',
  'regenerate',
  'destroy',
  'reload',
  'save',
  'touch',
  'resetMaxAge',
]);

function fail(name: string, expected: string): never {
  throw new TypeError(`DingOtpStrategy: option \`${name}\` must be ${expected}`);
}

function str(options: DingOtpStrategyOptionsBase, name: keyof DingOtpStrategyOptionsBase, fallback: string): string {
  const value: unknown = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') fail(name, 'a non-empty string');
  return value;
}

function num(options: DingOtpStrategyOptionsBase, name: keyof DingOtpStrategyOptionsBase, fallback: number, min: number): number {
  const value: unknown = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) fail(name, `a number >= ${min}`);
  return value;
}

function fn<T>(options: DingOtpStrategyOptionsBase, name: keyof DingOtpStrategyOptionsBase, what = 'a function'): T | undefined {
  const value: unknown = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'function') fail(name, what);
  return value as T;
}

/** Default signals: the client's IP as Express computed it (mind `trust proxy`). */
export function defaultSignals(req: Request): SendContext {
  // Read once: Express computes req.ip on every read (trust proxy, X-Forwarded-For).
  const raw = req.ip;
  const ip = typeof raw === 'string' && raw !== '' ? unwrapMappedIpv4(raw) : undefined;
  return ip === undefined ? {} : { ip };
}

/** Default `userId`: `req.user.id` (a field or a getter), the name most user tables use. */
export function defaultUserId(req: Request): UserIdValue {
  const user: unknown = req.user;
  if (user === null || typeof user !== 'object') return undefined;
  const id: unknown = (user as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

/** Throws a TypeError for the first option name the strategy does not know, naming the nearest known one. */
function refuseUnknownNames(options: object): void {
  for (const name of Object.keys(options)) {
    if (Object.hasOwn(OPTION_NAMES, name)) continue;
    throw new TypeError(`DingOtpStrategy: unknown option \`${name}\` (did you mean \`${nearestName(name, KNOWN_OPTIONS)}\`?)`);
  }
}

/** `codeLength` and `codePattern` as the one pattern codes are checked against. */
function resolveCodePattern(options: DingOtpStrategyOptionsBase): { pattern: RegExp; length: number | undefined } {
  const codePattern: unknown = options.codePattern;
  const codeLength: unknown = options.codeLength;
  if (codePattern !== undefined && !(codePattern instanceof RegExp)) fail('codePattern', 'a RegExp');
  if (codeLength !== undefined) {
    if (typeof codeLength !== 'number' || !Number.isInteger(codeLength) || codeLength < 4 || codeLength > 10) fail('codeLength', 'an integer from 4 to 10');
    if (codePattern !== undefined) throw new TypeError('DingOtpStrategy: pass `codeLength` or `codePattern`, not both');
    return { pattern: new RegExp(`^[0-9]{${codeLength}}$`), length: codeLength };
  }
  // A stateful RegExp (g or y) would remember lastIndex between requests: use a clean copy.
  const pattern = codePattern instanceof RegExp ? new RegExp(codePattern.source, codePattern.flags.replace(/[gy]/g, '')) : DEFAULTS.codePattern;
  return { pattern, length: undefined };
}

/**
 * The default `sessionKey` in phone-change mode: a slot of its own, so a login or second-factor
 * code pending in the same session is never taken for a number change, nor overwritten by one.
 */
export const PHONE_CHANGE_SESSION_KEY = 'passport-ding-phone-change';

/** `phoneChange`: a boolean, and never with `secondFactor` (one code, one purpose). */
function resolvePhoneChange(options: DingOtpStrategyOptionsBase): boolean {
  const value: unknown = options.phoneChange;
  if (value === undefined || value === false) return false;
  if (value !== true) fail('phoneChange', 'a boolean');
  if (options.secondFactor !== undefined) {
    throw new TypeError('DingOtpStrategy: `phoneChange` and `secondFactor` do not go together: use one strategy instance for each (phone change verifies a new number from the form; the second factor texts the number on file)');
  }
  return true;
}

/**
 * Checks every option and fills in defaults, except the provider's (./providers/index.ts) and
 * those ./production.ts reads (`onEvent`, `telemetry`, `testNumbers`, `webhookUrl`).
 */
export function resolveOptions(options: DingOtpStrategyOptionsBase & { passReqToCallback?: boolean | undefined }): Settings {
  refuseUnknownNames(options);
  const code = resolveCodePattern(options);
  if (options.defaultCountry !== undefined && !isCountryCode(options.defaultCountry)) {
    fail('defaultCountry', 'an ISO 3166-1 alpha-2 country code libphonenumber-js knows, e.g. "US"');
  }
  const passReq: unknown = options.passReqToCallback;
  if (passReq !== undefined && typeof passReq !== 'boolean') fail('passReqToCallback', 'a boolean');
  const messages: unknown = options.messages;
  if (messages !== undefined) {
    if (messages === null || typeof messages !== 'object') fail('messages', 'an object of code -> message');
    for (const [code, text] of Object.entries(messages)) {
      if (!Object.hasOwn(OUTCOMES, code)) fail('messages', `keyed by outcome codes (unknown code "${code}")`);
      // undefined: that code keeps its default message, as an absent key does (a config read from env).
      if (text !== undefined && typeof text !== 'string') fail('messages', 'an object of code -> string');
    }
  }
  const phoneChange = resolvePhoneChange(options);
  const sessionKey = str(options, 'sessionKey', phoneChange ? PHONE_CHANGE_SESSION_KEY : DEFAULTS.sessionKey);
  if (RESERVED_SESSION_KEYS.has(sessionKey)) fail('sessionKey', `a name of its own, not one the session or Passport uses ("${sessionKey}")`);
  const maxAttempts = num(options, 'maxAttempts', DEFAULTS.maxAttempts, 1);
  if (!Number.isInteger(maxAttempts)) fail('maxAttempts', 'an integer >= 1');
  const maxResends = num(options, 'maxResends', DEFAULTS.maxResends, 0);
  if (!Number.isInteger(maxResends)) fail('maxResends', 'an integer >= 0');
  const ttlSeconds = num(options, 'ttlSeconds', DEFAULTS.ttlSeconds, 1);
  if (ttlSeconds > MAX_TTL_SECONDS) fail('ttlSeconds', `at most ${MAX_TTL_SECONDS} (ten minutes: a login code is minutes, not days)`);
  // The length-specific message unless the app chose its own.
  const outcomeMessages = { ...(messages as OutcomeMessages | undefined) };
  if (code.length !== undefined && outcomeMessages.malformed_code === undefined) outcomeMessages.malformed_code = `Enter the ${code.length}-digit code.`;
  if (phoneChange && outcomeMessages.declined === undefined) outcomeMessages.declined = PHONE_CHANGE_DECLINED_MESSAGE;
  return {
    phoneField: str(options, 'phoneField', DEFAULTS.phoneField),
    codeField: str(options, 'codeField', DEFAULTS.codeField),
    sessionKey,
    defaultCountry: options.defaultCountry,
    codePattern: code.pattern,
    passReqToCallback: passReq === true,
    // `secondFactor: true` reads like `phoneChange: true`: say what the function gives.
    secondFactor: fn(options, 'secondFactor', "a function (req) => the signed-in user's phone number, or null when there is none"),
    phoneChange,
    testNumbersListed: listedTestNumbers(options.testNumbers),
    userId: fn<Settings['userId']>(options, 'userId') ?? defaultUserId,
    signals: fn(options, 'signals') ?? defaultSignals,
    maxAttempts,
    resendCooldownMs: num(options, 'resendCooldownSeconds', DEFAULTS.resendCooldownSeconds, 0) * 1000,
    maxResends,
    ttlMs: ttlSeconds * 1000,
    messages: outcomeMessages,
    now: fn<() => number>(options, 'now') ?? Date.now,
    limits: resolveLimits(options.limits),
    allowedCountries: resolveAllowedCountries(options.allowedCountries),
    lineTypes: resolveLineTypeGate(options.lineTypes),
    beforeSend: fn(options, 'beforeSend'),
    trustedDevices: resolveTrustedDevices(options.trustedDevices, options.secondFactor !== undefined),
    channels: resolveChannels(options.channels),
    webOtpDomain: resolveWebOtpOrigin(options.webOtpOrigin),
  };
}
