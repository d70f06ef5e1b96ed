// The example's three strategies (phone login, second factor, phone change) count one budget per
// number and address also without Redis: in memory they share one memoryLimitStore(), as
// docs/limits.md asks. Each strategy building its own memory store would let a signed-in user
// (any phone-only account passes the second factor on its own number) text a stranger's number
// through /account/phone right after /login/phone did, inside the 30-second resend cooldown,
// and spend each number's and address's send budget twice. Sandbox (Prelude V2), no Redis.
import request from 'supertest';
import type { DingSandbox } from 'passport-ding/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfFrom, sandboxApi, startExample, startSandbox, TestClock, type RunningExample } from '../helpers/example-app.js';

describe('the example in memory: one send budget for all its strategies', () => {
  const clock = new TestClock();
  const stranger = '+12015550166';
  const codes: string[] = [];
  let sandbox: DingSandbox;
  let example: RunningExample;

  beforeAll(async () => {
    sandbox = await startSandbox(clock, { onCode: (event) => codes.push(event.phoneNumber) });
    example = await startExample(sandbox, clock, { ding: sandboxApi(sandbox, 'prelude') });
    await example.users.addPasswordUser({ id: 'mallory', username: 'mallory', password: 'mallory has a password too', phone: '+12015550155' });
  });

  afterAll(async () => {
    await example?.stop();
    await sandbox?.close();
  });

  it('a phone change to a number a phone login just texted waits out the resend cooldown: one SMS, not two', async () => {
    // Mallory, signed in with both factors: /account/phone is open to her.
    const mallory = request.agent(example.url);
    const form = await mallory.get('/login/password').expect(200);
    await mallory.post('/login/password').type('form').send({ _csrf: csrfFrom(form.text), username: 'mallory', password: 'mallory has a password too' }).expect(303);
    const codePage = await mallory.get('/2fa/code').expect(200);
    await mallory.post('/2fa/code').type('form').send({ _csrf: csrfFrom(codePage.text), code: sandbox.latestCode('+12015550155') }).expect(303).expect('location', '/account');

    // A phone login to the stranger's number (from anyone), then at once a phone change to it.
    const anyone = request.agent(example.url);
    const login = await anyone.get('/login').expect(200);
    await anyone.post('/login/phone').type('form').send({ _csrf: csrfFrom(login.text), phoneNumber: stranger }).expect(303);
    const change = await mallory.get('/account/phone').expect(200);
    const second = await mallory.post('/account/phone').type('form').send({ _csrf: csrfFrom(change.text), phoneNumber: stranger });
    expect(second.status).toBe(429);
    expect(Number(second.headers['retry-after'])).toBeGreaterThan(0);
    expect(codes.filter((phone) => phone === stranger)).toHaveLength(1);
  });
});
