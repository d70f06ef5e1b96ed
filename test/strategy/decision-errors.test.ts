// What goes wrong around a login rather than in it: app code that throws after the strategy has
// decided (a custom callback, failureFlash without flash middleware), and app setups the strategy
// cannot work with (no session that can regenerate, no body parser). Each must reach the app's
// error handler as a 500 before anything is sent, or after the decision, and never end the
// process as an uncaught exception.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { DingConfigurationError, type VerifyFunction } from 'passport-ding';
import passport from 'passport';
import { EXPRESS_VERSIONS } from '../helpers/app.js';
import { fakeLogin } from '../helpers/fake-provider.js';
import { catchUncaught } from '../helpers/uncaught.js';

const PHONE = '+14155552671';

describe('errors after the decision', () => {
  it("failureFlash with no flash middleware: a wrong code is a 500 from the app's error handler, not a dead process", async () => {
    const { t, fake } = fakeLogin({}, { withoutFlash: true });
    const agent = request.agent(t.app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    fake.next('check', { status: 'invalid' });
    const uncaught = await catchUncaught(async () => {
      await agent.post('/form/code').type('form').send({ code: '123456' }).expect(500);
    }, 0);
    expect(uncaught).toEqual([]);
    expect(t.errors).toEqual([expect.objectContaining({ name: 'TypeError' })]);
    // The app still answers.
    await agent.post('/login/code').send({ code: fake.code(PHONE) }).expect(200);
  });

  it('a custom callback that throws before answering: a 500 from the error handler, the callback called once', async () => {
    let calls = 0;
    const { t, fake } = fakeLogin(
      {},
      {
        routes: (app, auth) => {
          app.post('/throwing/code', (req, res, next) => {
            auth.authenticate('ding', { action: 'verify' }, () => {
              calls += 1;
              throw new Error('app bug in the callback');
            })(req, res, next);
          });
        },
      },
    );
    const agent = request.agent(t.app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    const uncaught = await catchUncaught(async () => {
      await agent.post('/throwing/code').send({ code: fake.code(PHONE) }).expect(500);
    }, 0);
    expect(uncaught).toEqual([]);
    expect(calls).toBe(1);
    expect(t.errors).toEqual([expect.objectContaining({ message: 'app bug in the callback' })]);
  });

  it('a custom callback that throws on error(): the throw reaches the error handler too', async () => {
    let calls = 0;
    const { t, fake } = fakeLogin(
      {},
      {
        routes: (app, auth) => {
          app.post('/throwing/send', (req, res, next) => {
            auth.authenticate('ding', { action: 'send' }, () => {
              calls += 1;
              throw new Error('app bug on a fault');
            })(req, res, next);
          });
        },
      },
    );
    fake.next('send', new Error('provider down'));
    const uncaught = await catchUncaught(async () => {
      await request(t.app).post('/throwing/send').send({ phoneNumber: PHONE }).expect(500);
    }, 0);
    expect(uncaught).toEqual([]);
    expect(calls).toBe(1);
    expect(t.errors).toEqual([expect.objectContaining({ message: 'app bug on a fault' })]);
  });
});

describe('setups the strategy cannot work with', () => {
  it('a session without regenerate(): a configuration error at send, before any SMS', async () => {
    const { t, fake } = fakeLogin({}, { sessionWithoutRegenerate: true });
    const res = await request(t.app).post('/login/phone').send({ phoneNumber: PHONE }).expect(500);
    expect(res.body).toEqual({ error: 'OtpConfigurationError', code: 'DING_CONFIGURATION_ERROR' });
    expect(fake.calls('send')).toBe(0);
    expect(t.errors[0]).toBeInstanceOf(DingConfigurationError);
    expect((t.errors[0] as Error).message).toMatch(/regenerate\(\).*express-session/);
  });

  it.each(
    EXPRESS_VERSIONS.flatMap(([name, express]) => [
      [name, 'JSON', express, 'application/json', JSON.stringify({ phoneNumber: PHONE }), 'app.use(express.json())'] as const,
      [name, 'a form', express, 'application/x-www-form-urlencoded', `phoneNumber=${encodeURIComponent(PHONE)}`, 'app.use(express.urlencoded({ extended: false }))'] as const,
    ]),
  )('%s, no body parser, %s posted: a configuration error naming the middleware to add, nothing sent', async (_name, _kind, express, type, body, middleware) => {
    const { t, fake } = fakeLogin({}, { withoutBodyParser: true, express });
    for (const route of ['/login/phone', '/login/code', '/login/auto']) {
      await request(t.app).post(route).set('content-type', type).send(body).expect(500);
    }
    expect(fake.calls('send') + fake.calls('check')).toBe(0);
    expect(t.errors).toHaveLength(3);
    for (const err of t.errors) {
      expect(err).toBeInstanceOf(DingConfigurationError);
      expect((err as Error).message).toContain(middleware);
    }
  });

  it('no body parser at all, even for a request with no body: a configuration error naming both parsers', async () => {
    const { t } = fakeLogin({}, { withoutBodyParser: true });
    await request(t.app).post('/login/phone').expect(500);
    expect((t.errors[0] as Error).message).toMatch(/express\.urlencoded.*express\.json/);
  });

  it('a plain verify function returning the user without a promise or done: a configuration error that says what to write, not a request left waiting', async () => {
    // Plain JavaScript allows it (the types do not); it cannot answer, as it takes no done.
    const verify = ((phone: string) => ({ id: phone })) as unknown as VerifyFunction;
    const { t, fake } = fakeLogin({}, { verify });
    const agent = request.agent(t.app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    const res = await agent.post('/login/code').send({ code: fake.code(PHONE) }).expect(500);
    expect(res.body).toEqual({ error: 'OtpConfigurationError', code: 'DING_CONFIGURATION_ERROR' });
    expect(t.errors).toHaveLength(1);
    expect(t.errors[0]).toBeInstanceOf(DingConfigurationError);
    expect((t.errors[0] as Error).message).toMatch(/not a promise.*make it async.*`done` as its third parameter/);
  });

  it('a body parser that did not match (a text/plain post): read as an empty body, the client is told what is missing', async () => {
    const { t } = fakeLogin();
    const res = await request(t.app).post('/api/send').set('content-type', 'text/plain').send('+14155552671').expect(400);
    expect(res.body.code).toBe('missing_phone_number');
    expect(t.errors).toEqual([]);
  });
});

describe('outside Express (no req.next)', () => {
  it('a custom callback that throws on a fault: the request is answered 500, nothing escapes', async () => {
    const auth = new passport.Passport();
    const { strategy, fake } = fakeLogin();
    fake.next('send', new Error('provider down'));
    auth.use('ding', strategy);
    // A bare Node-style request and response, as a framework without Express's req.next gives them.
    const answered: Array<{ status: number; body: string | undefined }> = [];
    const res = { headersSent: false, statusCode: 200, end: (body?: string) => answered.push({ status: res.statusCode, body }) };
    const session = { save: (cb: (err?: unknown) => void) => cb(), regenerate: (cb: (err?: unknown) => void) => cb() };
    const req = { method: 'POST', headers: {}, body: { phoneNumber: PHONE }, session, res, socket: { destroy: () => undefined } };
    const uncaught = await catchUncaught(async () => {
      auth.authenticate('ding', { action: 'send' }, () => {
        throw new Error('app bug in the callback');
      })(req, res, () => undefined);
      for (let i = 0; i < 50 && answered.length === 0; i++) await new Promise((resolve) => setImmediate(resolve));
    }, 0);
    expect(uncaught).toEqual([]);
    expect(answered).toEqual([{ status: 500, body: 'Internal Server Error' }]);
    expect(fake.calls('send')).toBe(1);
  });
});
