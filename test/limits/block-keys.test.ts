// Number-block keys in variable-length numbering plans (attack3): a number longer than its type's
// typical national length is cut to it before the last `digits` digits go, so one held range
// cannot open ten times as many blocks per added digit. Every number up to the typical length
// (all of a fixed-length plan: US, GB, most mobile ranges) keeps exactly the key it had before,
// since deployed Redis stores hold those keys.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blockKey } from '../../lib/limits/index.js';
import { normalizePhone } from '../../lib/phone.js';
import { validNumber } from '../helpers/phones.js';

const SECRET = 'block keys test secret';
const hmac = (text: string): string => createHmac('sha256', SECRET).update(text).digest('hex').slice(0, 32);
/** The key as it always was: the number without its last `digits` digits. */
const before = (e164: string, digits: number): string => `b${e164.slice(0, -digits)}/${digits}`;

describe('number-block keys', () => {
  it('keep their old value for fixed-length plans and for numbers up to their typical length', () => {
    const unchanged = [
      validNumber('+12015550123', 'US'),
      validNumber('+14155552671', 'US'),
      validNumber('+16135550123', 'CA'),
      validNumber('+447400123456', 'GB'), // mobile
      validNumber('+442012345678', 'GB'), // London fixed
      validNumber('+33612345678', 'FR'),
      validNumber('+4915123456789', 'DE'), // mobile, 11 digits
      validNumber('+491701234567', 'DE'), // mobile, 10 digits
      validNumber('+493012345678', 'DE'), // Berlin fixed, 10 digits
      validNumber('+4930123456789', 'DE'), // Berlin fixed, 11 digits (typical)
      validNumber('+49221123456', 'DE'), // Cologne fixed, 9 digits
      validNumber('+4990012345678', 'DE'), // premium rate (fixed length 11)
      validNumber('+390212345678', 'IT'), // Milan fixed, 10 digits (typical)
      validNumber('+393123456789', 'IT'), // mobile
      validNumber('+436641234567', 'AT'), // mobile, 10 digits (typical)
      validNumber('+43123456789', 'AT'), // Vienna fixed, 9 digits (typical)
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
    expect(blockKey(validNumber('+49301234567890', 'DE'), 3, undefined)).toBe('b+4930123456/3');
    expect(blockKey(validNumber('+493012345678901', 'DE'), 3, undefined)).toBe('b+4930123456/3');
    expect(blockKey(validNumber('+493012345678901', 'DE'), 6, undefined)).toBe('b+4930123/6');
    // Past E.164's 15 digits there is no number to key: the send step refuses it first.
    expect(normalizePhone('+49301234567890123')).toEqual({ ok: false, reason: 'invalid_phone_number' });
    // Italian fixed lines: typical 10.
    expect(blockKey(validNumber('+3902123456789', 'IT'), 3, undefined)).toBe('b+390212345/3');
    // Austrian fixed lines: typical 9; Austrian mobiles: typical 10.
    expect(blockKey(validNumber('+431234567890', 'AT'), 3, undefined)).toBe('b+43123456/3');
    expect(blockKey(validNumber('+4312345678901', 'AT'), 3, undefined)).toBe('b+43123456/3');
    expect(blockKey(validNumber('+4366412345678', 'AT'), 3, undefined)).toBe('b+436641234/3');
    // Hashed keys hash the cut value.
    expect(blockKey('+493012345678901', 3, SECRET)).toBe(hmac('b:+4930123456/3'));
  });

  it('count a number of no type (digits dialled past a held number) as its longest typed prefix', () => {
    // +49 151 2345 6000 is a mobile (11 digits, typical); with 1 to 3 digits more the default
    // metadata still accepts it, the max metadata gives it no type: it keys as the mobile does.
    const mobile = validNumber('+4915123456000', 'DE');
    for (const n of [mobile, validNumber('+49151234560001', 'DE'), validNumber('+491512345600012', 'DE'), validNumber('+491512345600099', 'DE')]) {
      expect(blockKey(n, 3, undefined), n).toBe('b+4915123456/3');
    }
    // A premium-rate number at 10 digits and its extensions: the 11-digit ones are within the
    // code's shortest typical length (not parsed, as every such number), the longer ones key with
    // them. Two blocks for the range however many digits are dialled, not ten more per digit.
    const premium = ['+499001234560', '+4990012345601', '+49900123456012', '+499001234560123'].map((n) => validNumber(n, 'DE'));
    expect(premium.map((n) => blockKey(n, 3, undefined))).toEqual(['b+499001234/3', 'b+4990012345/3', 'b+4990012345/3', 'b+4990012345/3']);
  });

  it("cut an international network's numbers (+883, +800) to the code's shortest length", () => {
    // +883 120 numbers are valid at 8 to 12 national digits, all VoIP: every length of a held range
    // keys in one block.
    const keys = ['+88312012345', '+883120123450', '+8831201234500', '+88312012345000', '+883120123450000'].map((n) => blockKey(validNumber(n, undefined), 3, undefined));
    expect(new Set(keys)).toEqual(new Set(['b+88312012/3']));
    expect(blockKey('+80012345678', 3, undefined)).toBe('b+80012345/3');
  });

  it('give a held range one block for its typical length and longer, and at most one per shorter length', () => {
    // Someone holding +49 30 1234 50… holds it at every length the plan allows (9 to 13 national
    // digits: E.164's 15 in all).
    const range = '+4930123450';
    const keys = new Set<string>();
    const oldKeys = new Set<string>();
    for (let length = 9; length <= 13; length += 1) {
      for (let i = 0; i < 40; i += 1) {
        const tail = String(i * 7_919 + length * 104_729).padStart(length - 8, '0').slice(-(length - 8));
        const n = validNumber(`${range}${tail}`, 'DE');
        keys.add(blockKey(n, 3, undefined));
        oldKeys.add(before(n, 3));
      }
    }
    // 9 digits: block +49 301234; 10: +49 3012345; 11 to 13: +49 30123450.
    expect([...keys].sort()).toEqual(['b+49301234/3', 'b+493012345/3', 'b+4930123450/3']);
    // Before: every digit past 11 opened new blocks (here one per number from 13 digits on).
    expect(oldKeys.size).toBeGreaterThan(50);
  });
});
