// Test numbers for app-store review accounts: `testNumbers: { numbers: { '+12015550100': '424242' },
// expiresAt }`. A decorator around the real provider: a send or resend to a listed number calls no
// provider and answers "sent" with an id of its own; a check of such an id compares the fixed code
// locally, in constant time. Everything else of the login (attempts, expiry, resend cooldown,
// limits, gates, outcome codes) is the strategy's, unchanged, because only the provider is swapped.
//
// `expiresAt` is required and must be in the future when the strategy is built: a review account
// that outlives its review is the hard-coded bypass this replaces. Once it passes, the numbers are
// ordinary numbers again (real SMS), and a test verification still pending answers `expired`.
// More than 90 days ahead is not the end of one review: a warning, once per process, not a
// refusal (an app reviewed at every release may keep the account for good, renewing the date).
//
// Phone-change mode refuses a listed number (listedTestNumbers, ./actions/send.ts): its code is in
// the review notes, so an account bound to it could be logged into by anyone who has read them.

import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { normalizePhone } from './phone.js';
import type {
  CheckRequest,
  CheckResult,
  LineInfo,
  OtpProvider,
  ResendRequest,
  ResendResult,
  SendRequest,
  SendResult,
} from './providers/provider.js';

/** The `testNumbers` option. */
export interface TestNumbersOptions {
  /** E.164 number -> its fixed code, e.g. `{ '+12015550100': '424242' }`. */
  numbers: Record<string, string>;
  /** When the numbers stop being test numbers (a Date or epoch milliseconds). Required, in the future. */
  expiresAt: Date | number;
}

/** The checked option. */
export interface TestNumberSettings {
  /** E.164 -> SHA-256 of the code (fixed length, so the comparison is constant time). */
  codes: ReadonlyMap<string, Buffer>;
  expiresAt: number;
}

// Our ids start with this; a provider's never do (Ding's are UUIDs, Prelude's `vrf_...`), and a
// check is answered locally only when the number is a listed one too.
const ID_PREFIX = 'test-number-';

/**
 * When trust earned by verification `id` must end: the test numbers' `expiresAt` for a test
 * number's verification (what its fixed code earned dies with the code), else undefined.
 */
export function trustEndsAt(settings: TestNumberSettings | undefined, id: string): number | undefined {
  return settings !== undefined && id.startsWith(ID_PREFIX) ? settings.expiresAt : undefined;
}

const DAY_MS = 24 * 3600_000;
/** Further ahead than this, `expiresAt` is not the end of one review (PASSPORT_DING_TEST_NUMBERS_FAR). */
const FAR_DAYS = 90;
let warnedFar = false;

/** A far `expiresAt`, reported once per process: the date and the days, never a number or a code. */
function warnIfFar(at: number, now: number): void {
  if (warnedFar || at - now <= FAR_DAYS * DAY_MS) return;
  warnedFar = true;
  process.emitWarning(
    `passport-ding: testNumbers.expiresAt is ${new Date(at).toISOString()}, ${Math.ceil((at - now) / DAY_MS)} days ahead. Until then each listed number's fixed code logs in for anyone who has read your review notes, and more than ${FAR_DAYS} days is not the end of one review: set the end of this review, and a new date for the next. Reported once`,
    { code: 'PASSPORT_DING_TEST_NUMBERS_FAR' },
  );
}

function fail(expected: string): never {
  throw new TypeError(`DingOtpStrategy: option \`testNumbers\` ${expected}`);
}

function digest(code: string): Buffer {
  return createHash('sha256').update(code).digest();
}

