// ReplyFields and parseDateTime on their own (lib/providers/shared/reply-fields.ts): the exact
// error each broken field gives (an operator reads it to find what the provider sent wrong), the
// calendar's edges, and compact(). The parsers' use of them is in test/client-replies.test.ts.
import { describe, expect, it } from 'vitest';
import { OtpUnavailableError } from 'passport-ding';
import { compact, parseDateTime, ReplyFields } from '../../../lib/providers/shared/reply-fields.js';

/** The message of the malformed_response error `read` throws. */
function refusal(read: () => unknown): string {
  try {
    read();
  } catch (err) {
    expect(err).toBeInstanceOf(OtpUnavailableError);
    expect((err as OtpUnavailableError).reason).toBe('malformed_response');
    return (err as Error).message;
  }
  throw new Error('expected a malformed_response error');
}

describe('ReplyFields errors name the call, the place and the field', () => {
  const fields = (value: unknown): ReplyFields => new ReplyFields('Ding check', value);

  it.each([
    ['a reply that is not an object', () => fields([1]), 'Ding check: reply is not a JSON object'],
    ['a nested value that is not an object', () => fields({ signals: 3 }).object('signals'), 'Ding check: `signals` is not a JSON object'],
    ['a missing required field', () => fields({}).string('status', true), 'Ding check: reply lacks `status`'],
    ['a null required field', () => fields({ status: null }).string('status', true), 'Ding check: reply lacks `status`'],
    ['a non-string', () => fields({ status: 1 }).string('status'), 'Ding check: reply has a non-string `status`'],
    ['a string of the wrong form', () => fields({ id: 'x' }).matching('id', /^\d+$/, 'a number'), 'Ding check: reply has a `id` that is not a number'],
    ['a non-boolean', () => fields({ ported: 'yes' }).boolean('ported'), 'Ding check: reply has a non-boolean `ported`'],
    ['a string for a number', () => fields({ amount: '5' }).number('amount'), 'Ding check: reply has a non-numeric `amount`'],
    ['a number too large for a double (JSON 1e999)', () => fields(JSON.parse('{"amount":1e999}')).number('amount'), 'Ding check: reply has a non-numeric `amount`'],
    ['a negative count', () => fields({ n: -1 }).count('n'), 'Ding check: reply has a `n` that is not a count'],
    ['a fractional count', () => fields({ n: 1.5 }).count('n'), 'Ding check: reply has a `n` that is not a count'],
    ['an unknown enum value', () => fields({ status: 'approved' }).oneOf('status', ['valid', 'invalid']), 'Ding check: reply has an unknown `status` value'],
    ['a zone-less date', () => fields({ at: '2025-03-01T10:00:00' }).date('at'), 'Ding check: reply has a `at` that is not an RFC 3339 date-time with a zone'],
    ['a non-array', () => fields({ events: {} }).array('events'), 'Ding check: reply has a non-array `events`'],
    ['a list with a non-string', () => fields({ risk: ['a', 1] }).strings('risk'), 'Ding check: reply has a `risk` that is not a list of strings'],
  ])('%s', (_name, read, message) => {
    expect(refusal(read)).toBe(message);
  });

  it('a field inside a nested object is named with its parent', () => {
    const signals = fields({ signals: { ip: 7 } }).object('signals') as ReplyFields;
    expect(refusal(() => signals.string('ip'))).toBe('Ding check: `signals` has a non-string `ip`');
  });

  it('reads what is well formed', () => {
    const f = fields({ amount: -0.05, n: 0, ok: false, list: ['a'], events: [] });
    expect(f.number('amount')).toBe(-0.05);
    expect(f.count('n')).toBe(0);
    expect(f.boolean('ok')).toBe(false);
    expect(f.strings('list')).toEqual(['a']);
    expect(f.array('events')).toEqual([]);
    expect(f.number('absent')).toBeUndefined();
  });
});

