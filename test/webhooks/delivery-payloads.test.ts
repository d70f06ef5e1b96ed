// What a delivery event takes from a webhook body, field by field: the providers' payloads are only
// partly documented, so each field is read only in the shape expected (an id of printable ASCII, a
// lower-case status word, an E.164 number, a time), and anything else is left out, never passed on.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseDingDelivery } from '../../lib/webhooks/ding.js';
import { parsePreludeDelivery } from '../../lib/webhooks/prelude.js';
import { timeField, timeOrUndefined } from '../../lib/webhooks/payload.js';

const NOW = Date.UTC(2026, 11, 2, 7, 0, 0);
const T = '2026-12-02T06:59:00Z';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
});

const prelude = (payload: unknown, type = 'verify.delivery_status', extra: Record<string, unknown> = {}) =>
  parsePreludeDelivery({ id: 'evt_1', type, payload, created_at: T, ...extra });
const ding = (fields: Record<string, unknown>) => parseDingDelivery({ id: 'evt_1', ...fields });

describe('the event id', () => {
  it('is 1 to 128 printable ASCII characters, else the body is no delivery', () => {
    expect(parseDingDelivery({ id: '!'.repeat(128), type: 'attempt' })?.id).toBe('!'.repeat(128));
    expect(parsePreludeDelivery({ id: '~', type: 'verify.attempt' })?.id).toBe('~');
    for (const id of ['', 'x'.repeat(129), 'a b', 'évt', 'a\tb', 42, null]) {
      expect(parseDingDelivery({ id, type: 'attempt' })).toBeUndefined();
      expect(parsePreludeDelivery({ id, type: 'verify.attempt' })).toBeUndefined();
    }
    for (const body of [null, 'evt_1', [{ id: 'evt_1' }], 42]) {
      expect(parseDingDelivery(body)).toBeUndefined();
      expect(parsePreludeDelivery(body)).toBeUndefined();
    }
  });
});

describe('the status', () => {
  it('is a lower-case word of up to 32 characters; Prelude reports any other as unknown, Ding as no event', () => {
    for (const good of ['a', 'in_transit', 'a'.repeat(32)]) {
      expect(prelude({ status: good })?.event?.status).toBe(good);
      expect(ding({ type: 'delivery_status', status: good })?.event?.status).toBe(good);
    }
    for (const bad of ['a'.repeat(33), '_sent', 'Delivered', 'delivered!', 'x delivered', 'delivered\n', '', 7, ['delivered']]) {
      expect(prelude({ status: bad })?.event?.status).toBe('unknown');
      expect(ding({ type: 'delivery_status', status: bad })).toEqual({ id: 'evt_1', event: undefined });
    }
    expect(prelude({})?.event?.status).toBe('unknown');
    expect(prelude('not an object')?.event?.status).toBe('unknown');
  });

  it('is Ding’s delivery_status when the body has no status', () => {
    expect(ding({ type: 'delivery_status', delivery_status: 'delivered' })?.event?.status).toBe('delivered');
    expect(ding({ type: 'delivery_status', status: 'undeliverable', delivery_status: 'delivered' })?.event?.status).toBe('undeliverable');
  });

  it('is created and sent for the creation and an attempt, whatever status they carry', () => {
    expect(ding({ type: 'authentication', status: 'pending' })?.event?.status).toBe('created');
    expect(ding({ type: 'attempt', status: 'pending' })?.event?.status).toBe('sent');
    expect(prelude({ status: 'pending' }, 'verify.authentication')?.event?.status).toBe('created');
    expect(prelude({ status: 'pending' }, 'verify.attempt')?.event?.status).toBe('sent');
    expect(prelude({ status: 'pending' }, 'verify.other')).toEqual({ id: 'evt_1', event: undefined });
    expect(prelude({ status: 'pending' }, 42 as never)).toEqual({ id: 'evt_1', event: undefined });
  });
});

