// The length a number block is cut from. In a variable-length numbering plan (Germany, Austria,
// Italy's fixed lines, many premium-rate ranges) whoever holds a range also holds every longer
// number that starts with it (extension digits dialled through), and each length is a valid
// number: cutting "all but the last `digits` digits" would give each extra digit ten times as many
// fresh blocks. So a number longer than its type's typical national length is first cut to that
// length; numbers up to it (every number of a fixed-length plan) keep today's key exactly.
//
// The typical length of a (country, type) comes from libphonenumber-js's max metadata, once:
// - the type's possible lengths (the metadata has them per type; their longest is the no-fold
//   case: a type whose typical length is its longest never folds, so keys stay as they were);
// - the country's mobile example number (`libphonenumber-js/mobile/examples`), the one example
//   the package ships: a real subscriber length in that country (DE 11, IT 10, AT 9).
// Typical = the longer of the example's length and the upper median of the type's lengths, at
// most the type's longest. The median keeps a short example from cutting a type whose numbers
// run longer (Austrian mobiles: example 9 digits, lengths 7 to 13, real ones mostly 10).
// This errs long on purpose: one digit too long gives a held range ten blocks instead of one; one
// digit too short makes real subscribers' blocks ten times wider.
//
// Cost: a Map lookup per send. Only a number longer than the shortest typical length of its
// calling code is parsed (with its type: tens of microseconds); fixed-length plans (+1, +44, ...)
// never are. The tables hold one entry per calling code and per country: bounded by the metadata.

// Through `libphonenumber-js/core` with the max metadata passed in: `libphonenumber-js/max` has no
// `Metadata` export in its CommonJS build, and one metadata object serves every call here.
import { getCountries, getCountryCallingCode, getExampleNumber, Metadata, parsePhoneNumberFromString } from 'libphonenumber-js/core';
import type { CountryCode, NumberType, PhoneNumber } from 'libphonenumber-js/core';
import metadataMax from 'libphonenumber-js/max/metadata';
import examples from 'libphonenumber-js/mobile/examples';

const TYPES = ['FIXED_LINE', 'MOBILE', 'TOLL_FREE', 'PREMIUM_RATE', 'PERSONAL_NUMBER', 'VOICEMAIL', 'UAN', 'PAGER', 'VOIP', 'SHARED_COST'] as const;
type FoldType = (typeof TYPES)[number];

/** Typical national length per type, only for the types that fold (typical < longest). */
type CountryFolds = Partial<Record<FoldType, number>>;

// The per-type accessor exists at runtime in every metadata version the package reads, but is
// not in its typings; read defensively: anything unexpected means "do not fold".
interface TypedPlan { type?: (type: string) => { possibleLengths?: () => unknown } | undefined }

let countriesByCode: Map<string, CountryCode[]> | undefined;
/** Non-geographic calling codes (+800, +882, +883, ...) and the shortest national length of each. */
let nonGeographicShortest: Map<string, number> | undefined;
const foldsByCountry = new Map<CountryCode, CountryFolds>();
const shortestFoldByCode = new Map<string, number | undefined>();

function codes(): Map<string, CountryCode[]> {
  if (countriesByCode) return countriesByCode;
  countriesByCode = new Map();
  for (const country of getCountries(metadataMax)) {
    const code = getCountryCallingCode(country, metadataMax);
    const list = countriesByCode.get(code);
    if (list) list.push(country);
    else countriesByCode.set(code, [country]);
  }
  return countriesByCode;
}

function lengthsOf(plan: TypedPlan, type: FoldType): number[] | undefined {
  const lengths = typeof plan.type === 'function' ? plan.type(type)?.possibleLengths?.() : undefined;
  if (!Array.isArray(lengths) || lengths.length === 0 || !lengths.every((n) => Number.isInteger(n))) return undefined;
  return (lengths as number[]).slice().sort((a, b) => a - b);
}

function foldsOf(country: CountryCode): CountryFolds {
  const known = foldsByCountry.get(country);
  if (known) return known;
  const folds: CountryFolds = {};
  const metadata = new Metadata(metadataMax);
  metadata.selectNumberingPlan(country);
  const plan = metadata.numberingPlan as TypedPlan | undefined;
  const example = getExampleNumber(country, examples, metadataMax)?.nationalNumber.length ?? 0;
  for (const type of TYPES) {
    const lengths = plan && lengthsOf(plan, type);
    if (!lengths) continue;
    const longest = lengths[lengths.length - 1] as number;
    const median = lengths[Math.floor(lengths.length / 2)] as number;
    const typical = Math.min(longest, Math.max(example, median));
    if (typical < longest) folds[type] = typical;
  }
  foldsByCountry.set(country, folds);
  return folds;
}

