// One phone, one budget: the ways people write one number must normalise to one E.164 number and
// so to one limit key per rule. Argentina's mobiles are the case in point: international
// `+54 9 11 xxxx xxxx`, and the national `(0)11 15 xxxx xxxx` with the `15` mobile prefix, typed
// with or without `+54` in front, are one number; the form without the 9 is another E.164 number
// that reaches the same handset, so it shares the keys. A second spelling with its own key would
// give one phone a second budget.
import { describe, expect, it } from 'vitest';
import { blockKey, countedNumber, phoneKey } from '../../lib/limits/keys.js';
import { normalizePhone } from '../../lib/phone.js';
import type { CountryCode } from '../../lib/phone.js';

const SECRET = 'phone forms test secret';

function e164Of(input: string, country?: CountryCode): string {
  const result = normalizePhone(input, country);
  if (!result.ok) throw new Error(`${input}: ${result.reason}`);
  expect(result.country).toBe('AR');
  return result.e164;
}

describe('Argentine mobile numbers', () => {
  const forms: Array<[string, CountryCode | undefined]> = [
    ['+54 9 11 2345 6789', undefined],
    ['+5491123456789', undefined],
    ['+54 11 15 2345 6789', undefined],
    ['+54 011 15 2345 6789', undefined],
    ['+54 (11) 15-2345-6789', undefined],
    ['011 15 2345 6789', 'AR'],
    ['11 15 2345 6789', 'AR'],
    ['9 11 2345 6789', 'AR'],
  ];

  it.each(forms)('%j (default country %s) is +5491123456789', (input, country) => {
    expect(e164Of(input, country)).toBe('+5491123456789');
  });

  it('all forms share one phone key and one block key, plain and keyed', () => {
    for (const secret of [undefined, SECRET]) {
      const phone = new Set(forms.map(([input, country]) => phoneKey(e164Of(input, country), secret)));
      const block = new Set(forms.map(([input, country]) => blockKey(e164Of(input, country), 3, secret)));
      expect(phone.size).toBe(1);
      expect(block.size).toBe(1);
    }
    expect(blockKey('+5491123456789', 3, undefined)).toBe('b+5491123456/3');
  });

  it('outside Buenos Aires too: +54 9 351 ... and +54 351 15 ... are one number', () => {
    expect(e164Of('+54 351 15 234 5678')).toBe('+5493512345678');
    expect(e164Of('+54 9 351 234 5678')).toBe('+5493512345678');
    expect(e164Of('0351 15 234 5678', 'AR')).toBe('+5493512345678');
  });

  it('without the 9 and the 15 it is another E.164 number, but one handset: its keys are the mobile\'s', () => {
    // libphonenumber-js reads +54 11 2345 6789 as a valid fixed line, and the code goes to it as
    // typed; an SMS to it can reach the mobile with the same ten digits (keys.ts says why), so
    // every per-number rule counts both forms as one.
    expect(e164Of('+54 11 2345 6789')).toBe('+541123456789');
    for (const secret of [undefined, SECRET]) {
      expect(phoneKey('+541123456789', secret)).toBe(phoneKey('+5491123456789', secret));
      expect(blockKey('+541123456789', 3, secret)).toBe(blockKey('+5491123456789', 3, secret));
      expect(phoneKey('+543512345678', secret)).toBe(phoneKey('+5493512345678', secret));
    }
  });

  it('other numbers keep their own keys: other countries, and +54 numbers of other lengths', () => {
    expect(countedNumber('+541123456789')).toBe('+5491123456789');
    expect(countedNumber('+5491123456789')).toBe('+5491123456789');
    // Not ten national digits, or not a +54 number: as they are.
    for (const other of ['+54112345678', '+5411234567890', '+551123456789', '+15412345678', '+4412345678901']) expect(countedNumber(other)).toBe(other);
    // Ten digits starting with 0 or 9 are no area code: as they are.
    expect(countedNumber('+540123456789')).toBe('+540123456789');
    expect(countedNumber('+549123456789')).toBe('+549123456789');
  });
});

describe('one number written every other way a person or a script might', () => {
  // A French mobile: punctuation, the trunk 0 kept after the country code, the international
  // prefix 00 with a default country, the national form, other scripts' digits. Each must be
  // the one number, or each spelling would be a budget and a resend cooldown of its own.
  const forms: Array<[string, CountryCode | undefined]> = [
    ['+33612345678', undefined],
    ['+33 6 12 34 56 78', undefined],
    ['+33-6-12-34-56-78', undefined],
    ['+33.6.12.34.56.78', undefined],
    ['+33 (0)6 12 34 56 78', undefined],
    ['+33 06 12 34 56 78', undefined],
    ['0033 6 12 34 56 78', 'FR'],
    ['00 33 6 12 34 56 78', 'DE'],
    ['06 12 34 56 78', 'FR'],
    ['+３３６１２３４５６７８', undefined],
    ['+٣٣٦١٢٣٤٥٦٧٨', undefined],
    ['\u00a0+33 6 12 34 56 78\u00a0', undefined],
  ];

  it.each(forms)('%j (default country %s) is +33612345678, with its keys', (input, country) => {
    const result = normalizePhone(input, country);
    expect(result).toMatchObject({ ok: true, e164: '+33612345678' });
    if (result.ok) expect(phoneKey(result.e164, SECRET)).toBe(phoneKey('+33612345678', SECRET));
  });

  // Forms that would name the number with something more: refused, never read as the number
  // (which would be a second spelling) nor as another one.
  it.each(['+33 6 12 34 56 78 ext 1', '+33612345678;ext=1', '+33 6 12 34 56 78 x1', 'tel:+33612345678', '＋33612345678', '+33 6 12 34 56 78 9'])('%j is refused', (input) => {
    expect(normalizePhone(input).ok).toBe(false);
  });
});
