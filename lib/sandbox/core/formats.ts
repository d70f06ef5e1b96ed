// Format checks every API module needs: UUIDs, E.164 and possible numbers, IPv4, BCP-47, URLs.
import { isIPv4 } from 'node:net';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const E164 = /^\+[1-9]\d{1,14}$/;
// Language, then subtags (script, region, variants); loose on purpose, like most servers.
const BCP47 = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/;

export const isUuid = (s: string): boolean => UUID.test(s);
/** The E.164 pattern alone: what the specs' schemas say. */
export const isE164 = (s: string): boolean => E164.test(s);
export const isIpv4 = (s: string): boolean => isIPv4(s);
export const isBcp47 = (s: string): boolean => s.length <= 64 && BCP47.test(s);

/**
 * A number the real services would try to send to: E.164, a calling code that exists and a
 * length that country's plan allows. The pattern alone lets "+123" through, which Ding answers
 * with `invalid_phone_number` ("+0 is not a valid phone number" in its own error example).
 * Possible, not valid: test ranges such as +1 555 01xx stay usable.
 */
export function isPossibleNumber(s: string): boolean {
  if (!E164.test(s)) return false;
  return parsePhoneNumberFromString(s)?.isPossible() === true;
}

export function isHttpUrl(s: string): boolean {
  if (!URL.canParse(s)) return false;
  const { protocol } = new URL(s);
  return protocol === 'http:' || protocol === 'https:';
}
