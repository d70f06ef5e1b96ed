// The code as the user typed it -> the ASCII digits the provider checks. People type codes on
// phones set to their own script, so the decimal digits of any script count (Arabic-Indic ٣,
// Devanagari ३, full-width ３): each becomes its ASCII digit. Spaces and dashes between groups (of
// any script: a no-break space an SMS app copies, a full-width dash) are dropped. Anything else
// stays, and makes the code malformed: refused without an API call.

// Longer input is not a code; do not look at it character by character.
const MAX_CODE_INPUT = 64;
const SEPARATORS = /[\p{Zs}\p{Pd}\u2212]/gu;
const DECIMAL_DIGIT = /\p{Nd}/u;
const ASCII_DIGITS = /^[0-9]*$/;

/**
 * The value of a decimal digit of any script. Unicode encodes every script's decimal digits as
 * runs of ten in order, 0 to 9 (a stability guarantee), so the value is the distance from the
 * start of the run of digits the character is in, modulo ten (some runs, the mathematical digits,
 * sit back to back).
 */
function digitValue(codePoint: number): number {
  let start = codePoint;
  while (start > 0 && DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start -= 1;
  return (codePoint - start) % 10;
}

/** `input` with every decimal digit as its ASCII digit (other characters kept). */
export function asciiDigits(input: string): string {
  if (ASCII_DIGITS.test(input)) return input;
  let out = '';
  for (const char of input) {
    const cp = char.codePointAt(0) ?? 0;
    out += cp > 0x7f && DECIMAL_DIGIT.test(char) ? String(digitValue(cp)) : char;
  }
  return out;
}

/** The code with separators removed and digits made ASCII, if it then matches `pattern`. */
export function cleanCode(input: string, pattern: RegExp): string | undefined {
  if (input.length > MAX_CODE_INPUT) return undefined;
  const code = asciiDigits(input.trim().replace(SEPARATORS, ''));
  return pattern.test(code) ? code : undefined;
}