/** Checks the option against the code pattern and the clock; undefined when not set. */
export function resolveTestNumbers(value: unknown, codePattern: RegExp, now: number): TestNumberSettings | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object') fail('must be { numbers: { "+12015550100": "424242" }, expiresAt }');
  const { numbers, expiresAt } = value as Partial<TestNumbersOptions>;
  const at = expiresAt instanceof Date ? expiresAt.getTime() : expiresAt;
  if (typeof at === 'number' && !Number.isFinite(at)) fail('has an `expiresAt` that is not a valid date (an invalid Date, NaN or Infinity): give a Date or epoch milliseconds');
  if (typeof at !== 'number') fail('needs `expiresAt` (a Date or epoch milliseconds): test numbers must not live forever');
  if (at <= now) fail(`has an \`expiresAt\` in the past (${new Date(at).toISOString()}): set a new date for this review`);
  if (numbers === null || typeof numbers !== 'object' || Object.keys(numbers).length === 0) fail('needs `numbers`: { "+12015550100": "424242" }');
  const codes = new Map<string, Buffer>();
  for (const [phone, code] of Object.entries(numbers)) {
    const normalized = normalizePhone(phone);
    if (!normalized.ok || normalized.e164 !== phone) fail(`numbers must be valid E.164 numbers (got "${phone}")`);
    if (typeof code !== 'string' || !codePattern.test(code)) fail(`codes must be strings matching codePattern (the code of ${phone} does not)`);
    codes.set(phone, digest(code));
  }
  warnIfFar(at, now);
  return { codes, expiresAt: at };
}

const NONE: ReadonlySet<string> = new Set();

/**
 * The numbers the `testNumbers` option lists, as written, whatever `expiresAt` says: the ones
 * phone-change mode refuses. Read before the option is checked (resolveTestNumbers, in the same
 * constructor, throws on a bad one), so it only reads; a listed number is E.164 as written, the
 * form a send compares.
 */
export function listedTestNumbers(value: unknown): ReadonlySet<string> {
  const numbers = (value as Partial<TestNumbersOptions> | null | undefined)?.numbers;
  return numbers !== null && typeof numbers === 'object' ? new Set(Object.keys(numbers)) : NONE;
}

/** The provider with the test numbers in front of it. */
export class TestNumberProvider implements OtpProvider {
  readonly name: string;
  readonly #inner: OtpProvider;
  readonly #settings: TestNumberSettings;
  readonly #now: () => number;

  constructor(inner: OtpProvider, settings: TestNumberSettings, now: () => number) {
    this.#inner = inner;
    this.#settings = settings;
    this.#now = now;
    this.name = inner.name;
  }

  /** True while `phoneNumber` is a listed number and `expiresAt` has not passed. */
  isTestNumber(phoneNumber: string): boolean {
    return this.#now() < this.#settings.expiresAt && this.#settings.codes.has(phoneNumber);
  }

  send(request: SendRequest): Promise<SendResult> {
    if (!this.isTestNumber(request.phoneNumber)) return this.#inner.send(request);
    // No expiresAt: the strategy's ttlSeconds applies, as for a provider that does not say.
    return Promise.resolve({ status: 'sent', id: `${ID_PREFIX}${randomUUID()}`, createdAt: new Date(this.#now()) });
  }

  check(request: CheckRequest): Promise<CheckResult> {
    if (!this.#ours(request.id, request.phoneNumber)) return this.#inner.check(request);
    if (!this.isTestNumber(request.phoneNumber)) return Promise.resolve({ status: 'expired' });
    const expected = this.#settings.codes.get(request.phoneNumber) as Buffer;
    const valid = timingSafeEqual(digest(request.code), expected);
    return Promise.resolve({ status: valid ? 'valid' : 'invalid' });
  }

  resend(request: ResendRequest): Promise<ResendResult> {
    if (!this.#ours(request.id, request.phoneNumber)) return this.#inner.resend(request);
    if (!this.isTestNumber(request.phoneNumber)) return Promise.resolve({ status: 'expired' });
    return Promise.resolve({ status: 'sent' });
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  #ours(id: string, phoneNumber: string): boolean {
    return id.startsWith(ID_PREFIX) && this.#settings.codes.has(phoneNumber);
  }
}

/** `provider` with test numbers in front when `settings` is set (lookup kept when it has one). */
export function withTestNumbers(provider: OtpProvider, settings: TestNumberSettings | undefined, now: () => number): OtpProvider {
  if (!settings) return provider;
  const wrapped = new TestNumberProvider(provider, settings, now);
  if (provider.lookup) {
    const lookup = provider.lookup.bind(provider);
    // A listed number is what the review account types: no paid lookup, and a mobile line.
    (wrapped as OtpProvider).lookup = (phoneNumber: string): Promise<LineInfo> =>
      wrapped.isTestNumber(phoneNumber) ? Promise.resolve({ phoneNumber, lineType: 'mobile' }) : lookup(phoneNumber);
  }
  return wrapped;
}
