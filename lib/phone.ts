// Phone input -> E.164, through libphonenumber-js (Google's metadata, kept up to date). Numbers
// the metadata calls invalid are refused here, before any SMS is paid for. Input is what a person
// types: spaces, dashes, brackets and a national format are fine when `defaultCountry` is set.

import { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';
import type { CountryCode } from 'libphonenumber-js';

export type { CountryCode };

export type PhoneResult =
  | { ok: true; e164: string }
  | { ok: false; reason: 'missing_phone_number' | 'invalid_phone_number' };

// Longer input is not a phone number; parsing it would only cost time.
const MAX_INPUT_LENGTH = 64;

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
  const parsed = parsePhoneNumberFromString(text, { defaultCountry, extract: false });
  if (!parsed?.isValid() || parsed.ext !== undefined) return { ok: false, reason: 'invalid_phone_number' };
  return { ok: true, e164: parsed.number };
}

/**
 * `+15551234567` -> `+1•••••4567`: the country code and the last digits only, with a fixed
 * number of dots so the length is not shown either. For rendering "we sent a code to ...".
 */
export function maskPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  const national = parsed ? parsed.nationalNumber : e164.replace(/^\+/, '');
  const prefix = parsed ? `+${parsed.countryCallingCode}` : '+';
  const shown = national.length > 6 ? 4 : 2;
  return `${prefix}•••••${national.slice(-shown)}`;
}
