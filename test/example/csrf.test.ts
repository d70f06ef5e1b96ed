// The example's CSRF check without a server-side session: a signed double-submit token (a random
// value in the `pd.csrf` cookie, HMAC'd with the user id into the form's token). Another
// browser's token fails, a forged one fails, and a cookie planted from elsewhere with a token the
// attacker got for it fails for a signed-in victim, because the token is bound to the user.
import request from 'supertest';
import type { DingSandbox } from 'passport-ding/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfFrom, startExample, startSandbox, TestClock, type RunningExample } from '../helpers/example-app.js';

const clock = new TestClock();
let sandbox: DingSandbox;
let example: RunningExample;

beforeAll(async () => {
  sandbox = await startSandbox(clock);
  example = await startExample(sandbox, clock, { limits: { sendsPerIp: { points: 1000, durationSeconds: 3600 } } });
});
afterAll(async () => {
  await example?.stop();
  await sandbox?.close();
});

function csrfCookie(res: request.Response): string {
  const line = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('pd.csrf='));
  if (!line) throw new Error('no pd.csrf cookie');
  return line.split(';')[0] as string;
}

describe('CSRF tokens without a session', () => {
  it('refuses a missing token, a forged one, another browser\'s and a token without its cookie', async () => {
    const sends = sandbox.stats().byOperation.createAuthentication ?? 0;
    const mine = await request(example.url).get('/login').expect(200);
    const theirs = await request(example.url).get('/login').expect(200);
    const post = (cookie: string | undefined, token: string | undefined): request.Test => {
      const req = request(example.url).post('/login/phone').type('form');
      if (cookie) req.set('cookie', cookie);
      return req.send({ ...(token === undefined ? {} : { _csrf: token }), phoneNumber: '+12015550901' });
    };
    await post(csrfCookie(mine), undefined).expect(403);
    await post(csrfCookie(mine), 'A'.repeat(43)).expect(403);
    await post(csrfCookie(mine), csrfFrom(theirs.text)).expect(403);
    await post(undefined, csrfFrom(mine.text)).expect(403);
    await post('pd.csrf=short', csrfFrom(mine.text)).expect(403);
    expect(sandbox.stats().byOperation.createAuthentication ?? 0).toBe(sends);
    // The matching pair works.
    await post(csrfCookie(mine), csrfFrom(mine.text)).expect(303);
  });

  it('a planted cookie with the attacker\'s own token is refused for a signed-in victim', async () => {
    // The attacker's pair, got by visiting the site anonymously.
    const attacker = await request(example.url).get('/login').expect(200);
    const planted = csrfCookie(attacker);
    const attackerToken = csrfFrom(attacker.text);

    const victim = request.agent(example.url);
    const phone = '+12015550902';
    const login = await victim.get('/login').expect(200);
    await victim.post('/login/phone').type('form').send({ _csrf: csrfFrom(login.text), phoneNumber: phone }).expect(303);
    const code = await victim.get('/login/code').expect(200);
    await victim.post('/login/code').type('form').send({ _csrf: csrfFrom(code.text), code: sandbox.latestCode(phone) }).expect(303);
    const profile = await victim.get('/account').expect(200);

    // The victim's session cookie with the planted CSRF cookie (as a sibling subdomain could set).
    const sid = (victim.jar.getCookie('pd.sid', { domain: '127.0.0.1', path: '/', secure: false, script: false }) ?? { toValueString: () => '' }).toValueString();
    await request(example.url).post('/logout').type('form').set('cookie', `${sid}; ${planted}`).send({ _csrf: attackerToken }).expect(403);
    await victim.get('/account').expect(200);
    // The token the victim's own page carries still works.
    await victim.post('/logout').type('form').send({ _csrf: csrfFrom(profile.text) }).expect(303);
  });

  it('a token from before the sign-in no longer works after it (bound to the user)', async () => {
    const agent = request.agent(example.url);
    const phone = '+12015550903';
    const login = await agent.get('/login').expect(200);
    const before = csrfFrom(login.text);
    await agent.post('/login/phone').type('form').send({ _csrf: before, phoneNumber: phone }).expect(303);
    await agent.post('/login/code').type('form').send({ _csrf: before, code: sandbox.latestCode(phone) }).expect(303);
    await agent.post('/logout').type('form').send({ _csrf: before }).expect(403);
    const profile = await agent.get('/account').expect(200);
    expect(csrfFrom(profile.text)).not.toBe(before);
  });
});
