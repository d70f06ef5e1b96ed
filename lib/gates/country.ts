// The country allow-list: with `allowedCountries: ['US', 'CA']`, codes go only to numbers of those
// countries, decided from the number itself (libphonenumber-js metadata) before anything is spent.
// Numbers of no single country (+800, +882, ...) are refused when a list is set.

import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { CountryCode } from 'libphonenumber-js';
import { isCountryCode } from '../phone.js';

/** Checks the `allowedCountries` option; `undefined` means every country. */
export function resolveAllowedCountries(value: unknown): ReadonlySet<CountryCode> | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || !value.every(isCountryCode)) {
    throw new TypeError('DingOtpStrategy: option `allowedCountries` must be a non-empty array of ISO 3166-1 alpha-2 codes, e.g. ["US", "CA"]');
  }
  return new Set(value);
}

/** The country of an E.164 number, when it has one. */
export function countryOf(e164: string): CountryCode | undefined {
  return parsePhoneNumberFromString(e164)?.country;
}

/** True when a number of `country` (as `normalizePhone` found it) may receive a code under `allowed` (always, without a list). */
export function countryAllowed(country: CountryCode | undefined, allowed: ReadonlySet<CountryCode> | undefined): boolean {
  if (!allowed) return true;
  return country !== undefined && allowed.has(country);
}