describe('the verification id and the number', () => {
  it('take Ding’s auth_uuid or authentication_uuid, recipient_phone_number or phone_number', () => {
    expect(ding({ type: 'attempt', authentication_uuid: 'auth_2', phone_number: '+14155552671' })?.event).toMatchObject({ verificationId: 'auth_2', phone: '+1•••••2671' });
    expect(ding({ type: 'attempt', auth_uuid: 'auth_1', authentication_uuid: 'auth_2', recipient_phone_number: '+33612345678', phone_number: '+14155552671' })?.event).toMatchObject({
      verificationId: 'auth_1',
      phone: '+33•••••5678',
    });
  });

  it('are left out when not in shape, never passed on as given', () => {
    for (const [verificationId, phone] of [
      ['x'.repeat(129), '+123456'],
      ['a b', '+0123456789'],
      [42, '+1415555267100000'],
      [null, '14155552671'],
      [undefined, 'x+14155552671'],
      [undefined, '+14155552671x'],
      [['vrf_1'], ['+14155552671']],
    ]) {
      const d = ding({ type: 'attempt', auth_uuid: verificationId, recipient_phone_number: phone })?.event;
      expect(d && 'verificationId' in d).toBe(false);
      expect(d && 'phone' in d).toBe(false);
      expect(d && 'country' in d).toBe(false);
      const p = prelude({ verification_id: verificationId, target: { value: phone } })?.event;
      expect(p && 'verificationId' in p).toBe(false);
      expect(p && 'phone' in p).toBe(false);
      expect(p && 'country' in p).toBe(false);
    }
    expect(prelude({ target: '+14155552671' })?.event && 'phone' in (prelude({ target: '+14155552671' })?.event ?? {})).toBe(false);
  });

  it('take E.164 numbers of 7 to 15 digits', () => {
    expect(ding({ type: 'attempt', recipient_phone_number: '+1234567' })?.event?.phone).toMatch(/^\+1•••••/);
    expect(prelude({ target: { value: '+123456789012345' } })?.event?.phone).toMatch(/•••••2345$/);
    expect(prelude({ verification_id: 'v'.repeat(128) })?.event?.verificationId).toBe('v'.repeat(128));
  });
});

// The country as the strategy's events find it (lib/event-phone.ts): from a calling code only one
// country has, else from the number (+1 is the US and Canada, +44 the UK and three Crown
// Dependencies: +44 7911 is Guernsey); none for a non-geographic code (+800 freephone). An ISO
// code, never digits.
describe('the country', () => {
  it.each([
    ['+14155552671', 'US'],
    ['+16135550123', 'CA'],
    ['+33612345678', 'FR'],
    ['+447400123456', 'GB'],
    ['+447911123456', 'GG'],
    ['+5491123456789', 'AR'],
  ])('%s is %s, on both providers', (number, country) => {
    expect(ding({ type: 'attempt', recipient_phone_number: number })?.event?.country).toBe(country);
    expect(prelude({ target: { value: number } })?.event?.country).toBe(country);
  });

  it('is left out for a number with no country, and for no number; there for one beside them', () => {
    for (const event of [ding({ type: 'attempt', recipient_phone_number: '+80012345678' })?.event, prelude({ target: { value: '+80012345678' } })?.event]) {
      expect(event?.phone).toBe('+800•••••678');
      expect(event && 'country' in event).toBe(false);
    }
    for (const event of [ding({ type: 'attempt' })?.event, prelude({ verification_id: 'vrf_1' })?.event]) {
      expect(event && 'country' in event).toBe(false);
    }
    expect(ding({ type: 'attempt', recipient_phone_number: '+80012345678', phone_number: '+14155552671' })?.event?.country).toBeUndefined();
    expect(ding({ type: 'attempt', recipient_phone_number: '+14155552671' })?.event?.country).toBe('US');
  });
});

describe('the time', () => {
  it('is Prelude’s payload time, else the envelope’s created_at, else now; createdAt is the envelope’s', () => {
    const both = prelude({ time: '2026-12-02T06:59:30Z' });
    expect(both?.event?.at).toEqual(new Date('2026-12-02T06:59:30Z'));
    expect(both?.createdAt).toBe(Date.parse(T));
    expect(prelude({})?.event?.at).toEqual(new Date(T));
    const neither = parsePreludeDelivery({ id: 'evt_1', type: 'verify.attempt', payload: {} });
    expect(neither?.event?.at).toEqual(new Date(NOW));
    expect(neither?.createdAt).toBeUndefined();
    expect(prelude({}, 'verify.attempt', { created_at: 'yesterday' })?.createdAt).toBeUndefined();
  });

  it('takes offsets with or without a colon, and at most 64 characters', () => {
    expect(ding({ type: 'attempt', time: '2023-05-09T12:09:31-0500' })?.event?.at).toEqual(new Date('2023-05-09T17:09:31Z'));
    expect(timeOrUndefined('2023-05-09T12:09:31.5+01:30')).toBe(Date.parse('2023-05-09T10:39:31.500Z'));
    const long = `2026-12-02T07:00:05.${'0'.repeat(43)}Z`;
    expect(long).toHaveLength(64);
    expect(timeOrUndefined(long)).toBe(Date.parse('2026-12-02T07:00:05Z'));
    expect(timeOrUndefined(`2026-12-02T07:00:05.${'0'.repeat(44)}Z`)).toBeUndefined();
    for (const bad of ['', 'soon', 42, null, undefined]) {
      expect(timeOrUndefined(bad)).toBeUndefined();
      expect(timeField(bad)).toEqual(new Date(NOW));
    }
    expect(ding({ type: 'attempt', time: 'not a time' })?.event?.at).toEqual(new Date(NOW));
  });
});