describe('parseDateTime at the calendar edges', () => {
  it.each([
    ['2023-12-31T23:59:59Z', '2023-12-31T23:59:59.000Z'],
    ['2023-01-01T00:00:00Z', '2023-01-01T00:00:00.000Z'],
    // 60 is a leap second: Date has none, so it rolls into the next minute.
    ['2016-12-31T23:59:60Z', '2017-01-01T00:00:00.000Z'],
    ['2023-06-01T12:00:00+23:59', '2023-05-31T12:01:00.000Z'],
    ['2023-06-01T12:00:00-00:59', '2023-06-01T12:59:00.000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'], // divisible by 400: a leap year
    ['2024-01-31T00:00:00Z', '2024-01-31T00:00:00.000Z'], // a leap year's January still has 31 days
    ['2023-02-28T00:00:00Z', '2023-02-28T00:00:00.000Z'],
    // Years 0000-0099 are themselves: Date.UTC alone reads them as 1900-1999.
    ['0000-01-01T00:00:00Z', '0000-01-01T00:00:00.000Z'],
    ['0000-02-29T00:00:00Z', '0000-02-29T00:00:00.000Z'], // divisible by 400: a leap year
    ['0099-12-31T23:59:59-01:00', '0100-01-01T00:59:59.000Z'],
  ])('%s is %s', (input, iso) => {
    expect(parseDateTime(input)?.toISOString()).toBe(iso);
  });

  it.each([
    '2023-00-10T00:00:00Z', // month 0
    '2023-13-10T00:00:00Z',
    '2023-01-00T00:00:00Z', // day 0
    '2023-04-31T00:00:00Z',
    '1900-02-29T00:00:00Z', // divisible by 100, not by 400: not a leap year
    '2023-02-29T00:00:00Z',
    '2023-01-01T24:00:00Z',
    '2023-01-01T00:60:00Z',
    '2023-01-01T00:00:61Z',
    '2023-01-01T00:00:00+24:00',
    '2023-01-01T00:00:00+00:60',
  ])('%s is refused', (input) => {
    expect(parseDateTime(input)).toBeUndefined();
  });
});

/**
 * The form parseDateTime reads, as the pattern it replaced spelt it (the parser reads it by
 * character code): the reference for the comparison below.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

describe('parseDateTime reads exactly the RFC 3339 form', () => {
  const samples = [
    '2023-12-31T23:59:59Z',
    '2016-12-31t23:59:60.123456789z',
    '2000-02-29 00:00:00.5-00:59',
    '2023-06-01T12:00:00.12+23:59',
    '9999-12-31T23:59:59.999+00:00',
  ];
  // Every string one edit away from a sample: each character dropped, replaced or doubled by one
  // that can matter (a digit, each separator, an Arabic-Indic digit, a letter), and each cut.
  const edits = '09-:.TtZz +xé\u0661';
  const cases = new Set<string>();
  for (const sample of samples) {
    for (let i = 0; i <= sample.length; i++) {
      cases.add(sample.slice(0, i));
      cases.add(sample.slice(0, i) + sample.slice(i + 1));
      for (const c of edits) {
        cases.add(sample.slice(0, i) + c + sample.slice(i + 1));
        cases.add(sample.slice(0, i) + c + sample.slice(i));
      }
    }
  }

  it(`accepts and refuses what the pattern does, at the same instant (${cases.size} strings)`, () => {
    let accepted = 0;
    for (const input of cases) {
      const m = RFC3339.exec(input);
      const got = parseDateTime(input);
      if (!m) {
        expect(got, input).toBeUndefined();
        continue;
      }
      // The pattern's groups, turned into an instant the slow way: Date.parse of the same wall time
      // in UTC, then the zone's offset. A field out of range (month 13, February 30, hour 24, a leap
      // second) does not read back the same and is left to the calendar tests above.
      const wall = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
      const utc = Date.parse(`${wall}.${(m[7] ?? '').slice(0, 3).padEnd(3, '0')}Z`);
      if (Number.isNaN(utc) || new Date(utc).toISOString().slice(0, 19) !== wall) continue;
      if (!m[8] && (Number(m[10]) > 23 || Number(m[11]) > 59)) continue;
      const offsetMinutes = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
      const expected = utc - offsetMinutes * 60_000;
      accepted++;
      expect(got?.getTime(), input).toBe(expected);
    }
    expect(accepted).toBeGreaterThan(50);
  });
});

describe('compact', () => {
  it('returns a reply with every field present as it is, without a copy', () => {
    const reply = { a: 1, b: 'x' };
    expect(compact(reply)).toBe(reply);
  });

  it('drops the undefined fields of a copy, leaving the reply untouched', () => {
    const reply = { a: 1, b: undefined, c: 'x', d: undefined };
    const kept = compact(reply);
    expect(kept).not.toBe(reply);
    expect(Object.keys(kept)).toEqual(['a', 'c']);
    expect(Object.keys(reply)).toEqual(['a', 'b', 'c', 'd']);
  });
});
