// Number-block keys in variable-length numbering plans (attack3): a number longer than its type's
// typical national length is cut to it before the last `digits` digits go, so one held range
// cannot open ten times as many blocks per added digit. Every number up to the typical length
// (all of a fixed-length plan: US, GB, most mobile ranges) keeps exactly the key it had before,
// since deployed Redis stores hold those keys.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blockKey } from '../../lib/limits/index.js';
import { normalizePhone } from '../../lib/phone.js';

const SECRET = 'block keys test secret';
const hmac = (text: string): string => createHmac('sha256', SECRET).update(text).digest('hex').slice(0, 32);
/** The key as it always was: the number without its last `digits` digits. */
const before = (e164: string, digits: number): string => `b${e164.slice(0, -digits)}/${digits}`;

/** Checks that `e164` is a valid number of `country`, as the send step would see it. */
function valid(e164: string, country: string): string {
  expect(normalizePhone(e164)).toMatchObject({ ok: true, e164, country });
  return e164;
}

describe('number-block keys', () => {
  it('keep their old value for fixed-length plans and for numbers up to their typical length', () => {
    const unchanged = [
      valid('+12015550123', 'US'),
      valid('+14155552671', 'US'),
      valid('+16135550123', 'CA'),
      valid('+447400123456', 'GB'), // mobile
      valid('+442012345678', 'GB'), // London fixed
      valid('+33612345678', 'FR'),
      valid('+4915123456789', 'DE'), // mobile, 11 digits
      valid('+491701234567', 'DE'), // mobile, 10 digits
      valid('+493012345678', 'DE'), // Berlin fixed, 10 digits
      valid('+4930123456789', 'DE'), // Berlin fixed, 11 digits (typical)
      valid('+49221123456', 'DE'), // Cologne fixed, 9 digits
      valid('+4990012345678', 'DE'), // premium rate (fixed length 11)
      valid('+390212345678', 'IT'), // Milan fixed, 10 digits (typical)
      valid('+393123456789', 'IT'), // mobile
      valid('+436641234567', 'AT'), // mobile, 10 digits (typical)
      valid('+43123456789', 'AT'), // Vienna fixed, 9 digits (typical)
    ];
    for (const n of unchanged) {
      for (const digits of [1, 3, 6]) {
        expect(blockKey(n, digits, undefined), n).toBe(before(n, digits));
        expect(blockKey(n, digits, SECRET), n).toBe(hmac(before(n, digits).replace(/^b/, 'b:')));
      }
    }
  });

  it('cut a number longer than its type\'s typical length to that length first', () => {
    // German fixed lines: typical 11 national digits.
    expect(blockKey(valid('+49301234567890', 'DE'), 3, undefined)).toBe('b+4930123456/3');
    expect(blockKey(valid('+493012345678901', 'DE'), 3, undefined)).toBe('b+4930123456/3');
    expect(blockKey(valid('+49301234567890123', 'DE'), 3, undefined)).toBe('b+4930123456/3');
    expect(blockKey('+49301234567890123', 6, undefined)).toBe('b+4930123/6');
    // Italian fixed lines: typical 10.
    expect(blockKey(valid('+3902123456789', 'IT'), 3, undefined)).toBe('b+390212345/3');
    // Austrian fixed lines: typical 9; Austrian mobiles: typical 10.
    expect(blockKey(valid('+431234567890', 'AT'), 3, undefined)).toBe('b+43123456/3');
    expect(blockKey(valid('+4312345678901', 'AT'), 3, undefined)).toBe('b+43123456/3');
    expect(blockKey(valid('+4366412345678', 'AT'), 3, undefined)).toBe('b+436641234/3');
    // Hashed keys hash the cut value.
    expect(blockKey('+493012345678901', 3, SECRET)).toBe(hmac('b:+4930123456/3'));
  });

  it('give a held range one block for its typical length and longer, and at most one per shorter length', () => {
    // Someone holding +49 30 1234 50… holds it at every length the plan allows (9 to 15 digits).
    const range = '+4930123450';
    const keys = new Set<string>();
    const oldKeys = new Set<string>();
    for (let length = 9; length <= 15; length += 1) {
      for (let i = 0; i < 40; i += 1) {
        const tail = String(i * 7_919 + length * 104_729).padStart(length - 8, '0').slice(-(length - 8));
        const n = valid(`${range}${tail}`, 'DE');
        keys.add(blockKey(n, 3, undefined));
        oldKeys.add(before(n, 3));
      }
    }
    // 9 digits: block +49 301234; 10: +49 3012345; 11 to 15: +49 30123450.
    expect([...keys].sort()).toEqual(['b+49301234/3', 'b+493012345/3', 'b+4930123450/3']);
    // Before: every digit past 11 opened new blocks (here one per number from 13 digits on).
    expect(oldKeys.size).toBeGreaterThan(100);
  });
});