function nonGeographic(): Map<string, number> {
  if (nonGeographicShortest) return nonGeographicShortest;
  nonGeographicShortest = new Map();
  const plans = (metadataMax as { nonGeographic?: Record<string, unknown> }).nonGeographic ?? {};
  const metadata = new Metadata(metadataMax);
  for (const code of Object.keys(plans)) {
    metadata.selectNumberingPlan(code as CountryCode);
    const lengths: unknown = (metadata.numberingPlan as { possibleLengths?: () => unknown } | undefined)?.possibleLengths?.();
    if (Array.isArray(lengths) && lengths.length > 0 && lengths.every((n) => Number.isInteger(n))) nonGeographicShortest.set(code, Math.min(...(lengths as number[])));
  }
  return nonGeographicShortest;
}

/** The calling code of an E.164 number (codes are prefix-free), if a country or a network has it. */
function callingCode(e164: string): string | undefined {
  const table = codes();
  const networks = nonGeographic();
  for (let n = 1; n <= 3; n += 1) {
    const code = e164.slice(1, 1 + n);
    if (table.has(code) || networks.has(code)) return code;
  }
  return undefined;
}

function shortestFold(code: string): number | undefined {
  if (shortestFoldByCode.has(code)) return shortestFoldByCode.get(code);
  let shortest: number | undefined;
  for (const country of codes().get(code) ?? []) {
    for (const typical of Object.values(foldsOf(country))) shortest = shortest === undefined ? typical : Math.min(shortest, typical);
  }
  shortestFoldByCode.set(code, shortest);
  return shortest;
}

function typicalOf(folds: CountryFolds, type: NumberType): number | undefined {
  if (type === 'FIXED_LINE_OR_MOBILE') {
    // Both fold: the longer typical length (err long). One does not: do not fold.
    const fixed = folds.FIXED_LINE;
    const mobile = folds.MOBILE;
    return fixed !== undefined && mobile !== undefined ? Math.max(fixed, mobile) : undefined;
  }
  return type === undefined ? undefined : folds[type];
}

/**
 * The length of `e164` (the whole string, `+` and calling code included) a number block is cut
 * from: the number's own length, or less when its national part is longer than its type's typical
 * length. The block is then this many characters less the last `digits` digits.
 */
export function blockLength(e164: string): number {
  const code = callingCode(e164);
  if (code === undefined) return e164.length;
  const national = e164.length - 1 - code.length;
  // An international network's numbers (+882, +883: satellite and M2M ranges, favourites of
  // premium-rate fraud) are valid at every length of a wide range, all of one type: they are cut
  // to the code's shortest length, so every length of a held range falls in the same blocks.
  // Wider blocks than a country's, for numbers few people log in with.
  const networkShortest = nonGeographic().get(code);
  if (networkShortest !== undefined) return 1 + code.length + Math.min(national, networkShortest);
  const shortest = shortestFold(code);
  if (shortest === undefined || national <= shortest) return e164.length;
  const parsed = parsePhoneNumberFromString(e164, metadataMax);
  if (!parsed || !isWhole(parsed, code, national)) return e164.length;
  const type = parsed.getType();
  if (type === undefined) return untypedLength(e164, code, shortest);
  return typedLength(e164, code, national, parsed.country, type);
}

/** Whether the parse read every national digit as a number of a country of `code`. */
function isWhole(parsed: PhoneNumber, code: string, national: number): parsed is PhoneNumber & { country: CountryCode } {
  return parsed.country !== undefined && parsed.countryCallingCode === code && parsed.nationalNumber.length === national;
}

/** A typed number's length, cut to its type's typical national length when it is longer. */
function typedLength(e164: string, code: string, national: number, country: CountryCode, type: NumberType): number {
  const typical = typicalOf(foldsOf(country), type);
  if (typical === undefined || national <= typical) return e164.length;
  return 1 + code.length + typical;
}

/**
 * A number that matches no type of the max metadata: lib/phone.ts accepts a number whose length
 * its plan allows, and a variable-length plan allows digits dialled past a held number (+49 151
 * 2345 6000 then 1, 12, ...). Such a number counts as its longest prefix that is a number of a
 * type, folded as that one is, so a held range's extensions fall in its own block; with no typed
 * prefix down to the code's shortest typical length, it is cut to that length. Real subscribers'
 * numbers have a type; only these pay the extra parses, one per prefix tried.
 */
function untypedLength(e164: string, code: string, shortest: number): number {
  const floor = 1 + code.length + shortest;
  for (let length = e164.length - 1; length >= floor; length -= 1) {
    const prefix = e164.slice(0, length);
    const parsed = parsePhoneNumberFromString(prefix, metadataMax);
    const type = parsed?.getType();
    if (parsed === undefined || type === undefined) continue;
    const national = length - 1 - code.length;
    return isWhole(parsed, code, national) ? typedLength(prefix, code, national, parsed.country, type) : length;
  }
  return floor;
}
