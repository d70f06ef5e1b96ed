// The second-factor flag is bound to the user id (issue 13, item 13, and the example's side of
// item 8). A login that keeps the session's data (`req.login(user, { keepSessionInfo: true })`,
// as the old README recipe did) must not hand the next user the previous user's passed second
// factor, first factor, or pending second-factor code. Carol has the same phone as the demo user,
// so the code texted for one would pass for the other if the binding were to the phone.
import request from 'supertest';
import type { DingSandbox } from 'passport-ding/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_USER } from '../../example/app.js';
import { csrfFrom, sandboxApi, startExample, startSandbox, TestClock, type ApiName, type RunningExample } from '../helpers/example-app.js';

describe.each<ApiName>(['prelude', 'ding'])('on %s', (api) => {
  const demo = DEFAULT_DEMO_USER;
  const carol = { id: 'carol', username: 'carol', password: 'carol has another password', phone: demo.phone };
  const clock = new TestClock();
  let sandbox: DingSandbox;
  let example: RunningExample;

  type Agent = ReturnType<typeof request.agent>;

  beforeAll(async () => {
    sandbox = await startSandbox(clock);
    example = await startExample(sandbox, clock, {
      ding: sandboxApi(sandbox, api),
      limits: { sendsPerIp: { points: 1000, durationSeconds: 3600 } },
      // Another app's login that keeps the session's data: a password login, and a phone-only
      // account switch. Neither writes the example's own sign-in flags.
      routes: (router, { users }) => {
        router.post('/test/password-login-keeping-session', (req, res, next) => {
          const body = req.body as { username?: string; password?: string };
          users.authenticate(body.username ?? '', body.password ?? '').then((user) => {
            if (!user) return res.status(401).end();
            req.login(user, { session: true, keepSessionInfo: true }, (err) => (err ? next(err) : res.status(204).end()));
          }, next);
        });
        router.post('/test/phone-switch-keeping-session', (req, res, next) => {
          const user = users.findOrCreateByPhone(String((req.body as { phone?: string }).phone));
          req.login(user, { session: true, keepSessionInfo: true }, (err) => (err ? next(err) : res.status(204).end()));
        });
      },
    });
    await example.users.addPasswordUser(carol);
  });

  afterAll(async () => {
    await example?.stop();
    await sandbox?.close();
  });

  const checkCalls = (): number => (sandbox.stats().byOperation.check ?? 0) + (sandbox.stats().byOperation.checkVerification ?? 0);

  async function token(agent: Agent): Promise<string> {
    return (await agent.get('/api/session').expect(200)).body.csrfToken as string;
  }

  /** The demo user through password and second factor; returns the current CSRF token. */
  async function demoWithBothFactors(agent: Agent): Promise<string> {
    const form = await agent.get('/login/password').expect(200);
    await agent.post('/login/password').type('form')
      .send({ _csrf: csrfFrom(form.text), username: demo.username, password: demo.password }).expect(303).expect('location', '/2fa/code');
    const code = await agent.get('/2fa/code').expect(200);
    await agent.post('/2fa/code').type('form').send({ _csrf: csrfFrom(code.text), code: sandbox.latestCode(demo.phone) })
      .expect(303).expect('location', '/account');
    await agent.get('/account/security').expect(200);
    return token(agent);
  }

  describe('second-factor state belongs to the user who earned it', () => {
    it('a passed second factor does not carry over to the next user of the session', async () => {
      const agent = request.agent(example.url);
      const t = await demoWithBothFactors(agent);
      await agent.post('/test/password-login-keeping-session').set('x-csrf-token', t)
        .send({ username: carol.username, password: carol.password }).expect(204);

      // Carol has her password, not her code: neither signed in nor past the second factor.
      await agent.get('/account/security').expect(303);
      await agent.get('/account').expect(303);
      const me = await agent.get('/api/me').expect(401);
      expect(me.body.code).toBe('not_signed_in');
      const session = await agent.get('/api/session').expect(200);
      expect(session.body.user).toMatchObject({ id: 'carol', signedIn: false, secondFactor: false });
    });

    it('a second-factor code sent for one user is not accepted for the next', async () => {
      const agent = request.agent(example.url);
      const form = await agent.get('/login/password').expect(200);
      await agent.post('/login/password').type('form')
        .send({ _csrf: csrfFrom(form.text), username: demo.username, password: demo.password }).expect(303).expect('location', '/2fa/code');
      const demoCode = sandbox.latestCode(demo.phone);
      await agent.post('/test/password-login-keeping-session').set('x-csrf-token', await token(agent))
        .send({ username: carol.username, password: carol.password }).expect(204);

      const t = await token(agent);
      const page = await agent.post('/2fa/code').type('form').send({ _csrf: t, code: demoCode });
      expect(page.status).not.toBe(200);
      expect(page.headers.location).not.toBe('/account');
      const json = await agent.post('/api/2fa/verify').set('x-csrf-token', t).send({ code: demoCode });
      expect(json.status).toBe(401);
      await agent.get('/api/me').expect(401);
      await agent.get('/account/security').expect(303);
    });

    it('between two phone-only accounts: the pending code is dropped, never checked for the other', async () => {
      const agent = request.agent(example.url);
      const first = '+12015550701';
      const second = '+12015550702';
      const login = await agent.get('/login').expect(200);
      await agent.post('/login/phone').type('form').send({ _csrf: csrfFrom(login.text), phoneNumber: first }).expect(303);
      const codePage = await agent.get('/login/code').expect(200);
      await agent.post('/login/code').type('form').send({ _csrf: csrfFrom(codePage.text), code: sandbox.latestCode(first) }).expect(303);
      const start = await agent.get('/2fa').expect(200);
      await agent.post('/2fa/send').type('form').send({ _csrf: csrfFrom(start.text) }).expect(303).expect('location', '/2fa/code');
      const stepUpCode = sandbox.latestCode(first);

      await agent.post('/test/phone-switch-keeping-session').set('x-csrf-token', await token(agent)).send({ phone: second }).expect(204);
      const checks = checkCalls();
      const t = await token(agent);
      const refused = await agent.post('/2fa/code').type('form').send({ _csrf: t, code: stepUpCode }).expect(403);
      expect(refused.text).toContain('There is no code waiting for this account.');
      // Refused before the provider was asked, and the pending code is gone for good.
      expect(checkCalls()).toBe(checks);
      await agent.get('/2fa/code').expect(303).expect('location', '/2fa');
      await agent.get('/account/security').expect(303).expect('location', '/2fa');
    });
  });
});
