// lib/limits/block-length.ts at its edges: calling codes of three digits (the lookup tries one,
// two and three), numbers of no country's calling code, and a number written other than as
// normalizePhone() writes it. Every number the strategy keys comes from normalizePhone(); the
// cases here are the ones block-keys.test.ts (two-digit codes: DE, IT, AT) does not reach.
import { describe, expect, it } from 'vitest';
import { blockKey } from '../../lib/limits/keys.js';
import { blockLength } from '../../lib/limits/block-length.js';
import { normalizePhone } from '../../lib/phone.js';
import { validNumber } from '../helpers/phones.js';

describe('blockLength with three-digit calling codes', () => {
  it('cuts a Finnish mobile (+358, typical 9 national digits) of 10 digits to 9', () => {
    const long = validNumber('+3584123456789', 'FI');
    expect(blockLength(long)).toBe(1 + 3 + 9);
    expect(blockKey(long, 3, undefined)).toBe(blockKey(validNumber('+358412345678', 'FI'), 3, undefined));
    expect(blockKey(long, 3, undefined)).toBe('b+358412345/3');
  });

  it('cuts a Serbian fixed line (+381, typical 10) of 11 digits to 10, and leaves one of 9 as it is', () => {
    expect(blockLength(validNumber('+38111123456789', 'RS'))).toBe(1 + 3 + 10);
    expect(blockKey('+38111123456789', 3, undefined)).toBe('b+3811112345/3');
    expect(blockLength(validNumber('+381111234567', 'RS'))).toBe('+381111234567'.length);
  });

  it('leaves a number of a fixed-length plan with a three-digit code as it is', () => {
    expect(blockLength(validNumber('+35312345678', 'IE'))).toBe('+35312345678'.length);
    expect(blockKey('+35312345678', 3, undefined)).toBe('b+35312345/3');
  });
});

describe('blockLength outside the countries', () => {
  it('leaves a number of a calling code no country has (+800 freephone) as it is', () => {
    const freephone = validNumber('+80012345678', undefined);
    expect(blockLength(freephone)).toBe(freephone.length);
    expect(blockKey(freephone, 3, undefined)).toBe('b+80012345/3');
  });

  it('leaves a number whose national part is not what the metadata reads (a trunk 0 kept) as it is', () => {
    // normalizePhone() would write +49301234567890 (cut to +4930123456...); written with the
    // trunk 0, the parse's national number is one digit shorter than the text's, so no cut.
    expect(normalizePhone('+490301234567890')).toMatchObject({ ok: true, e164: '+49301234567890' });
    expect(blockLength('+490301234567890')).toBe('+490301234567890'.length);
    expect(blockLength('+49301234567890')).toBe(1 + 2 + 11);
  });
});

