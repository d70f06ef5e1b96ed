// The recording view events put around the provider (lib/recording-provider.ts) changes no
// answer: a custom provider that throws instead of rejecting is the same fault with events on as
// off (an error to the app's error handler, nothing sent), and the event says `error`.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { ActionEvent, OtpProvider, PassportDingEvent } from 'passport-ding';
import { OtpUnavailableError } from 'passport-ding';
import { fakeLogin } from '../helpers/fake-provider.js';

const PHONE = '+14155552671';

/** A provider whose send() throws synchronously (a custom provider's bug, or a plain function). */
const FAULT = new OtpUnavailableError('server_error', 'the provider could not send');

function throwingProvider(): OtpProvider {
  return {
    name: 'throwing',
    send: () => {
      throw FAULT;
    },
    check: () => Promise.resolve({ status: 'invalid' }),
    resend: () => Promise.resolve({ status: 'sent' }),
    close: () => Promise.resolve(),
  };
}

describe('the recording provider (events on)', () => {
  it.each([
    ['off', undefined],
    ['on', true],
  ] as const)('a provider that throws synchronously is a fault with events %s, and nothing is half-written', async (_, on) => {
    const events: PassportDingEvent[] = [];
    const onEvent = on ? (e: PassportDingEvent) => void events.push(e) : undefined;
    const { t } = fakeLogin({ provider: throwingProvider(), ...(onEvent ? { onEvent } : {}) });
    const agent = request.agent(t.app);

    const res = await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(500);
    expect(res.body).toEqual({ error: 'OtpUnavailableError', code: FAULT.code });
    expect(t.errors).toHaveLength(1);
    // No pending verification was written: a code posted now finds none.
    await agent.post('/login/code').send({ code: '123456' }).expect(403);
    await new Promise((resolve) => setImmediate(resolve));
    if (!on) return;
    const sent = events[0] as ActionEvent;
    expect(sent).toMatchObject({ type: 'send', outcome: 'error', error: FAULT.code, provider: 'throwing', phone: '+1•••••2671' });
    expect(sent.latencyMs).toBeGreaterThanOrEqual(0);
  });
});
