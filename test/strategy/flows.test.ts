// DingOtpStrategy over real HTTP: Express + express-session + Passport 0.7, a real provider and
// the sandbox on 127.0.0.1. The login flow, every outcome code, upstream faults, and the security
// properties (state bound to the session, single use, no replay, no cross-session codes, one login
// under a race). The whole file runs on Express 5 and 4, each with DingProvider (Ding V1) and with
// PreludeProvider (Prelude Verify V2): every outcome code means the same on both. The few cases
// where the APIs differ (V2 has no expiry, cooldown or counters of its own, and a closed window
// reads as expired) are marked and run for their provider only.
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { barrier } from '../helpers/barrier.js';
import { harness, MATRIX, onlyWhen } from '../helpers/harness.js';
import type { CallKind } from '../helpers/harness.js';
import { wrongCode } from '../helpers/codes.js';

const PHONE = '+14155552671';
const OTHER = '+14155552672';
const RATE_LIMITED = '+14155552681';
const SPAM = '+14155552682';
const BLOCKED = '+14155552683';
const REGION = '+14155552684';
const LINE = '+14155552685';

const MINUTE = 60_000;

async function sid(agent: TestAgent): Promise<string> {
  const me = await agent.get('/me').expect(200);
  return me.body.sessionID as string;
}

