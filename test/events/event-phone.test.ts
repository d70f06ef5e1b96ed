// The event's masked number is the one pendingVerification() shows, found without a parse; the
// country comes from the calling code, or one remembered parse for a shared code.
import { describe, expect, it } from 'vitest';
import { phoneFacts } from '../../lib/event-phone.js';
import { maskPhone } from '../../lib/phone.js';

const NUMBERS: Array<[string, string | undefined]> = [
  ['+14155552671', 'US'],
  ['+16135550123', 'CA'],
  ['+33612345678', 'FR'],
  ['+4915112345678', 'DE'],
  ['+447400123456', 'GB'],
  ['+390612345678', 'IT'],
  ['+35312345678', 'IE'],
  ['+8613800138000', 'CN'],
  ['+97150123456', 'AE'],
  ['+79161234567', 'RU'],
  ['+77011234567', 'KZ'],
  ['+80012345678', undefined],
  ['+4520123456', 'DK'],
  ['+3545551234', 'IS'],
  ['+6797012345', 'FJ'],
];

describe('phoneFacts', () => {
  it.each(NUMBERS)('%s: the same mask as maskPhone, and its country', (e164, country) => {
    const facts = phoneFacts(e164);
    expect(facts.masked).toBe(maskPhone(e164));
    expect(facts.country).toBe(country);
    expect(facts.masked).not.toContain(e164.slice(-6));
  });

  it('hides at least five national digits: four of ten are shown, three of eight, two of seven', () => {
    // A mask with four of seven national digits shown left 1,000 candidates, few enough to try.
    expect(maskPhone('+14155552671')).toBe('+1•••••2671');
    expect(maskPhone('+4520123456')).toBe('+45•••••456');
    expect(maskPhone('+3545551234')).toBe('+354•••••34');
    expect(maskPhone('+6797012345')).toBe('+679•••••45');
    for (const e164 of ['+4520123456', '+3545551234', '+6797012345']) expect(phoneFacts(e164).masked).toBe(maskPhone(e164));
  });

  it('takes a country the send step already knows', () => {
    expect(phoneFacts('+12025550199', 'US').country).toBe('US');
    expect(phoneFacts('+12025550199').country).toBe('US');
  });
});

// Mutation testing (issue 20): the memo of shared calling codes, and numbers the prefix table does
// not know. Each test uses numbers of its own: the memo lives as long as the module.
describe('phoneFacts, shared calling codes and unknown prefixes', () => {
  it('remembers the country the send step found: a later call without one reads it back, no parse', () => {
    // A deliberately wrong known country shows the memo is what answers (a parse would say US).
    expect(phoneFacts('+12025550143', 'CA')).toEqual({ masked: '+1•••••0143', country: 'CA' });
    expect(phoneFacts('+12025550143')).toEqual({ masked: '+1•••••0143', country: 'CA' });
  });

  it("a calling code of one country names it, whatever country the caller passes", () => {
    expect(phoneFacts('+4520123457', 'SE')).toStrictEqual({ masked: '+45•••••457', country: 'DK' });
  });

  it('keeps the first country it found for a number: a later known country does not replace it', () => {
    expect(phoneFacts('+12025550144').country).toBe('US');
    expect(phoneFacts('+12025550144', 'CA').country).toBe('CA');
    expect(phoneFacts('+12025550144').country).toBe('US');
  });

  it('a number of a shared code that no country has: masked, with no country, parsed once and remembered so', () => {
    // +1 555 is no area code: the parse finds no country, and the memo keeps that answer ('').
    for (let i = 0; i < 2; i++) expect(phoneFacts('+15555550145')).toStrictEqual({ masked: '+1•••••0145' });
  });

  it('a number without its +, or with a calling code no country has: masked all the same', () => {
    expect(phoneFacts('4520123456')).toStrictEqual({ masked: '+45•••••456', country: 'DK' });
    // No calling code starts with 0: the mask shows no code, and there is no country.
    expect(phoneFacts('+0123456789')).toStrictEqual({ masked: '+•••••6789' });
    expect(maskPhone('+0123456789')).toBe('+•••••6789');
    // Seven digits after the +: two shown, as for any 7-digit national number (the + is no digit).
    expect(phoneFacts('+0123456')).toStrictEqual({ masked: '+•••••56' });
    expect(maskPhone('+0123456')).toBe('+•••••56');
  });
});
