// The example's event log line (example/otp-events.ts) copies only the documented fields, so each
// field the library documents must be in its lists: the fields an operator reads the SMS bill
// from (docs/events.md) included.
import { describe, expect, it } from 'vitest';
import type { ActionEvent, DeliveryEvent } from 'passport-ding';
import { eventLine } from '../../example/otp-events.js';

const AT = new Date('2026-12-02T07:00:00Z');

describe('the example event log line', () => {
  it("keeps a failed send's maybeSent and lookup, and a delivery's country; drops what is not documented", () => {
    const send: ActionEvent = { type: 'send', outcome: 'error', at: AT, provider: 'prelude', phone: '+1•••••2671', country: 'US', error: 'DING_UNAVAILABLE', maybeSent: true, lookup: 'unknown' };
    const sendLine = JSON.parse(eventLine({ ...send, extra: 'not documented' } as ActionEvent, AT)) as { level: string; otp: Record<string, unknown> };
    expect(sendLine.level).toBe('error');
    expect(sendLine.otp).toEqual({ ...send, at: AT.toISOString() });
    const delivery: DeliveryEvent = { type: 'delivery', status: 'delivered', provider: 'ding', verificationId: 'a-1', phone: '+33•••••5678', country: 'FR', at: AT };
    const deliveryLine = JSON.parse(eventLine({ ...delivery, extra: 'not documented' } as DeliveryEvent, AT)) as { otp: Record<string, unknown> };
    expect(deliveryLine.otp).toEqual({ ...delivery, at: AT.toISOString() });
  });
});
