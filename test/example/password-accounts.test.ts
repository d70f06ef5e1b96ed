// SMS alone must not open an account that has a password (issue 13, item 9). The demo user has a
// password and the phone +1 201 555 0123: a phone login with that number and its right code must
// not sign anyone in, by pages or JSON; the password and then the code still do.
import request from 'supertest';
import type { DingSandbox } from 'passport-ding/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_USER } from '../../example/app.js';
import { signIn } from '../../example/routes/sign-in.js';
import type { User } from '../../example/users.js';
import { csrfFrom, sandboxApi, startExample, startSandbox, TestClock, type ApiName, type RunningExample } from '../helpers/example-app.js';

describe.each<ApiName>(['prelude', 'ding'])('on %s', (api) => {
  const { username, password, phone } = DEFAULT_DEMO_USER;
  const clock = new TestClock();
  let sandbox: DingSandbox;
  let example: RunningExample;

  beforeAll(async () => {
    sandbox = await startSandbox(clock);
    example = await startExample(sandbox, clock, {
      ding: sandboxApi(sandbox, api),
      limits: { sendsPerIp: { points: 1000, durationSeconds: 3600 } },
      // A route that writes a phone sign-in for the demo user, as a careless extra login path
      // would: the guards must still refuse it (the second line of defence).
      routes: (router, { users }) => {
        router.post('/test/phone-sign-in-as-demo', (req, res, next) => {
          signIn(req, users.findById('demo') as User, { firstFactor: 'phone' }).then(() => res.status(204).end(), next);
        });
      },
    });
  });

  afterAll(async () => {
    await example?.stop();
    await sandbox?.close();
  });

  describe('phone login of a number that belongs to an account with a password', () => {
    it('pages: the right code is refused with a pointer to the password form; nothing opens', async () => {
      const agent = request.agent(example.url);
      const login = await agent.get('/login').expect(200);
      await agent.post('/login/phone').type('form').send({ _csrf: csrfFrom(login.text), phoneNumber: phone }).expect(303);
      const codePage = await agent.get('/login/code').expect(200);
      const refused = await agent.post('/login/code').type('form').send({ _csrf: csrfFrom(codePage.text), code: sandbox.latestCode(phone) }).expect(403);
      expect(refused.text).toContain('This number belongs to an account with a password.');
      expect(refused.text).toContain('href="/login/password"');

      await agent.get('/account').expect(303).expect('location', '/login?returnTo=%2Faccount');
      await agent.get('/account/security').expect(303);
      await agent.get('/2fa').expect(303).expect('location', '/login');
      await agent.get('/api/me').expect(401, { code: 'not_signed_in', message: 'Sign in first.' });
      const session = await agent.get('/api/session').expect(200);
      expect(session.body.user).toBeNull();
    });

    it('JSON: 403 password_required, and /api/me stays signed out', async () => {
      const agent = request.agent(example.url);
      const token = (await agent.get('/api/session').expect(200)).body.csrfToken as string;
      await agent.post('/api/login/send').set('x-csrf-token', token).send({ phoneNumber: phone }).expect(200);
      const refused = await agent.post('/api/login/verify').set('x-csrf-token', token).send({ code: sandbox.latestCode(phone) }).expect(403);
      expect(refused.body).toMatchObject({ code: 'password_required' });
      await agent.get('/api/me').expect(401);
    });

    it('the password and then the code still sign the demo user in', async () => {
      const agent = request.agent(example.url);
      const token = (await agent.get('/api/session').expect(200)).body.csrfToken as string;
      const pw = await agent.post('/api/login/password').set('x-csrf-token', token).send({ username, password }).expect(200);
      const t2 = pw.body.csrfToken as string;
      await agent.get('/api/me').expect(401, { code: 'second_factor_required', message: 'Confirm the code we text you first.' });
      await agent.post('/api/2fa/send').set('x-csrf-token', t2).send({}).expect(200);
      const ok = await agent.post('/api/2fa/verify').set('x-csrf-token', t2).send({ code: sandbox.latestCode(phone) }).expect(200);
      expect(ok.body.user).toMatchObject({ id: 'demo', signedIn: true, secondFactor: true });
    });

    it('a phone sign-in written for a password account by some other route counts for nothing', async () => {
      const agent = request.agent(example.url);
      const token = (await agent.get('/api/session').expect(200)).body.csrfToken as string;
      await agent.post('/test/phone-sign-in-as-demo').set('x-csrf-token', token).expect(204);
      await agent.get('/api/me').expect(401, { code: 'second_factor_required', message: 'Confirm the code we text you first.' });
      await agent.get('/account/security').expect(303).expect('location', '/2fa');
    });
  });
});
