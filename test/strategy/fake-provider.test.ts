// A whole login through DingOtpStrategy on an in-process OtpProvider: what a custom provider
// gets from the strategy (the E.164 number, the id it gave, the code as typed, the signals) and
// what the strategy makes of its answers. Real Express, express-session and Passport; no HTTP
// upstream.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { fakeLogin } from '../helpers/fake-provider.js';
import { wrongCode } from '../helpers/codes.js';

const PHONE = '+14155552671';

describe('a custom OtpProvider (in process)', () => {
  it('runs a whole login: send, a wrong code, a resend, the right code; the user is logged in', async () => {
    const { fake, t, clock } = fakeLogin();
    const agent = request.agent(t.app);
    const sent = await agent.post('/login/phone').send({ phoneNumber: '+1 (415) 555-2671' }).expect(200);
    expect(sent.body.pending).toMatchObject({ phoneNumber: '+1•••••2671', attemptsLeft: 5 });
    expect(fake.requests.send).toEqual([{ phoneNumber: PHONE, signals: { ip: expect.any(String) } }]);

    const first = fake.code(PHONE);
    const wrong = wrongCode(first);
    const bad = await agent.post('/api/verify').send({ code: wrong }).expect(401);
    expect(bad.body).toMatchObject({ code: 'invalid_code', attemptsLeft: 4 });

    clock.advance(30_000);
    await agent.post('/login/resend').send({}).expect(200);
    expect(fake.requests.resend).toEqual([expect.objectContaining({ id: 'fake_1', phoneNumber: PHONE })]);

    const ok = await agent.post('/login/code').send({ code: fake.code(PHONE) }).expect(200);
    expect(ok.body.user).toEqual({ id: 'u1', phoneNumber: PHONE });
    expect(fake.requests.check.map((c) => c.id)).toEqual(['fake_1', 'fake_1']);
    expect(fake.requests.check[1]).toEqual({ id: 'fake_1', phoneNumber: PHONE, code: fake.code(PHONE) });
    const me = (await agent.get('/me')).body;
    expect(me.user).toEqual({ id: 'u1', phoneNumber: PHONE });
    expect(me.pending).toBeNull();
  });

  it('a replay of the right code reaches nothing: no second check, no second login', async () => {
    const { fake, t } = fakeLogin();
    const agent = request.agent(t.app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    const code = fake.code(PHONE);
    await agent.post('/login/code').send({ code }).expect(200);
    await agent.post('/api/verify').send({ code }).expect(403);
    expect(fake.calls('check')).toBe(1);
  });

  it('close() closes the provider it was given', async () => {
    const { fake, strategy } = fakeLogin();
    await strategy.close();
    expect(fake.closed).toBe(true);
  });

  it.each([
    [7, 7],
    [2.2, 3],
    [0.001, 1],
    [99_999, 3600],
    [undefined, undefined],
    [Number.NaN, undefined],
    [-5, undefined],
    [0, undefined],
    ['30', undefined],
  ])("a send refused rate_limited with retryAfter %s answers retryAfter %s (the provider's wait, whole seconds, at most an hour)", async (given, answered) => {
    const { fake, t } = fakeLogin();
    fake.next('send', { status: 'rate_limited', retryAfter: given as number | undefined });
    const res = await request(t.app).post('/api/send').send({ phoneNumber: PHONE }).expect(429);
    expect(res.body.code).toBe('rate_limited');
    expect(res.body.retryAfter).toBe(answered);
    if (answered === undefined) expect(res.body).not.toHaveProperty('retryAfter');
  });
});
