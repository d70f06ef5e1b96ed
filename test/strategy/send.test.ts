// The send step's branches on an in-process provider: the pending state's expiry against the
// provider's, every send result, faults, and the refusals that tell the user what to fix.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { DingUnavailableError } from 'passport-ding';
import { MAX_TTL_SECONDS } from '../../lib/options.js';
import { fakeLogin } from '../helpers/fake-provider.js';

const PHONE = '+14155552671';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

async function expiryAfterSend(options: Parameters<typeof fakeLogin>[0], expiresInMs: number | null): Promise<number> {
  const { t, clock } = fakeLogin(options, { fake: { expiresInMs } });
  const res = await request.agent(t.app).post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
  return Date.parse(res.body.pending.expiresAt as string) - clock.now();
}

describe('send on an in-process provider', () => {
  describe('the pending state expires at the earlier of the provider expiry and ttlSeconds', () => {
    it('a provider hour is cut to ttlSeconds (issue 13: a code still worked after 11 minutes)', async () => {
      expect(await expiryAfterSend({ ttlSeconds: 600 }, 60 * MINUTE)).toBe(10 * MINUTE);
    });

    it('an upstream expiry 30 days ahead is cut to the default ttlSeconds', async () => {
      expect(await expiryAfterSend({}, 30 * DAY)).toBe(10 * MINUTE);
    });

    it("a provider expiry shorter than ttlSeconds wins; none at all means ttlSeconds", async () => {
      expect(await expiryAfterSend({ ttlSeconds: 600 }, 2 * MINUTE)).toBe(2 * MINUTE);
      expect(await expiryAfterSend({ ttlSeconds: 300 }, null)).toBe(5 * MINUTE);
    });

    it('a code past ttlSeconds is expired locally, with no check, though the provider would still take it', async () => {
      const { t, fake, clock } = fakeLogin({ ttlSeconds: 120 }, { fake: { expiresInMs: 60 * MINUTE } });
      const agent = request.agent(t.app);
      await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
      clock.advance(2 * MINUTE);
      expect((await agent.post('/api/verify').send({ code: fake.code(PHONE) }).expect(401)).body.code).toBe('expired');
      expect(fake.calls('check')).toBe(0);
    });

    it('a provider lifetime of zero or less is no lifetime: ttlSeconds', async () => {
      expect(await expiryAfterSend({ ttlSeconds: 300 }, 0)).toBe(5 * MINUTE);
      expect(await expiryAfterSend({ ttlSeconds: 300 }, -MINUTE)).toBe(5 * MINUTE);
    });

    it(`ttlSeconds above ${MAX_TTL_SECONDS} (ten minutes) is refused at construction`, () => {
      expect(() => fakeLogin({ ttlSeconds: 86_400 })).toThrow(/`ttlSeconds` must be at most 600/);
      expect(() => fakeLogin({ ttlSeconds: 601 })).toThrow(TypeError);
      expect(() => fakeLogin({ ttlSeconds: 600 })).not.toThrow();
    });
  });

  it.each([
    [{ status: 'rate_limited' }, 429, 'rate_limited'],
    [{ status: 'blocked', reason: 'spam' }, 403, 'blocked'],
    [{ status: 'invalid_phone_number' }, 400, 'invalid_phone_number'],
  ] as const)('a provider answer %j: %i %s, nothing pending', async (answer, status, outcome) => {
    const { t, fake } = fakeLogin();
    fake.next('send', answer);
    const agent = request.agent(t.app);
    expect((await agent.post('/api/send').send({ phoneNumber: PHONE }).expect(status)).body.code).toBe(outcome);
    expect((await agent.get('/me')).body.pending).toBeNull();
  });

  // Mutation testing (issue 20): nothing went out, so the send points and the number's cooldown
  // (the default limits are on) come back: another code may go at once.
  it.each(['rate_limited', 'blocked', 'invalid_phone_number'] as const)('a provider answer %s gives the send points and the cooldown back', async (status) => {
    const { t, fake } = fakeLogin();
    fake.next('send', status === 'blocked' ? { status, reason: 'spam' } : { status });
    const agent = request.agent(t.app);
    expect((await agent.post('/api/send').send({ phoneNumber: PHONE })).status).not.toBe(200);
    await agent.post('/api/send').send({ phoneNumber: PHONE }).expect(200);
    // The cooldown was on: a third send so soon is refused.
    expect((await agent.post('/api/send').send({ phoneNumber: PHONE }).expect(429)).body.code).toBe('retry_too_soon');
  });

  describe('what the provider is asked (exactly these keys: a custom provider may read any)', () => {
    const MESSAGE = { locale: 'fr-FR', correlationId: 'corr-1', templateId: 'tpl-1', senderId: 'Acme', callbackUrl: 'https://example.com/hook', appRealm: 'FA+9qCX9VSu' };

    it('signals(req) split into the fraud signals and the message settings, at send and resend', async () => {
      const { t, fake, clock } = fakeLogin({ signals: () => ({ ip: '203.0.113.9', deviceId: 'd-1', ...MESSAGE }) });
      const agent = request.agent(t.app);
      await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
      clock.advance(30_000);
      await agent.post('/login/resend').send({}).expect(200);
      const asked = { phoneNumber: PHONE, signals: { ip: '203.0.113.9', deviceId: 'd-1' }, ...MESSAGE };
      expect(fake.requests.send).toStrictEqual([asked]);
      expect(fake.requests.resend).toStrictEqual([{ ...asked, id: 'fake_1' }]);
    });

    it('without message settings: the number and the signals only', async () => {
      const { t, fake, clock } = fakeLogin();
      const agent = request.agent(t.app);
      await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
      clock.advance(30_000);
      await agent.post('/login/resend').send({}).expect(200);
      expect(Object.keys(fake.requests.send[0] ?? {}).sort()).toEqual(['phoneNumber', 'signals']);
      expect(Object.keys(fake.requests.resend[0] ?? {}).sort()).toEqual(['id', 'phoneNumber', 'signals']);
    });
  });

  it('a status outside the interface, or a fault: the error handler, nothing pending', async () => {
    const { t, fake } = fakeLogin();
    fake.next('send', { status: 'queued' } as never).next('send', new DingUnavailableError('server_error', 'The fake provider answered 503'));
    const agent = request.agent(t.app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(500);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(500);
    expect(t.errors).toEqual([expect.objectContaining({ reason: 'malformed_response' }), expect.objectContaining({ reason: 'server_error' })]);
    expect((t.errors[0] as Error).message).toBe('The fake provider returned an unknown send status: queued');
    expect((await agent.get('/me')).body.pending).toBeNull();
  });

  describe('refusals that say what to fix, with no provider call', () => {
    it('missing_country_code for a national number without defaultCountry; with it, the number is sent', async () => {
      const { t, fake } = fakeLogin();
      for (const phoneNumber of ['201 555 0142', '(201) 555-0142', '２０１５５５０１４２']) {
        const res = await request(t.app).post('/api/send').send({ phoneNumber }).expect(400);
        expect(res.body).toEqual({ code: 'missing_country_code', message: 'Include the country code, starting with + (for example +1 201 555 0142).' });
      }
      expect(fake.calls('send')).toBe(0);
      const us = fakeLogin({ defaultCountry: 'US' });
      await request(us.t.app).post('/api/send').send({ phoneNumber: '201 555 0142' }).expect(200);
      expect(us.fake.requests.send[0]?.phoneNumber).toBe('+12015550142');
    });

    it('malformed_phone_number ("must be a string") for a JSON number, an array or an object', async () => {
      const { t, fake } = fakeLogin();
      for (const phoneNumber of [12015550142, ['+12015550142'], { number: '+12015550142' }, true]) {
        const res = await request(t.app).post('/api/send').send({ phoneNumber }).expect(400);
        expect(res.body).toEqual({ code: 'malformed_phone_number', message: 'The phone number must be a string, for example "+12015550142".' });
      }
      expect(fake.calls('send')).toBe(0);
    });

    // Mutation testing (issue 20): blanks around the number (a pasted line break) are trimmed, but
    // an invisible character inside it is refused, not skipped over by the parser.
    it('blanks and line breaks around the number are fine; a control or format character inside it is invalid_phone_number', async () => {
      const { t, fake } = fakeLogin({ resendCooldownSeconds: 0 });
      await request(t.app).post('/api/send').send({ phoneNumber: ` ${PHONE}\r\n` }).expect(200);
      await request(t.app).post('/api/send').send({ phoneNumber: `\t+1 415 555 2671\u2028` }).expect(200);
      expect(fake.requests.send.map((r) => r.phoneNumber)).toEqual([PHONE, PHONE]);
      for (const phoneNumber of ['+1415\u200b5552671', '+1 415\n555 2671', '+14155552671\u0000', '\u202e+14155552671']) {
        expect((await request(t.app).post('/api/send').send({ phoneNumber }).expect(400)).body.code).toBe('invalid_phone_number');
      }
      expect(fake.calls('send')).toBe(2);
    });

    it('missing_phone_number for no number, or only blanks', async () => {
      const { t, fake } = fakeLogin();
      for (const body of [{}, { phoneNumber: '' }, { phoneNumber: ' \t' }]) {
        expect((await request(t.app).post('/api/send').send(body).expect(400)).body).toEqual({ code: 'missing_phone_number', message: 'Enter your phone number.' });
      }
      expect(fake.calls('send')).toBe(0);
    });

    it('invalid_phone_number for what no fix of the country code would make a number', async () => {
      const { t } = fakeLogin();
      for (const phoneNumber of ['12', '+1555', 'call me', '+1 415 555 2671 ext. 5']) {
        expect((await request(t.app).post('/api/send').send({ phoneNumber }).expect(400)).body.code).toBe('invalid_phone_number');
      }
    });
  });
});
