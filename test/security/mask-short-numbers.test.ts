// The masked number (pendingVerification(), events, webhooks) shows the calling code and at most
// four national digits, hiding at least as many as it shows in every plan length: 7-digit national
// numbers (the mobiles of 25 countries: Iceland, Fiji, the Maldives, Guyana, ...) showed 4 of 7.
import { describe, expect, it } from 'vitest';
import { phoneFacts } from '../../lib/event-phone.js';
import { maskPhone, normalizePhone } from '../../lib/phone.js';

/** How many national digits a mask shows: the digits after its dots. */
function shownDigits(masked: string): number {
  return masked.split('•').pop()?.length ?? 0;
}

/** A valid mobile number of `country` with `length` national digits, as the send step gives it. */
function valid(e164: string, country: string, length: number): string {
  const result = normalizePhone(e164);
  expect(result).toMatchObject({ ok: true, e164, country });
  // The mask's prefix is `+` and the calling code: what is left of the number is national.
  expect(e164.length - (maskPhone(e164).split('•')[0]?.length ?? 0)).toBe(length);
  return e164;
}

// National lengths 5 to 10 (the 7-digit ones are libphonenumber-js's mobile example numbers).
const NUMBERS: Array<[string, string, number]> = [
  ['+50051234', 'FK', 5],
  ['+688901234', 'TV', 6],
  ['+3546111234', 'IS', 7],
  ['+6797012345', 'FJ', 7],
  ['+9607712345', 'MV', 7],
  ['+37251234567', 'EE', 8],
  ['+46701234567', 'SE', 9],
  ['+14155552671', 'US', 10],
];

describe('the masked number', () => {
  it.each(NUMBERS)('%s (%s, %i national digits) hides at least as many digits as it shows, in every mask', (e164, country, length) => {
    valid(e164, country, length);
    for (const masked of [maskPhone(e164), phoneFacts(e164).masked]) {
      const shown = shownDigits(masked);
      expect(shown, masked).toBeGreaterThanOrEqual(2);
      expect(length - shown, masked).toBeGreaterThanOrEqual(shown);
    }
  });
});
