// lib/limits/block-length.ts's memo tables (codes(), lengthsOf(), foldsOf(), nonGeographic(),
// shortestFold()), each test on a copy of the module of its own. The tables live at module level
// and are built on the first number keyed, so in any other file only that file's first such test
// builds them; Stryker's per-test coverage then gives each table mutant those first tests alone,
// and reports as survivors mutants that later tests kill (CONTRIBUTING.md, "Mutation testing").
// Here every test imports the module afresh, builds every table again and so reaches each of
// their mutants. The numbers are valid ones (checked against normalizePhone(), as the send step
// sees them); the expected lengths come from libphonenumber-js's max metadata as the file reads it.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as first from '../../lib/limits/block-length.js';
import { validNumber } from '../helpers/phones.js';

type Module = typeof first;

let fresh: Module;

beforeEach(async () => {
  vi.resetModules();
  fresh = await import('../../lib/limits/block-length.js');
});

describe('blockLength on a fresh copy of its tables', () => {
  it('runs each test on a copy of the module of its own', async () => {
    expect(fresh).not.toBe(first);
    const before = fresh;
    vi.resetModules();
    const again: Module = await import('../../lib/limits/block-length.js');
    expect(again).not.toBe(before);
    // Same tables, built twice from the same metadata: the same answers.
    expect(again.blockLength('+49301234567890')).toBe(before.blockLength('+49301234567890'));
  });

  // codes() (`[country]` → `[]` left +49 with no country), lengthsOf() (no lengths: no fold),
  // foldsOf() (the example's length: German fixed lines' median is 10, the example 11), shortestFold().
  it('cuts a German fixed line of 12 digits to 11 and leaves one of 11 or of 10 as it is', () => {
    expect(fresh.blockLength(validNumber('+49301234567890', 'DE'))).toBe(1 + 2 + 11);
    expect(fresh.blockLength(validNumber('+4930123456789', 'DE'))).toBe('+4930123456789'.length);
    expect(fresh.blockLength(validNumber('+493012345678', 'DE'))).toBe('+493012345678'.length);
    // A German number of no type one digit past its type's longest: cut to its typed prefix.
    expect(fresh.blockLength(validNumber('+49900123456789', 'DE'))).toBe('+4990012345678'.length);
  });

  // foldsOf(): Italian fixed lines run 6 to 12 digits, median 9, example 10: typical 10, the
  // longer of the two (an example of 0, or the shorter of the two, gave 9).
  it('cuts an Italian fixed line of 11 digits to 10 (+39, shared with the Vatican)', () => {
    expect(fresh.blockLength(validNumber('+3906123456789', 'IT'))).toBe(1 + 2 + 10);
    expect(fresh.blockLength(validNumber('+390612345678', 'IT'))).toBe('+390612345678'.length);
    expect(fresh.blockLength(validNumber('+39061234567', 'IT'))).toBe('+39061234567'.length);
    expect(fresh.blockLength(validNumber('+3906698123456', 'VA'))).toBe(1 + 2 + 10);
  });

  // foldsOf(): Austrian mobiles run 7 to 13 digits, example 9, median 10: typical 10, the median.
  it('cuts an Austrian mobile of 13 or 12 digits to 10 and leaves one of 11 past that only', () => {
    expect(fresh.blockLength(validNumber('+436641234567890', 'AT'))).toBe(1 + 2 + 10);
    expect(fresh.blockLength(validNumber('+43664123456789', 'AT'))).toBe(1 + 2 + 10);
    expect(fresh.blockLength(validNumber('+4366412345678', 'AT'))).toBe(1 + 2 + 10);
    // No type and no typed prefix: cut to +43's shortest typical length, 9 (fixed lines).
    expect(fresh.blockLength(validNumber('+4384543294335', 'AT'))).toBe(1 + 2 + 9);
  });

  // shortestFold(): +62's least typical length is its fixed lines' 9, not its mobiles' 11 or its
  // toll-free numbers' 13 (the last one computed): the floor of an untyped number, and the
  // threshold past which a number is parsed at all.
  it("takes the least typical length of a code's types as its floor (+62)", () => {
    expect(fresh.blockLength(validNumber('+622279416622', 'ID'))).toBe(1 + 2 + 9);
    expect(fresh.blockLength(validNumber('+6222794166220', 'ID'))).toBe(1 + 2 + 9);
    expect(fresh.blockLength(validNumber('+6280925176897', 'ID'))).toBe('+628092517689'.length);
    expect(fresh.blockLength(validNumber('+628123456789', 'ID'))).toBe('+628123456789'.length);
  });

  // foldsOf() keeps only the types that fold (`typical < longest`): a type kept at its longest
  // gave Belgium a floor of 8 digits, its shortest type, and cut this number to it.
  it('leaves numbers of codes with no folding type as they are (+32, +33)', () => {
    expect(fresh.blockLength(validNumber('+32401234567', 'BE'))).toBe('+32401234567'.length);
    expect(fresh.blockLength(validNumber('+32471234567', 'BE'))).toBe('+32471234567'.length);
    expect(fresh.blockLength(validNumber('+33692861385', 'FR'))).toBe('+33692861385'.length);
    expect(fresh.blockLength(validNumber('+33612345678', 'FR'))).toBe('+33612345678'.length);
  });

  // codes() lists every country of a shared calling code.
  it('keys the countries of a shared calling code as their plans say (+1, +7, +44, +358)', () => {
    expect(fresh.blockLength(validNumber('+14155552671', 'US'))).toBe('+14155552671'.length);
    expect(fresh.blockLength(validNumber('+16135550123', 'CA'))).toBe('+16135550123'.length);
    expect(fresh.blockLength(validNumber('+79123456789', 'RU'))).toBe('+79123456789'.length);
    expect(fresh.blockLength(validNumber('+77012345678', 'KZ'))).toBe('+77012345678'.length);
    expect(fresh.blockLength(validNumber('+447400123456', 'GB'))).toBe('+447400123456'.length);
    // Finnish mobiles (+358, with the Åland Islands) fold at 9 digits.
    expect(fresh.blockLength(validNumber('+3584123456789', 'FI'))).toBe(1 + 3 + 9);
    expect(fresh.blockLength(validNumber('+358412345678', 'FI'))).toBe('+358412345678'.length);
  });

  // nonGeographic(): an international network's numbers are cut to its code's shortest length
  // (+883 8, +882 7, +870 9); `?? {}` → `&& {}`, the loop's body emptied, its test → `false`,
  // `lengths.length > 0` → `<= 0`, the `Number.isInteger` arrow → `() => undefined` left every
  // such number whole, `Math.min` → `Math.max` cut it to the longest, that is not at all.
  it('cuts a number of an international network to its shortest length (+883, +882, +870)', () => {
    expect(fresh.blockLength(validNumber('+883100123456789', undefined))).toBe(1 + 3 + 8);
    expect(fresh.blockLength(validNumber('+88351201234567', undefined))).toBe(1 + 3 + 8);
    expect(fresh.blockLength(validNumber('+88310012345', undefined))).toBe('+88310012345'.length);
    expect(fresh.blockLength(validNumber('+882161234567890', undefined))).toBe(1 + 3 + 7);
    expect(fresh.blockLength(validNumber('+8823421234', undefined))).toBe('+8823421234'.length);
    expect(fresh.blockLength(validNumber('+870774412345678', undefined))).toBe(1 + 3 + 9);
    expect(fresh.blockLength(validNumber('+870312345678', undefined))).toBe('+870312345678'.length);
  });

  it('leaves numbers of a fixed-length network as they are (+800, +979)', () => {
    expect(fresh.blockLength(validNumber('+80012345678', undefined))).toBe('+80012345678'.length);
    expect(fresh.blockLength(validNumber('+979123456789', undefined))).toBe('+979123456789'.length);
  });
});