describe.each(MATRIX)('DingOtpStrategy (%s, %s)', (_name, provider, express) => {
  const h = harness(
    express,
    {
      // On V2 these are: blocked repeated_attempts, blocked suspicious, blocked in_block_list,
      // 400 unsupported_country, 400 invalid_line_type.
      numbers: {
        [RATE_LIMITED]: 'rate_limited',
        [SPAM]: 'spam_detected',
        [BLOCKED]: 'blocked_number',
        [REGION]: 'unsupported_region',
        [LINE]: 'invalid_line',
      },
    },
    provider,
  );
  const calls = (kind: CallKind): number => h.calls(kind);
  const ding = provider === 'ding';

  async function sendCode(t: TestApp, phone = PHONE): Promise<{ agent: TestAgent; code: string; cookie: string[] }> {
    const agent = request.agent(t.app);
    const res = await agent.post('/login/phone').send({ phoneNumber: phone }).expect(200);
    return { agent, code: h.code(phone), cookie: res.headers['set-cookie'] as unknown as string[] };
  }

  describe('happy path', () => {
    it('sends a code, then logs in with it', async () => {
      const { app } = h.app();
      const agent = request.agent(app);

      const sent = await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
      expect(sent.body.pending).toMatchObject({ phoneNumber: '+1•••••2671', attemptsLeft: 5 });
      expect(Date.parse(sent.body.pending.expiresAt)).toBe(h.clock.now() + 10 * MINUTE);
      expect(Date.parse(sent.body.pending.nextRetryAt)).toBe(h.clock.now() + 30_000);
      expect(calls('send')).toBe(1);

      const res = await agent.post('/login/code').send({ code: h.code(PHONE) }).expect(200);
      expect(res.body.user).toEqual({ id: 'u1', phoneNumber: PHONE });
      expect(res.body.authInfo).toEqual({ method: 'sms_otp' });
      expect(res.body.pending).toBeNull();
      expect(calls('check')).toBe(1);

      const me = await agent.get('/me').expect(200);
      expect(me.body.user).toEqual({ id: 'u1', phoneNumber: PHONE });
    });

    it('infers the action: a code field means verify, otherwise send', async () => {
      const { app } = h.app();
      const agent = request.agent(app);
      const sent = await agent.post('/login/auto').send({ phoneNumber: PHONE }).expect(200);
      expect(sent.body.user).toBeNull();
      expect(sent.body.pending.phoneNumber).toBe('+1•••••2671');
      const res = await agent.post('/login/auto').send({ code: h.code(PHONE) }).expect(200);
      expect(res.body.user.phoneNumber).toBe(PHONE);
    });

    it('accepts national formats with defaultCountry, and form posts with bracket fields', async () => {
      const { app } = h.app({ strategies: { ding: h.strategy({ defaultCountry: 'US', phoneField: 'user[phone]', codeField: 'otp[code]' }) } });
      const agent = request.agent(app);
      await agent.post('/login/phone').type('form').send('user[phone]=(415) 555-2671').expect(200);
      const code = h.code(PHONE);
      const res = await agent.post('/login/code').send({ otp: { code: `${code.slice(0, 3)} ${code.slice(3)}` } }).expect(200);
      expect(res.body.user.phoneNumber).toBe(PHONE);
    });

    it('accepts a code typed with spaces or dashes', async () => {
      const t = h.app();
      const { agent, code } = await sendCode(t);
      await agent.post('/login/code').send({ code: `${code.slice(0, 3)}-${code.slice(3)}` }).expect(200);
    });

    it("accepts a code typed in another script's digits (Arabic-Indic, full-width)", async () => {
      for (const zero of [0x0660, 0xff10]) {
        const t = h.app();
        const { agent, code } = await sendCode(t);
        const typed = [...code].map((d) => String.fromCodePoint(zero + Number(d))).join('');
        const res = await agent.post('/login/code').send({ code: typed }).expect(200);
        expect(res.body.user.phoneNumber).toBe(PHONE);
      }
    });

    it('keeps the pending state small and free of the code', async () => {
      const t = h.app();
      const { agent, code } = await sendCode(t);
      const stored = await t.storedPending(await sid(agent));
      const text = JSON.stringify(stored);
      expect(text.length).toBeLessThan(300);
      expect(text).not.toContain(code);
      expect(stored).toMatchObject({ v: 1, p: PHONE, a: 5 });
    });

    it('a second send replaces the first pending verification', async () => {
      const t = h.app();
      const { agent, code: first } = await sendCode(t);
      const before = await t.storedPending(await sid(agent));
      await agent.post('/login/phone').send({ phoneNumber: OTHER }).expect(200);
      const after = (await t.storedPending(await sid(agent))) as { i: string; p: string };
      expect(after.i).not.toBe((before as { i: string }).i);
      expect(after.p).toBe(OTHER);
      if (first !== h.code(OTHER)) {
        // The first code belongs to the replaced verification: it is checked against the new one.
        await agent.post('/login/code').send({ code: first }).expect(401);
      }
      const res = await agent.post('/login/code').send({ code: h.code(OTHER) }).expect(200);
      expect(res.body.user.phoneNumber).toBe(OTHER);
    });
  });

  describe('send refusals', () => {
    it('missing_phone_number / malformed_phone_number (400), no API call', async () => {
      const { app } = h.app();
      const a = await request(app).post('/login/phone').send({}).expect(400);
      expect(a.text).toBe('Bad Request');
      for (const body of [{}, { phoneNumber: '' }, { phoneNumber: null }]) {
        const res = await request(app).post('/api/send').send(body).expect(400);
        expect(res.body).toEqual({ code: 'missing_phone_number', message: 'Enter your phone number.' });
      }
      for (const body of [{ phoneNumber: ['+14155552671'] }, { phoneNumber: 14155552671 }, { phoneNumber: { n: '+14155552671' } }]) {
        const res = await request(app).post('/api/send').send(body).expect(400);
        expect(res.body).toEqual({ code: 'malformed_phone_number', message: 'The phone number must be a string, for example "+12015550142".' });
      }
      expect(calls('send')).toBe(0);
    });

    it('never reads the phone from the query string', async () => {
      const { app } = h.app();
      const res = await request(app).post('/api/send?phoneNumber=%2B14155552671').send({}).expect(400);
      expect(res.body.code).toBe('missing_phone_number');
    });

    it('invalid_phone_number (400) for a malformed number; no API call', async () => {
      const { app } = h.app();
      // A number inside other text, or with an extension, is not the number to send to.
      const wrapped = ['hello +14155552671 world', 'call +1 415 555 2671', '+1 415 555 2671 ext. 123', '+14155552671;ext=5', '+14155552671 x12'];
      for (const phoneNumber of ['12', '+1555', 'not a number', '+15551234567', 'x'.repeat(100), ...wrapped]) {
        const res = await request(app).post('/api/send').send({ phoneNumber }).expect(400);
        expect(res.body).toEqual({ code: 'invalid_phone_number', message: 'That phone number is not valid.' });
      }
      expect(calls('send')).toBe(0);
    });

    it('missing_country_code (400) for a national number without defaultCountry; no API call', async () => {
      const { app } = h.app();
      for (const phoneNumber of ['4155552671', '201 555 0142', '(201) 555-0142']) {
        const res = await request(app).post('/api/send').send({ phoneNumber }).expect(400);
        expect(res.body).toEqual({ code: 'missing_country_code', message: 'Include the country code, starting with + (for example +1 201 555 0142).' });
      }
      expect(calls('send')).toBe(0);
    });

    it('rate_limited (429) when the provider refuses for volume', async () => {
      const { app } = h.app();
      const agent = request.agent(app);
      const res = await agent.post('/api/send').send({ phoneNumber: RATE_LIMITED }).expect(429);
      expect(res.body).toEqual({ code: 'rate_limited', message: 'Too many requests. Try again later.' });
      expect((await agent.get('/me')).body.pending).toBeNull();
    });

    it.each([
      ['spam detected', SPAM],
      ['a blocked number', BLOCKED],
      ['an unsupported region', REGION],
      ['an unsupported line', LINE],
    ])('blocked (403) for %s', async (_what, phone) => {
      const { app } = h.app();
      const res = await request(app).post('/api/send').send({ phoneNumber: phone }).expect(403);
      expect(res.body).toEqual({ code: 'blocked', message: 'Codes cannot be sent to this number.' });
    });
  });

  describe('verify refusals', () => {
    it('missing_code (400)', async () => {
      const t = h.app();
      const { agent } = await sendCode(t);
      for (const body of [{}, { code: '' }, { code: '   ' }, { code: null }]) {
        const res = await agent.post('/api/verify').send(body).expect(400);
        expect(res.body).toEqual({ code: 'missing_code', message: 'Enter the code we sent you.' });
      }
      expect(calls('check')).toBe(0);
    });

    it('malformed_code (400) for a non-code: no API call, no attempt spent', async () => {
      const t = h.app();
      const { agent } = await sendCode(t);
      for (const code of ['12', '12345678901', 'abcdef', '12ab56', '１２３', '١٢', '123456\u0000', ['123456'], 123456]) {
        const res = await agent.post('/api/verify').send({ code }).expect(400);
        expect(res.body).toEqual({ code: 'malformed_code', message: 'Enter the code we sent you, digits only.' });
      }
      expect(calls('check')).toBe(0);
      expect((await agent.get('/me')).body.pending.attemptsLeft).toBe(5);
    });

    it('invalid_code (401) for a wrong code, with the attempts left', async () => {
      const t = h.app();
      const { agent, code } = await sendCode(t);
      const res = await agent.post('/api/verify').send({ code: wrongCode(code) }).expect(401);
      expect(res.body).toEqual({ code: 'invalid_code', message: 'That code is not correct.', attemptsLeft: 4 });
      expect(calls('check')).toBe(1);
      // Still pending: the right code works.
      await agent.post('/login/code').send({ code }).expect(200);
    });

    it('no_pending_verification (403) for verify and retry with nothing sent', async () => {
      const { app } = h.app();
      const agent = request.agent(app);
      const a = await agent.post('/api/verify').send({ code: '123456' }).expect(403);
      expect(a.body).toEqual({ code: 'no_pending_verification', message: 'No code is waiting to be checked. Request a new code.' });
      const b = await agent.post('/api/retry').send({}).expect(403);
      expect(b.body.code).toBe('no_pending_verification');
      expect(calls('check') + calls('resend')).toBe(0);
    });

    it('too_many_attempts (429) on the wrong code that spends the local budget; the state is gone', async () => {
      const t = h.app({ strategies: { ding: h.strategy({ maxAttempts: 3 }) } });
      const { agent, code } = await sendCode(t);
      const resends = h.counter('resend');
      for (const left of [2, 1]) {
        const res = await agent.post('/api/verify').send({ code: wrongCode(code) }).expect(401);
        expect(res.body.attemptsLeft).toBe(left);
      }
      const res = await agent.post('/api/verify').send({ code: wrongCode(code) }).expect(429);
      expect(res.body).toEqual({ code: 'too_many_attempts', message: 'Too many wrong codes. Request a new one.' });
      expect(calls('check')).toBe(3);
      expect((await agent.get('/me')).body.pending).toBeNull();
      // Cleared: even the right code finds nothing now, and no resend is paid for.
      const after = await agent.post('/api/verify').send({ code }).expect(403);
      expect(after.body.code).toBe('no_pending_verification');
      h.clock.advance(MINUTE);
      expect((await agent.post('/api/retry').send({}).expect(403)).body.code).toBe('no_pending_verification');
      expect(calls('check')).toBe(3);
      expect(resends()).toBe(0);
    });

    it('a resend with no attempts left (older session): too_many_attempts, no API call', async () => {
      const t = h.app();
      const { agent } = await sendCode(t);
      const id = await sid(agent);
      const stored = await new Promise<Record<string, unknown>>((resolve, reject) =>
        t.store.get(id, (err, data) => (err ? reject(err as Error) : resolve(data as unknown as Record<string, unknown>))),
      );
      (stored['passport-ding'] as { a: number }).a = 0;
      await new Promise<void>((resolve, reject) => t.store.set(id, stored as never, (err) => (err ? reject(err as Error) : resolve())));
      h.clock.advance(MINUTE);
      const resends = h.counter('resend');
      const res = await agent.post('/api/retry').send({}).expect(429);
      expect(res.body.code).toBe('too_many_attempts');
      expect(resends()).toBe(0);
      expect((await agent.get('/me')).body.pending).toBeNull();
    });

    it('expired (401) past the expiry, with no API call; the state is gone', async () => {
      const t = h.app();
      const { agent, code } = await sendCode(t);
      h.clock.advance(10 * MINUTE);
      const res = await agent.post('/api/verify').send({ code }).expect(401);
      expect(res.body).toEqual({ code: 'expired', message: 'That code has expired. Request a new one.' });
      expect(calls('check')).toBe(0);
      expect((await agent.get('/me')).body.pending).toBeNull();
    });

    it('expired (401) when the provider says so first', async () => {
      const t = h.app();
      const { agent, code } = await sendCode(t);
      h.clock.advanceProvider(10 * MINUTE);
      const res = await agent.post('/api/verify').send({ code }).expect(401);
      expect(res.body.code).toBe('expired');
      expect(calls('check')).toBe(1);
      expect((await agent.get('/me')).body.pending).toBeNull();
    });

    // Ding gives an expiry; Prelude V2 gives none, so ttlSeconds applies.
    onlyWhen(ding, it)("expires at the earlier of the provider's code lifetime and ttlSeconds", async () => {
      const short = h.app({ strategies: { ding: h.strategy({ ttlSeconds: 5 }) } });
      const a = (await (await sendCode(short)).agent.get('/me')).body.pending;
      expect(Date.parse(a.expiresAt)).toBe(h.clock.now() + 5_000);
      // The sandbox's 10 minutes, not longer, whatever ttlSeconds allows.
      const long = h.app({ strategies: { ding: h.strategy({ ttlSeconds: 600 }) } });
      const b = (await (await sendCode(long, OTHER)).agent.get('/me')).body.pending;
      expect(Date.parse(b.expiresAt) - Date.parse(b.nextRetryAt)).toBe(10 * MINUTE - 30_000);
    });

    onlyWhen(!ding, it)('uses ttlSeconds when the provider gives no expiry, and expires the code locally', async () => {
      const t = h.app({ strategies: { ding: h.strategy({ ttlSeconds: 5 }) } });
      const { agent, code } = await sendCode(t);
      const pending = (await agent.get('/me')).body.pending;
      expect(Date.parse(pending.expiresAt)).toBe(h.clock.now() + 5_000);
      h.clock.advance(5_000);
      const res = await agent.post('/api/verify').send({ code }).expect(401);
      expect(res.body.code).toBe('expired');
      expect(calls('check')).toBe(0);
    });
  });

  describe('a second sandbox with a provider attempt limit below ours', () => {
    const h2 = harness(express, { maxAttempts: 2 }, provider);
    // Ding answers the next check `rate_limited`; Prelude V2 closes the window, and a closed
    // window reads as `expired_or_not_found`. Either way the state is gone.
    const [status, outcome] = ding ? [429, 'too_many_attempts'] : [401, 'expired'];
    it(`${outcome} (${status}) when the provider stops checking; the state is gone`, async () => {
      const t = h2.app();
      const agent = request.agent(t.app);
      await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
      const code = h2.code(PHONE);
      await agent.post('/api/verify').send({ code: wrongCode(code) }).expect(401);
      await agent.post('/api/verify').send({ code: wrongCode(code) }).expect(401);
      const res = await agent.post('/api/verify').send({ code }).expect(status);
      expect(res.body.code).toBe(outcome);
      expect((await agent.get('/me')).body.pending).toBeNull();
    });
  });

  describe('resend', () => {
    it('two concurrent resends from one session pay for one: the other answers retry_too_soon', async () => {
      const t = h.app();
      const outer = express();
      outer.post('/api/retry', barrier(2));
      outer.use(t.app);
      const agent = request.agent(outer);
      await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
      h.clock.advance(30_000);
      const resends = h.counter('resend');
      const results = await Promise.all([agent.post('/api/retry').send({}), agent.post('/api/retry').send({})]);
      expect(results.map((r) => (r.status === 200 ? '200' : `${r.status} ${r.body.code}`)).sort()).toEqual(['200', '429 retry_too_soon']);
      expect(resends()).toBe(1);
    });

    it('resends after the cooldown; the new code logs in', async () => {
      const t = h.app();
      const { agent } = await sendCode(t);
      const resends = h.counter('resend');
      h.clock.advance(30_000);
      const res = await agent.post('/login/resend').send({}).expect(200);
      // Ding counts down from its own limit (3); Prelude counts none, so maxResends (3) does.
      expect(res.body.pending).toMatchObject({ phoneNumber: '+1•••••2671', remainingRetries: 2, attemptsLeft: 5 });
      expect(Date.parse(res.body.pending.nextRetryAt)).toBe(h.clock.now() + 30_000);
      expect(resends()).toBe(1);
      await agent.post('/login/code').send({ code: h.code(PHONE) }).expect(200);
    });

    it('retry_too_soon (429) before nextRetryAt, with retryAfter and no API call', async () => {
      const t = h.app();
      const { agent } = await sendCode(t);
      const resends = h.counter('resend');
      h.clock.advance(10_500);
      const res = await agent.post('/api/retry').send({}).expect(429);
      expect(res.body).toEqual({ code: 'retry_too_soon', message: 'Please wait before requesting another code.', retryAfter: 20 });
      expect(resends()).toBe(0);
    });

    // Ding has a resend cooldown of its own; Prelude V2 has none.
    onlyWhen(ding, it)('retry_too_soon (429) from the provider, with its next_retry_at', async () => {
      const t = h.app({ strategies: { ding: h.strategy({ resendCooldownSeconds: 0 }) } });
      const { agent } = await sendCode(t);
      h.clock.advance(5_000);
      const res = await agent.post('/api/retry').send({}).expect(429);
      expect(res.body).toMatchObject({ code: 'retry_too_soon', retryAfter: 25 });
      expect(calls('resend')).toBe(1);
      // Remembered: the next early resend is refused locally.
      await agent.post('/api/retry').send({}).expect(429);
      expect(calls('resend')).toBe(1);
    });

    onlyWhen(!ding, it)('with resendCooldownSeconds 0 and no provider cooldown, a resend goes at once', async () => {
      const t = h.app({ strategies: { ding: h.strategy({ resendCooldownSeconds: 0 }) } });
      const { agent } = await sendCode(t);
      const resends = h.counter('resend');
      const res = await agent.post('/login/resend').send({}).expect(200);
      expect(res.body.pending.remainingRetries).toBe(2);
      expect(resends()).toBe(1);
      await agent.post('/login/code').send({ code: h.code(PHONE) }).expect(200);
    });

    onlyWhen(!ding, it)('a resend after the provider closed the window starts a fresh one', async () => {
      const t = h.app();
      const { agent, code } = await sendCode(t);
      await agent.post('/api/verify').send({ code: wrongCode(code) }).expect(401);
      const before = (await t.storedPending(await sid(agent))) as { i: string; a: number };
      // The provider's window (10 minutes on its clock) ends while ours (10 minutes on ours) is
      // still open: ttlSeconds is at most 600, so the provider's clock runs ahead to get there.
      h.clock.advance(1 * MINUTE);
      h.clock.advanceProvider(10 * MINUTE);
      const res = await agent.post('/login/resend').send({}).expect(200);
      expect(res.body.pending).toMatchObject({ attemptsLeft: 5, remainingRetries: 2 });
      expect(Date.parse(res.body.pending.expiresAt)).toBe(h.clock.now() + 10 * MINUTE);
      const after = (await t.storedPending(await sid(agent))) as { i: string; a: number };
      expect(after.i).not.toBe(before.i);
      expect(before.a).toBe(4);
      await agent.post('/login/code').send({ code: h.code(PHONE) }).expect(200);
    });

    it('expired (401) for a resend past the expiry; no API call', async () => {
      const t = h.app();
      const { agent } = await sendCode(t);
      const resends = h.counter('resend');
      h.clock.advance(11 * MINUTE);
      const res = await agent.post('/api/retry').send({}).expect(401);
      expect(res.body.code).toBe('expired');
      expect(resends()).toBe(0);
    });
  });

  describe('resend limits', () => {
    const h1 = harness(express, { maxRetries: 1 }, provider);
    // Ding says how many resends are left; for Prelude the strategy's maxResends counts.
    it('retries_exhausted (429) with no API call once none are left', async () => {
      const t = h1.app({ strategies: { ding: h1.strategy({ maxResends: 1 }) } });
      const agent = request.agent(t.app);
      await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
      const resends = h1.counter('resend');
      h1.clock.advance(30_000);
      const ok = await agent.post('/login/resend').send({}).expect(200);
      expect(ok.body.pending.remainingRetries).toBe(0);
      h1.clock.advance(30_000);
      const res = await agent.post('/api/retry').send({}).expect(429);
      expect(res.body).toEqual({ code: 'retries_exhausted', message: 'No more codes can be sent. Enter the last code we sent you, or try again later.' });
      expect(resends()).toBe(1);
      // The code already sent still works.
      await agent.post('/login/code').send({ code: h1.code(PHONE) }).expect(200);
    });
  });

  describe('resend limits from the provider', () => {
    const h0 = harness(express, { maxRetries: 0 }, provider);
    // Ding: retry `rate_limited`. Prelude: create `blocked` + `repeated_attempts` inside the window.
    it('retries_exhausted (429) when the provider refuses the resend', async () => {
      const t = h0.app();
      const agent = request.agent(t.app);
      await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
      const resends = h0.counter('resend');
      h0.clock.advance(30_000);
      const res = await agent.post('/api/retry').send({}).expect(429);
      expect(res.body.code).toBe('retries_exhausted');
      await agent.post('/api/retry').send({}).expect(429);
      expect(resends()).toBe(1);
    });
  });

  describe('security', () => {
    it('changes the session id at login', async () => {
      const t = h.app();
      const { agent, code } = await sendCode(t);
      const before = await sid(agent);
      await agent.post('/login/code').send({ code }).expect(200);
      const after = await sid(agent);
      expect(after).not.toBe(before);
      expect(await t.loggedInSessions()).toEqual([after]);
    });

    it('refuses a replayed code after login, from the new session and from the old cookie', async () => {
      const t = h.app();
      const { agent, code, cookie } = await sendCode(t);
      await agent.post('/login/code').send({ code }).expect(200);
      const checks = calls('check');

      const again = await agent.post('/api/verify').send({ code }).expect(403);
      expect(again.body.code).toBe('no_pending_verification');
      const old = await request(t.app).post('/api/verify').set('Cookie', cookie).send({ code }).expect(403);
      expect(old.body.code).toBe('no_pending_verification');
      expect(calls('check')).toBe(checks);
      expect(await t.loggedInSessions()).toHaveLength(1);
    });

    it('refuses a code posted from another session, with zero upstream checks', async () => {
      const t = h.app();
      const { agent, code } = await sendCode(t);
      const res = await request(t.app).post('/api/verify').send({ code, phoneNumber: PHONE }).expect(403);
      expect(res.body.code).toBe('no_pending_verification');
      expect(calls('check')).toBe(0);
      // The owner's verification is untouched.
      await agent.post('/login/code').send({ code }).expect(200);
    });

    it("checks a foreign code against the session's own verification, never the other's", async () => {
      const t = h.app();
      const { agent, code } = await sendCode(t);
      const stranger = request.agent(t.app);
      await stranger.post('/login/phone').send({ phoneNumber: OTHER }).expect(200);
      if (code !== h.code(OTHER)) {
        const res = await stranger.post('/api/verify').send({ code, phoneNumber: PHONE }).expect(401);
        expect(res.body.code).toBe('invalid_code');
      }
      expect(await t.loggedInSessions()).toHaveLength(0);
      const res = await agent.post('/login/code').send({ code }).expect(200);
      expect(res.body.user.phoneNumber).toBe(PHONE);
    });

    it('ignores the phone posted at verify', async () => {
      const t = h.app();
      const { agent, code } = await sendCode(t);
      const res = await agent.post('/login/code').send({ code, phoneNumber: OTHER }).expect(200);
      expect(res.body.user.phoneNumber).toBe(PHONE);
    });

    it('logs in exactly once for 10 concurrent correct submissions from one session', async () => {
      const t = h.app({ beforeVerify: barrier(10) });
      const server = t.app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      try {
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const agent = request.agent(base);
        await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
        const code = h.code(PHONE);
        const results = await Promise.all(Array.from({ length: 10 }, () => agent.post('/login/code').send({ code })));
        const statuses = results.map((r) => r.status).sort();
        expect(statuses).toEqual([200, ...Array<number>(9).fill(403)]);
        // Checks of one verification are serialised: the first answers, the rest see it finished.
        expect(calls('check')).toBe(1);
        expect(await t.loggedInSessions()).toHaveLength(1);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  describe('upstream faults', () => {
    it('a 5xx at send goes to error() as DingUnavailableError; nothing pending', async () => {
      const { app } = h.app();
      const agent = request.agent(app);
      h.sandbox.fail({ mode: 'http500', operation: h.op('send') });
      const res = await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(500);
      expect(res.body).toEqual({ error: 'OtpUnavailableError', code: 'DING_UNAVAILABLE' });
      expect(res.text).not.toContain(h.sandbox.apiKey);
      expect((await agent.get('/me')).body.pending).toBeNull();
    });

    it('a refused API key at send is DingAuthError, without the key in the reply', async () => {
      const { app } = h.app();
      h.sandbox.fail({ mode: 'forbidden', operation: h.op('send') });
      const res = await request(app).post('/login/phone').send({ phoneNumber: PHONE }).expect(500);
      expect(res.body).toEqual({ error: 'OtpAuthError', code: 'DING_AUTH_ERROR' });
      expect(res.text).not.toContain(h.sandbox.apiKey);
    });

    it.each(['http500', 'reset', 'bad_json', 'unknown_status_value'] as const)(
      'a %s fault at verify is an error; the pending code still works',
      async (mode) => {
        const t = h.app();
        const { agent, code } = await sendCode(t);
        const before = await t.storedPending(await sid(agent));
        h.sandbox.fail({ mode, operation: h.op('check') });
        const res = await agent.post('/login/code').send({ code }).expect(500);
        expect(res.body.error).toBe('OtpUnavailableError');
        expect(await t.storedPending(await sid(agent))).toEqual(before);
        await agent.post('/login/code').send({ code }).expect(200);
      },
    );

    it('a timeout at resend is an error within the deadline; the pending state is unchanged', async () => {
      const t = h.app({ strategies: { ding: h.strategy({ timeoutMs: 300 }) } });
      const { agent } = await sendCode(t);
      h.clock.advance(30_000);
      const before = await t.storedPending(await sid(agent));
      h.sandbox.fail({ mode: 'timeout', operation: h.op('resend') });
      const res = await agent.post('/login/resend').send({}).expect(500);
      expect(res.body.error).toBe('OtpUnavailableError');
      expect(await t.storedPending(await sid(agent))).toEqual(before);
    });
  });

  describe('configuration errors', () => {
    it('without express-session: error() with DingConfigurationError naming express-session', async () => {
      const { app } = h.app({ withoutSession: true });
      const res = await request(app).post('/login/phone').send({ phoneNumber: PHONE }).expect(500);
      expect(res.body).toEqual({ error: 'OtpConfigurationError', code: 'DING_CONFIGURATION_ERROR' });
      expect(calls('send')).toBe(0);
    });

    it('an unknown action is a DingConfigurationError', async () => {
      const { app } = h.app();
      const res = await request(app).post('/api/bogus').send({ phoneNumber: PHONE }).expect(500);
      expect(res.body.error).toBe('OtpConfigurationError');
    });
  });
});
