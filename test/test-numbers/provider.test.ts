// The test numbers' provider decorator on its own, in front of the FakeProvider: which calls it
// answers itself and which it passes on (a listed number and our id, both needed), the instant
// `expiresAt` ends it, the lookup it answers for a listed number, the trust a test number's
// verification may earn, and the option's exact refusals. test-numbers.test.ts runs the same
// through whole logins on both providers.
import { describe, expect, it } from 'vitest';
import type { LineInfo } from 'passport-ding';
import { resolveTestNumbers, TestNumberProvider, trustEndsAt, withTestNumbers } from '../../lib/test-numbers.js';
import type { TestNumberSettings } from '../../lib/test-numbers.js';
import { FakeProvider } from '../helpers/fake-provider.js';

const REVIEW = '+12015550100';
const CODE = '424242';
const OTHER = '+14155552671';
const NOW = 1_700_000_000_000;
const ENDS = NOW + 60_000;
const PATTERN = /^\d{6}$/;

/** A FakeProvider with a lookup, counting its calls. */
class LookupProvider extends FakeProvider {
  lookups: string[] = [];
  lookup(phoneNumber: string): Promise<LineInfo> {
    this.lookups.push(phoneNumber);
    return Promise.resolve({ phoneNumber, lineType: 'fixed_line' });
  }
}

function setup() {
  let now = NOW;
  const inner = new LookupProvider({ name: 'inner-name' });
  const settings = resolveTestNumbers({ numbers: { [REVIEW]: CODE }, expiresAt: ENDS }, PATTERN, now) as TestNumberSettings;
  const provider = withTestNumbers(inner, settings, () => now) as TestNumberProvider;
  return { inner, settings, provider, at: (t: number) => void (now = t) };
}

describe('TestNumberProvider', () => {
  it('a listed number: sent with an id of its own, checked locally, resent locally; the provider sees nothing', async () => {
    const { inner, provider } = setup();
    expect(provider.name).toBe('inner-name');
    const sent = await provider.send({ phoneNumber: REVIEW });
    expect(sent).toMatchObject({ status: 'sent' });
    const id = (sent as { id: string }).id;
    expect(id).toMatch(/^test-number-[0-9a-f-]{36}$/);
    expect((sent as { createdAt: Date }).createdAt.getTime()).toBe(NOW);
    expect(await provider.check({ id, phoneNumber: REVIEW, code: '000000' })).toEqual({ status: 'invalid' });
    expect(await provider.check({ id, phoneNumber: REVIEW, code: CODE })).toEqual({ status: 'valid' });
    expect(await provider.resend({ id, phoneNumber: REVIEW })).toEqual({ status: 'sent' });
    expect([inner.calls('send'), inner.calls('check'), inner.calls('resend')]).toEqual([0, 0, 0]);
  });

  it('passes on another number, and a listed number with a provider’s id (sent before the list, or by it after)', async () => {
    const { inner, provider } = setup();
    const sent = await provider.send({ phoneNumber: OTHER });
    const id = (sent as { id: string }).id;
    expect(id).toMatch(/^fake_/);
    expect(await provider.check({ id, phoneNumber: OTHER, code: inner.code(OTHER) })).toEqual({ status: 'valid' });
    // Our id with a number that is not listed is not ours either: the provider answers (not found).
    expect(await provider.check({ id: 'test-number-x', phoneNumber: OTHER, code: CODE })).toEqual({ status: 'not_found' });
    expect(await provider.resend({ id: 'test-number-x', phoneNumber: OTHER })).toEqual({ status: 'not_found' });
    // A provider's id for a listed number: the provider's too, with its code and not the fixed one.
    expect(await provider.check({ id: 'fake_9', phoneNumber: REVIEW, code: CODE })).toEqual({ status: 'not_found' });
    expect(await provider.resend({ id: 'fake_9', phoneNumber: REVIEW })).toEqual({ status: 'not_found' });
    expect([inner.calls('send'), inner.calls('check'), inner.calls('resend')]).toEqual([1, 3, 2]);
  });

  it('ends at expiresAt itself: a send goes to the provider, and a test verification still pending is expired, for check and resend', async () => {
    const { inner, provider, at } = setup();
    const { id } = (await provider.send({ phoneNumber: REVIEW })) as { id: string };
    at(ENDS - 1);
    expect(provider.isTestNumber(REVIEW)).toBe(true);
    at(ENDS);
    expect(provider.isTestNumber(REVIEW)).toBe(false);
    expect(await provider.check({ id, phoneNumber: REVIEW, code: CODE })).toEqual({ status: 'expired' });
    expect(await provider.resend({ id, phoneNumber: REVIEW })).toEqual({ status: 'expired' });
    expect((await provider.send({ phoneNumber: REVIEW })) as { id: string }).toMatchObject({ id: expect.stringMatching(/^fake_/) });
    expect(inner.calls('send')).toBe(1);
  });

  it('answers the lookup of a listed number itself (a mobile line) until expiresAt, and passes on the rest; close() closes the provider', async () => {
    const { inner, provider, at } = setup();
    const lookup = (provider as { lookup?: (p: string) => Promise<LineInfo> }).lookup as (p: string) => Promise<LineInfo>;
    expect(await lookup(REVIEW)).toEqual({ phoneNumber: REVIEW, lineType: 'mobile' });
    expect(inner.lookups).toEqual([]);
    expect(await lookup(OTHER)).toEqual({ phoneNumber: OTHER, lineType: 'fixed_line' });
    at(ENDS);
    expect(await lookup(REVIEW)).toEqual({ phoneNumber: REVIEW, lineType: 'fixed_line' });
    expect(inner.lookups).toEqual([OTHER, REVIEW]);
    await provider.close();
    expect(inner.closed).toBe(true);
  });

  it('withTestNumbers: the provider itself without settings; no lookup added to a provider without one', () => {
    const inner = new FakeProvider();
    expect(withTestNumbers(inner, undefined, () => NOW)).toBe(inner);
    const settings = resolveTestNumbers({ numbers: { [REVIEW]: CODE }, expiresAt: ENDS }, PATTERN, NOW);
    const wrapped = withTestNumbers(inner, settings, () => NOW);
    expect(wrapped).toBeInstanceOf(TestNumberProvider);
    expect('lookup' in wrapped).toBe(false);
  });
});

