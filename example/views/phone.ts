// Phone numbers on pages: masked like passport-ding's pendingVerification() masks them
// (`+1•••••0123`), so the start of the second factor and the code page read the same.
import { parsePhoneNumberFromString } from 'libphonenumber-js';

export function maskPhoneForPage(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return '•••••';
  return `+${parsed.countryCallingCode}•••••${parsed.nationalNumber.slice(-4)}`;
}

/** `+12015550123` -> `+1 201 555 0123`, for the user's own profile. */
export function formatPhone(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}
