// A far `expiresAt`: a test number's fixed code is a standing way in for whoever has read the
// review notes, for as long as `expiresAt` says. More than 90 days ahead is not the end of a
// review: the strategy still starts (an app reviewed at every release may renew it each quarter),
// with one process warning (PASSPORT_DING_TEST_NUMBERS_FAR) that names the date, never a number or
// a code. A date in the past stays a TypeError. Its own file: the warning is once per process, and
// vitest gives each file a fresh module.
import { describe, expect, it } from 'vitest';
import { DingOtpStrategy } from 'passport-ding';
import { FakeProvider } from '../helpers/fake-provider.js';
import { collectWarnings, nextTicks } from '../helpers/warnings.js';

const REVIEW = '+12015550100';
const REVIEW_CODE = '424242';
const NOW = Date.UTC(2026, 11, 4);
const DAY = 24 * 3600_000;

const seen = collectWarnings((code) => code.startsWith('PASSPORT_DING_'));

function build(expiresAt: Date | number): DingOtpStrategy {
  return new DingOtpStrategy(
    { provider: new FakeProvider(), now: () => NOW, testNumbers: { numbers: { [REVIEW]: REVIEW_CODE }, expiresAt } },
    async (phoneNumber) => ({ phoneNumber }),
  );
}

describe('testNumbers: an expiresAt far ahead', () => {
  it('up to 90 days ahead: no warning; a past date: a TypeError and no warning', async () => {
    build(NOW + DAY);
    build(new Date(NOW + 90 * DAY));
    expect(() => build(NOW - 1)).toThrow(/`expiresAt` in the past/);
    await nextTicks();
    expect(seen).toEqual([]);
  });

  it('more than 90 days ahead: the strategy is built, with one warning naming the date and the days', async () => {
    const strategy = build(new Date(NOW + 90 * DAY + 1));
    expect(strategy).toBeInstanceOf(DingOtpStrategy);
    // A second far one in the same test: "once" must not depend on an earlier test having warned
    // (a mutation run reruns only the tests that reach the line that records the warning).
    build(NOW + 1000 * DAY);
    await nextTicks();
    expect(seen).toHaveLength(1);
    const [warning] = seen;
    expect(warning?.code).toBe('PASSPORT_DING_TEST_NUMBERS_FAR');
    expect(warning?.message).toContain(`testNumbers.expiresAt is ${new Date(NOW + 90 * DAY + 1).toISOString()}, 91 days ahead`);
    expect(warning?.message).toContain('more than 90');
    expect(warning?.message).not.toContain(REVIEW_CODE);
    expect(warning?.message).not.toContain('0100');
  });

  it('is reported once per process: years ahead, again, says nothing more', async () => {
    build(new Date(NOW + 3 * 365 * DAY));
    build(NOW + 1000 * DAY);
    await nextTicks();
    expect(seen).toEqual([]);
  });
});
