// The masked number (pendingVerification(), events, webhooks) shows the calling code and the last
// four national digits, or two of a number of six digits or fewer. For the 25 countries whose
// mobile numbers have 7 national digits (Iceland, Fiji, the Maldives, Guyana, ...) that shows 4 of
// 7: only 3 digits stay hidden, fewer than it shows. The it.fails tests below pin that weak point
// until the mask changes; they start failing (and lose `.fails`) when it is fixed.
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

// National lengths 5, 6, 8, 9, 10: the mask hides at least as many digits as it shows.
const HIDES_ENOUGH: Array<[string, string, number]> = [
  ['+50051234', 'FK', 5],
  ['+688901234', 'TV', 6],
  ['+37251234567', 'EE', 8],
  ['+46701234567', 'SE', 9],
  ['+14155552671', 'US', 10],
];
// National length 7: libphonenumber-js's mobile example numbers.
const SEVEN: Array<[string, string, number]> = [
  ['+3546111234', 'IS', 7],
  ['+6797012345', 'FJ', 7],
  ['+9607712345', 'MV', 7],
];

describe('the masked number', () => {
  it.each(HIDES_ENOUGH)('%s (%s, %i national digits) hides at least as many digits as it shows', (e164, country, length) => {
    valid(e164, country, length);
    for (const masked of [maskPhone(e164), phoneFacts(e164).masked]) {
      const shown = shownDigits(masked);
      expect(length - shown, masked).toBeGreaterThanOrEqual(shown);
    }
  });

  it.each(SEVEN)('%s is a valid %s number of %i national digits', (e164, country, length) => {
    valid(e164, country, length);
  });

  it('shows the last four digits of a 7-digit national number today (4 of 7)', () => {
    expect(maskPhone('+3546111234')).toBe('+354•••••1234');
    expect(phoneFacts('+3546111234').masked).toBe('+354•••••1234');
  });

  // Known weak point: 4 of 7 digits shown, 3 hidden (1,000 candidates per calling code, fewer
  // within a mobile range's leading digit). Fails while it holds.
  it.fails.each(SEVEN)('maskPhone(%s) (%s, %i national digits) hides at least as many digits as it shows', (e164, _country, length) => {
    const shown = shownDigits(maskPhone(e164));
    expect(length - shown).toBeGreaterThanOrEqual(shown);
  });

  it.fails.each(SEVEN)('phoneFacts(%s).masked (%s, %i national digits, events and webhooks) hides at least as many digits as it shows', (e164, _country, length) => {
    const shown = shownDigits(phoneFacts(e164).masked);
    expect(length - shown).toBeGreaterThanOrEqual(shown);
  });
});
