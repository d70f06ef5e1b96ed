// The masked number and country of an event, cheaply. Parsing an E.164 number with
// libphonenumber-js costs several microseconds, more than the whole per-event budget, so the
// calling code is found by prefix instead (calling codes are prefix-free, ITU-T E.164), which is
// all masking needs. The country comes from the calling code when only one country has it; for a
// shared code (+1, +7, +44, ...) from the send step, which parsed the number anyway, or else from
// one parse, remembered in a bounded memo (MEMO_LIMIT numbers, least recently used dropped first).

import { LRUCache } from 'lru-cache';
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import { maskNational } from './phone.js';

// The numbers a memo entry costs are small (an E.164 string and a country code): 10 000 entries
// stay well under a megabyte.
const MEMO_LIMIT = 10_000;
// Non-geographic calling codes (freephone, satellite, ...): they have no country.
const NON_GEOGRAPHIC = ['800', '808', '870', '878', '881', '882', '883', '888', '979'];

const SINGLE_COUNTRY = new Map<string, string | undefined>();
const SHARED = new Set<string>();
for (const country of getCountries()) {
  const code = getCountryCallingCode(country);
  if (SINGLE_COUNTRY.has(code)) SHARED.add(code);
  SINGLE_COUNTRY.set(code, country);
}
for (const code of SHARED) SINGLE_COUNTRY.set(code, undefined);
for (const code of NON_GEOGRAPHIC) if (!SINGLE_COUNTRY.has(code)) SINGLE_COUNTRY.set(code, undefined);

// The memo's value is the country, or '' for a number that has none (lru-cache keeps no undefined).
const memo = new LRUCache<string, string>({ max: MEMO_LIMIT });

function callingCode(digits: string): string | undefined {
  for (let length = 1; length <= 3; length++) {
    const prefix = digits.slice(0, length);
    if (SINGLE_COUNTRY.has(prefix)) return prefix;
  }
  return undefined;
}

function sharedCountry(e164: string): string | undefined {
  let country = memo.get(e164);
  if (country === undefined) {
    country = parsePhoneNumberFromString(e164)?.country ?? '';
    memo.set(e164, country);
  }
  return country === '' ? undefined : country;
}

/** Remembers the country the send step found, so the steps after it need no parse. */
function remember(e164: string, country: string): void {
  if (!memo.has(e164)) memo.set(e164, country);
}

/**
 * `+15551234567` -> `{ masked: '+1•••••4567', country: 'US' }`: the same mask as
 * `pendingVerification()` shows (./phone.ts, maskNational).
 */
export function phoneFacts(e164: string, knownCountry?: string): { masked: string; country?: string } {
  const digits = e164.startsWith('+') ? e164.slice(1) : e164;
  const code = callingCode(digits);
  const masked = maskNational(code ?? '', code === undefined ? digits : digits.slice(code.length));
  if (code === undefined) return { masked };
  let country: string | undefined;
  if (!SHARED.has(code)) country = SINGLE_COUNTRY.get(code);
  else if (knownCountry !== undefined) {
    country = knownCountry;
    remember(e164, knownCountry);
  } else country = sharedCountry(e164);
  return country === undefined ? { masked } : { masked, country };
}
