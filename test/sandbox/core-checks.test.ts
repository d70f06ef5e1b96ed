// The core's format checks and number facts (lib/sandbox/core/formats.ts, numbers.ts), which both
// API modules use to validate requests and to answer lookups, its code maker (codes.ts) and the
// message text both APIs' states build (message.ts): their edges, one case each.
import { describe, expect, it } from 'vitest';
import { isBcp47, isHttpUrl, isPossibleNumber } from '../../lib/sandbox/core/formats.js';
import { numberFacts } from '../../lib/sandbox/core/numbers.js';
import { newCode, sameCode } from '../../lib/sandbox/core/codes.js';
import { deliveryMessage } from '../../lib/sandbox/core/message.js';

describe('formats', () => {
  it('isBcp47: a loose tag of at most 64 characters', () => {
    const tag64 = `en${'-abcdefgh'.repeat(6)}-abcdefg`;
    expect(tag64).toHaveLength(64);
    expect(isBcp47(tag64)).toBe(true);
    expect(isBcp47(`${tag64}h`)).toBe(false);
    expect(isBcp47('pt-BR')).toBe(true);
    expect(isBcp47('e')).toBe(false);
  });

  it('isPossibleNumber: the E.164 pattern and a length the country allows, both', () => {
    expect(isPossibleNumber('+15551234567')).toBe(true);
    // Possible for libphonenumber, but not E.164.
    expect(isPossibleNumber('+1 555 123 4567')).toBe(false);
    // E.164, but no country's length.
    expect(isPossibleNumber('+123')).toBe(false);
    // E.164, but a calling code that does not exist: libphonenumber parses nothing.
    expect(isPossibleNumber('+999123456789')).toBe(false);
  });

  it('isHttpUrl: http and https only', () => {
    expect(isHttpUrl('http://127.0.0.1:8080/hook')).toBe(true);
    expect(isHttpUrl('https://example.com/hook')).toBe(true);
    expect(isHttpUrl('ftp://example.com/hook')).toBe(false);
    expect(isHttpUrl('javascript:alert(1)')).toBe(false);
    expect(isHttpUrl('not a url')).toBe(false);
  });
});

describe('numberFacts', () => {
  it('a carrier of the calling code, one to three digits long, and the line kind where the metadata knows it', () => {
    expect(numberFacts('+2348012345678')).toStrictEqual({ country: 'NG', mcc: '621', mnc: '30', carrier: 'MTN', kind: 'MOBILE' });
    expect(numberFacts('+27821234567')).toStrictEqual({ country: 'ZA', mcc: '655', mnc: '10', carrier: 'MTN', kind: 'MOBILE' });
    expect(numberFacts('+79123456789')).toStrictEqual({ country: 'RU', mcc: '250', mnc: '01', carrier: 'MTS', kind: 'MOBILE' });
    // The +1 555 test range: a carrier, no kind (not even an undefined one).
    expect(numberFacts('+15551234567')).toStrictEqual({ country: 'US', mcc: '310', mnc: '410', carrier: 'AT&T' });
  });

  it('no carrier for a calling code the table lacks', () => {
    expect(numberFacts('+999123456789')).toStrictEqual({});
    expect(numberFacts('+8801712345678')).toStrictEqual({ country: 'BD', kind: 'MOBILE' });
  });

  it('a number of another country than the table\'s for its calling code: that country, no carrier', () => {
    expect(numberFacts('+14165552671')).toStrictEqual({ country: 'CA', kind: 'FIXED_LINE_OR_MOBILE' });
    expect(numberFacts('+77012345678')).toStrictEqual({ country: 'KZ', kind: 'MOBILE' });
    expect(numberFacts('+14155552671')).toStrictEqual({ country: 'US', mcc: '310', mnc: '410', carrier: 'AT&T', kind: 'FIXED_LINE_OR_MOBILE' });
  });
});

describe('codes', () => {
  it('newCode keeps its length when the number drawn has leading zeros', () => {
    // One code in ten starts with a 0: of 400 four-digit codes about 40 do (none: a chance of 0.9^400).
    const codes = Array.from({ length: 400 }, () => newCode(4));
    expect(codes.every((code) => /^[0-9]{4}$/.test(code))).toBe(true);
    expect(codes.some((code) => code.startsWith('0'))).toBe(true);
  });

  it('sameCode compares whole codes, of any lengths', () => {
    expect(sameCode('012345', '012345')).toBe(true);
    expect(sameCode('012345', '12345')).toBe(false);
    expect(sameCode('1234', '12345')).toBe(false);
  });
});

describe('deliveryMessage', () => {
  it('a call spells the digits out and takes no realm line; a message ends in the WebOTP line or the app hash', () => {
    expect(deliveryMessage('0427', 'voice', { platform: 'web', value: 'example.com' })).toBe('Your verification code is 0 4 2 7.');
    expect(deliveryMessage('0427', 'sms', undefined)).toBe('Your verification code is 0427.');
    expect(deliveryMessage('0427', 'whatsapp', { platform: 'web', value: 'example.com' })).toBe('Your verification code is 0427.\n\n@example.com #0427');
    expect(deliveryMessage('0427', 'sms', { platform: 'android', value: 'FA+9qCX9VSu' })).toBe('Your verification code is 0427.\n\nFA+9qCX9VSu');
  });
});
