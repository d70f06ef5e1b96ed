// Phone input -> E.164, through libphonenumber-js (Google's metadata, kept up to date). Numbers
// the metadata calls invalid are refused here, before any SMS is paid for. Input is what a person
// types: spaces, dashes, brackets and a national format are fine when `defaultCountry` is set.

import { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';
import type { CountryCode } from 'libphonenumber-js';

export type { CountryCode };

export type PhoneResult =
  // `country`: the number's country as the parse found it (none for +800 and the like), so the
  // steps after it (the country allow-list, the per-country budget) need no second parse.
  | { ok: true; e164: string; country: CountryCode | undefined }
  | { ok: false; reason: 'missing_phone_number' | 'invalid_phone_number' | 'missing_country_code' };

// Longer input is not a phone number; parsing it would only cost time.
const MAX_INPUT_LENGTH = 64;
// The shortest national numbers in use have about 6 digits: fewer is a typo, not a number whose
// country code was left out; more than E.164's 15 is not a phone number at all.
const MIN_NATIONAL_DIGITS = 6;
const MAX_DIGITS = 15;
const DIGIT = /\p{Nd}/gu;
// Digits and the punctuation people group them with: anything else (letters, an extension) is
// not just a number without its country code.
const NATIONAL_FORM = /^[\p{Nd}\p{Zs}\p{Pd}.()/]+$/u;

export function isCountryCode(value: unknown): value is CountryCode {
  return typeof value === 'string' && isSupportedCountry(value);
}

/** Normalises `input` to E.164, or says why it cannot. */
export function normalizePhone(input: string | undefined, defaultCountry?: CountryCode): PhoneResult {
  const text = input?.trim() ?? '';
  if (text === '') return { ok: false, reason: 'missing_phone_number' };
  if (text.length > MAX_INPUT_LENGTH) return { ok: false, reason: 'invalid_phone_number' };
  // extract: false, so the whole input must be the number: by default the library would pick one
  // out of surrounding text ("call +1 415 555 2671 now"). An extension cannot receive an SMS, and
  // dropping it would send to a number other than the one typed.
  // The key is left out, not set to undefined, when there is no default (libphonenumber's type
  // has no `| undefined`); the same one object literal per call either way.
  const parsed = parsePhoneNumberFromString(text, defaultCountry === undefined ? { extract: false } : { defaultCountry, extract: false });
  if (parsed === undefined && looksNational(text, defaultCountry)) return { ok: false, reason: 'missing_country_code' };
  if (!parsed?.isValid() || parsed.ext !== undefined) return { ok: false, reason: 'invalid_phone_number' };
  // The default metadata checks lengths by prefix, and some plans allow national numbers long
  // enough to pass E.164's 15 digits (16 characters with the +): no network routes those.
  if (parsed.number.length > MAX_DIGITS + 1) return { ok: false, reason: 'invalid_phone_number' };
  return { ok: true, e164: parsed.number, country: parsed.country };
}

/**
 * A number typed the national way (`201 555 0142`) that cannot be read without knowing its
 * country: no `+` and no `defaultCountry`. The user can fix that by adding the country code, so
 * they are told so rather than "not valid".
 */
function looksNational(text: string, defaultCountry: CountryCode | undefined): boolean {
  if (defaultCountry !== undefined || !NATIONAL_FORM.test(text)) return false;
  const digits = text.match(DIGIT)?.length ?? 0;
  return digits >= MIN_NATIONAL_DIGITS && digits <= MAX_DIGITS;
}

/**
 * `+15551234567` -> `+1•••••4567`: the country code and the last digits only, with a fixed
 * number of dots so the length is not shown either. For rendering "we sent a code to ...".
 */
export function maskPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  return parsed ? maskNational(parsed.countryCallingCode, parsed.nationalNumber) : maskNational('', e164.replace(/^\+/, ''));
}

/**
 * The mask of a number by its parts: `+`, the calling code, five dots, the last digits. At least
 * five national digits stay hidden, so a masked number stands for 100,000 numbers or more: four
 * digits of a 10-digit US number are shown, three of an 8-digit Danish one, two of a 7-digit or
 * shorter one (four of seven would leave 1,000 candidates, few enough to try).
 */
export function maskNational(callingCode: string, national: string): string {
  const shown = Math.min(4, Math.max(2, national.length - 5));
  return `+${callingCode}•••••${national.slice(-shown)}`;
}
