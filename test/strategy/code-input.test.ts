// The code as typed -> the ASCII digits the provider checks (lib/actions/code-input.ts), at the
// edges a login test does not reach: the input length cap, blanks around the code, the
// mathematical digits (runs of ten back to back), and non-ASCII characters that are not digits.
// test/security/fuzz.test.ts covers the same function with random input, outside the mutation run.
import { describe, expect, it } from 'vitest';
import { asciiDigits, cleanCode } from '../../lib/actions/code-input.js';

const SIX_DIGITS = /^\d{6}$/;

describe('cleanCode', () => {
  it('looks at input of up to 64 characters, no longer', () => {
    expect(cleanCode('123456'.padEnd(64, ' '), SIX_DIGITS)).toBe('123456');
    expect(cleanCode('123456'.padEnd(65, ' '), SIX_DIGITS)).toBeUndefined();
  });

  it('drops blanks and line breaks around the code (a pasted line), keeps a control character inside it', () => {
    expect(cleanCode('\t123456\r\n', SIX_DIGITS)).toBe('123456');
    expect(cleanCode('123\n456', SIX_DIGITS)).toBeUndefined();
  });

  it('a non-ASCII character that is not a digit stays, and makes the code malformed', () => {
    for (const typed of ['12345é', 'ж23456', '12345\u00b2', '12345\u2155']) expect(cleanCode(typed, SIX_DIGITS)).toBeUndefined();
  });
});

describe('asciiDigits', () => {
  it('reads every run of the mathematical digits (five runs of ten, back to back) as 0-9', () => {
    for (let run = 0; run < 5; run++) {
      const digits = Array.from({ length: 10 }, (_, i) => String.fromCodePoint(0x1d7ce + 10 * run + i)).join('');
      expect(asciiDigits(digits)).toBe('0123456789');
    }
  });

  it('keeps other characters as they are', () => {
    expect(asciiDigits('a١b')).toBe('a1b');
    expect(asciiDigits('é')).toBe('é');
  });
});
