// Send points and the resend cooldown after a failed provider call (lib/actions/nothing-sent.ts):
// given back only when nothing can have been sent (the provider refused or answered a 5xx, or the
// request never left: no connection, the circuit breaker open). A timeout, a reset after the
// request was written or an unreadable reply may come after the code went out, so they keep the points:
// during a provider brownout a script cannot re-send at once, every time, outside every budget.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { DingOtpStrategy, OtpApiError, OtpUnavailableError } from 'passport-ding';
import type { SendRequest, SendResult } from 'passport-ding';
import { FakeProvider } from '../helpers/fake-provider.js';
import { securityApp } from '../helpers/security-app.js';
import { Users } from '../helpers/users.js';
import { ALL_RULES_OFF } from '../helpers/limit-rules.js';

const PHONE = '+14155552671';

describe('send points after a failed provider call', () => {
  it('a send that reached the provider but timed out keeps its points and the cooldown', async () => {
    const fake = new FakeProvider();
    const users = new Users();
    const strategy = new DingOtpStrategy(
      { provider: fake, limits: { ...ALL_RULES_OFF, sendsPerPhone: { points: 1, durationSeconds: 3600 } } },
      async (phone: string) => users.findOrCreate(phone),
    );
    const app = securityApp({ strategy, users, trustProxy: true });
    // The provider texts the code, then its reply is lost: what the strategy sees is a timeout.
    const texted: string[] = [];
    const sendsThenTimesOut = async (req: SendRequest): Promise<SendResult> => {
      texted.push(req.phoneNumber);
      throw new OtpUnavailableError('timeout', 'send: no complete reply within 5000 ms');
    };
    for (let i = 0; i < 5; i += 1) fake.next('send', sendsThenTimesOut);

    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const res = await request(app).post('/api/send').set('X-Forwarded-For', `198.51.100.${i + 1}`).send({ phoneNumber: PHONE });
      statuses.push(res.status);
    }
    // The first attempt (a 503) spent the number's one point and its cooldown; the others are
    // refused (429) before the provider is called (before: all five reached it, five SMS).
    expect(statuses[0]).toBeGreaterThanOrEqual(500);
    expect(statuses.slice(1)).toEqual([429, 429, 429, 429]);
    expect(texted).toHaveLength(1);
  });

  it.each([
    ['the provider refused the request', () => new OtpApiError('invalid_phone_number', 'refused', undefined, 422)],
    ['the connection was refused', () => new OtpUnavailableError('connection', 'send: connection failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) })],
    ['the circuit breaker is open', () => new OtpUnavailableError('circuit_open', 'send: circuit open', { retryAfter: 5 })],
    ['the provider answered a 5xx', () => new OtpUnavailableError('server_error', 'send: unexpected HTTP 502', { status: 502 })],
    ['the provider answered an unexpected 3xx', () => new OtpUnavailableError('server_error', 'send: unexpected HTTP 300', { status: 300 })],
  ])('points and cooldown come back when %s', async (_what, error) => {
    const { app, fake } = limited();
    fake.next('send', async () => {
      throw error();
    });
    const first = await request(app).post('/api/send').send({ phoneNumber: PHONE });
    expect(first.status).toBeGreaterThanOrEqual(400);
    // The number's one point and its cooldown came back: the next send goes out at once.
    expect((await request(app).post('/api/send').send({ phoneNumber: PHONE })).status).toBe(200);
    expect(fake.calls('send')).toBe(2);
  });

  it.each([
    ['a reset after the request was written', () => new OtpUnavailableError('connection', 'send: connection failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) })],
    ['an unreadable reply', () => new OtpUnavailableError('malformed_response', 'send: reply is not valid HTTP')],
    ['a 200 with an unreadable body', () => new OtpUnavailableError('malformed_response', 'send: reply is not application/json', { status: 200 })],
    ["a custom provider's own error", () => new Error('provider bug')],
    ["a custom provider's own error, whatever its cause", () => new Error('provider bug', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) })],
  ])('points and cooldown stay spent after %s', async (_what, error) => {
    const { app, fake } = limited();
    fake.next('send', async () => {
      throw error();
    });
    expect((await request(app).post('/api/send').send({ phoneNumber: PHONE })).status).toBeGreaterThanOrEqual(500);
    expect((await request(app).post('/api/send').send({ phoneNumber: PHONE })).status).toBe(429);
    expect(fake.calls('send')).toBe(1);
  });
});

function limited() {
  const fake = new FakeProvider();
  const users = new Users();
  const strategy = new DingOtpStrategy({ provider: fake, limits: { ...ALL_RULES_OFF, sendsPerPhone: { points: 1, durationSeconds: 3600 } } }, async (phone: string) => users.findOrCreate(phone));
  return { app: securityApp({ strategy, users }), fake };
}