describe('trustEndsAt', () => {
  it("is the test numbers' expiresAt for a test number's verification only", () => {
    const { settings } = setup();
    expect(trustEndsAt(settings, 'test-number-1')).toBe(ENDS);
    expect(trustEndsAt(settings, 'fake_1')).toBeUndefined();
    expect(trustEndsAt(settings, 'xtest-number-1')).toBeUndefined();
    expect(trustEndsAt(undefined, 'test-number-1')).toBeUndefined();
  });
});

describe('resolveTestNumbers', () => {
  const resolve = (value: unknown) => () => resolveTestNumbers(value, PATTERN, NOW);
  const message = (text: string) => `DingOtpStrategy: option \`testNumbers\` ${text}`;

  it('absent is undefined; a valid option gives the codes as SHA-256 digests and expiresAt in ms', () => {
    expect(resolveTestNumbers(undefined, PATTERN, NOW)).toBeUndefined();
    const settings = resolveTestNumbers({ numbers: { [REVIEW]: CODE, '+14155550100': '123456' }, expiresAt: new Date(NOW + 1) }, PATTERN, NOW) as TestNumberSettings;
    expect(settings.expiresAt).toBe(NOW + 1);
    expect([...settings.codes.keys()]).toEqual([REVIEW, '+14155550100']);
    expect(settings.codes.get(REVIEW)?.length).toBe(32);
  });

  it('refuses each bad value with its exact message', () => {
    const numbers = { [REVIEW]: CODE };
    for (const bad of [null, 'x', 1]) expect(resolve(bad)).toThrow(message('must be { numbers: { "+12015550100": "424242" }, expiresAt }'));
    expect(resolve({ numbers })).toThrow(message('needs `expiresAt` (a Date or epoch milliseconds): test numbers must not live forever'));
    expect(resolve({ numbers, expiresAt: String(NOW + 1000) })).toThrow(message('needs `expiresAt` (a Date or epoch milliseconds): test numbers must not live forever'));
    expect(resolve({ numbers, expiresAt: Number.NaN })).toThrow(message('has an `expiresAt` that is not a valid date (an invalid Date, NaN or Infinity): give a Date or epoch milliseconds'));
    expect(resolve({ numbers, expiresAt: NOW })).toThrow(message(`has an \`expiresAt\` in the past (${new Date(NOW).toISOString()}): set a new date for this review`));
    expect(resolve({ numbers, expiresAt: NOW + 1 })).not.toThrow();
    for (const n of [undefined, null, 'x', {}]) expect(resolve({ numbers: n, expiresAt: NOW + 1 })).toThrow(message('needs `numbers`: { "+12015550100": "424242" }'));
    for (const phone of ['+1 201 555 0100', '2015550100', '+12015550100x']) {
      expect(resolve({ numbers: { [phone]: CODE }, expiresAt: NOW + 1 })).toThrow(message(`numbers must be valid E.164 numbers (got "${phone}")`));
    }
    for (const code of [424242, '42424', 'abcdef']) {
      expect(resolve({ numbers: { [REVIEW]: code }, expiresAt: NOW + 1 })).toThrow(message(`codes must be strings matching codePattern (the code of ${REVIEW} does not)`));
    }
  });
});