describe('blockLength past the shortest typical length of its calling code', () => {
  it('leaves a number shorter than its own type\'s typical length as it is', () => {
    // +62: the shortest typical length is 9 (fixed lines); a mobile's is 11. A 10-digit mobile is
    // parsed (10 > 9) but not cut (10 <= 11).
    expect(blockLength(validNumber('+628123456789', 'ID'))).toBe('+628123456789'.length);
    expect(blockKey('+628123456789', 3, undefined)).toBe('b+628123456/3');
    // +49: German toll-free numbers fold at 13; one of 12 digits is not cut.
    expect(blockLength(validNumber('+49800123456789', 'DE'))).toBe('+49800123456789'.length);
  });

  it("keys a number one digit past its type's longest (+49 900, 12 digits: no type) as its typed prefix", () => {
    expect(blockLength(validNumber('+49900123456789', 'DE'))).toBe('+4990012345678'.length);
    expect(blockKey('+49900123456789', 3, undefined)).toBe('b+4990012345/3');
  });

  // Mutation testing (issue 20): untypedLength()'s last step, where no prefix has a type either.
  it("cuts a number with no typed prefix down to its code's shortest typical length to that length", () => {
    // +43: the shortest typical length is 9 (fixed lines). Neither number matches a type, nor
    // does any prefix of either down to the calling code.
    expect(blockLength(validNumber('+4384543294335', 'AT'))).toBe(1 + 2 + 9);
    expect(blockLength(validNumber('+436481373479', 'AT'))).toBe(1 + 2 + 9);
    expect(blockKey('+4384543294335', 3, undefined)).toBe(blockKey('+438454329433', 3, undefined));
  });

  // Mutation testing (issue 20): the DE case above ends at the floor either way (its typed prefix
  // is 11 digits, +49's shortest typical length), so it could not tell a search from none.
  it('keys a number of no type as its longest typed prefix when that is longer than the floor (+62 premium rate)', () => {
    // +62: floor 9 national digits. Eleven digits with no type; its first ten are a premium-rate
    // number, which keys whole.
    expect(blockLength(validNumber('+6280925176897', 'ID'))).toBe('+628092517689'.length);
    expect(blockKey('+6280925176897', 3, undefined)).toBe('b+628092517/3');
  });

  // Mutation testing: in the +62 premium-rate case above the typed prefix keys whole, so the
  // prefix's own cut (untypedLength() handing it to typedLength()) was never shown.
  it("cuts a number of no type as its longest typed prefix is cut, when that prefix is past its type's typical length (+62 fixed line)", () => {
    // +62 22 (Bandung): the 10-digit fixed line is typed, and cut to 9 digits (the typical length of
    // Indonesian fixed lines); with one digit more it has no type and keys as that fixed line.
    const typed = validNumber('+622279416622', 'ID');
    expect(blockLength(typed)).toBe(1 + 2 + 9);
    expect(blockLength(validNumber('+6222794166220', 'ID'))).toBe(1 + 2 + 9);
    expect(blockKey('+6222794166220', 3, undefined)).toBe(blockKey(typed, 3, undefined));
  });

  it('leaves text that does not parse, or parses to no country, as it is', () => {
    const tooLong = `+49${'1'.repeat(20)}`;
    expect(blockLength(tooLong)).toBe(tooLong.length);
    expect(blockKey(tooLong, 3, undefined)).toBe(`b${tooLong.slice(0, -3)}/3`);
    // +39 is Italy's and the Vatican's; this one is neither's.
    expect(normalizePhone('+39061234567890')).toMatchObject({ ok: false });
    expect(blockLength('+39061234567890')).toBe('+39061234567890'.length);
    // Mutation testing: text of no calling code (+999 is none). Never from normalizePhone(), but a
    // tampered session store's pending number reaches the limits on a resend; callingCode()'s
    // `n -= 1` looped forever on it, `code === undefined` → `false` threw.
    expect(blockLength('+99912345678')).toBe('+99912345678'.length);
    expect(blockKey('+99912345678', 3, undefined)).toBe('b+99912345/3');
  });

  // Mutation testing: blockLength()'s fast path (no folding type, or no longer than the shortest
  // typical length) is not only a saved parse: past it a number of no type goes to
  // untypedLength(), whose floor is that shortest length.
  it('leaves a number of no type as it is when its code has no folding type (+33) or it is shorter than the floor', () => {
    // France folds nothing (one length per type). 06 92 is Réunion's mobile range (+262): with
    // +33 the plan accepts it and the max metadata gives it no type. Without the fast path its
    // floor was NaN, and blockKey() cut it to nothing: one block for every such number.
    expect(blockLength(validNumber('+33692861385', 'FR'))).toBe('+33692861385'.length);
    expect(blockKey('+33692861385', 3, undefined)).toBe('b+33692861/3');
    // Belgium folds nothing either; 04 0x is no mobile range (Belgian mobiles start 045 to 049).
    // foldsOf() keeping a type that does not fold (`typical < longest` → `<=`) gave +32 a floor of
    // 8 digits (its shortest type) and cut this one to it.
    expect(blockLength(validNumber('+32401234567', 'BE'))).toBe('+32401234567'.length);
    // +49 151 with one digit too few (German mobiles have 11): no type, 10 digits, under +49's
    // floor of 11. Without the fast path it was cut as if it had 11 digits: blocks ten times narrower.
    expect(blockLength(validNumber('+491512345678', 'DE'))).toBe('+491512345678'.length);
    expect(blockKey('+491512345678', 3, undefined)).toBe('b+491512345/3');
  });
});
