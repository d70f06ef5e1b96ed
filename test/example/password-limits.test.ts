// The example's password step is limited: attempts per account (the username typed, whether or
// not it exists) and per client address, counted before the password is hashed and in one step
// (a burst of concurrent guesses cannot all slip under the budget), so neither online guessing
// nor a flood of scrypt work goes on without end. A refusal is 429 with Retry-After, the same for
// a known and an unknown username, and it holds even for the right password until the window
// ends. A right password clears its account's count. Pages and JSON. Real example app on the
// sandbox (Prelude V2), the clock moved by the test; two instances on Redis.
import request from 'supertest';
import type { DingSandbox } from 'passport-ding/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_USER } from '../../example/app.js';
import { addressKey, PASSWORD_FAILURES_PER_ACCOUNT, PASSWORD_ATTEMPTS_PER_IP, PASSWORD_WINDOW_MS } from '../../example/password-limits.js';
import { redisGate } from '../helpers/env.js';
import { csrfFrom, sandboxApi, startExample, startSandbox, TestClock, twoInstancesOnRedis, type RunningExample } from '../helpers/example-app.js';

const { username, password } = DEFAULT_DEMO_USER;

describe('the example: wrong passwords are limited', () => {
  const clock = new TestClock();
  let sandbox: DingSandbox;
  let example: RunningExample;

  beforeAll(async () => {
    sandbox = await startSandbox(clock);
    example = await startExample(sandbox, clock, { ding: sandboxApi(sandbox, 'prelude'), limits: { sendsPerIp: { points: 1000, durationSeconds: 3600 } } });
    // Each test's client gives its address as a proxy would.
    example.app.set('trust proxy', true);
  });

  afterAll(async () => {
    await example?.stop();
    await sandbox?.close();
  });

  /** One password form post from a fresh browser (its own CSRF cookie), from address `ip`. */
  async function postPage(user: string, pass: string, ip: string) {
    const agent = request.agent(example.url);
    const form = await agent.get('/login/password').set('X-Forwarded-For', ip).expect(200);
    return agent.post('/login/password').set('X-Forwarded-For', ip).type('form').send({ _csrf: csrfFrom(form.text), username: user, password: pass });
  }

  async function postJson(user: string, pass: string, ip: string) {
    const agent = request.agent(example.url);
    const token = (await agent.get('/api/session').set('X-Forwarded-For', ip).expect(200)).body.csrfToken as string;
    return agent.post('/api/login/password').set('X-Forwarded-For', ip).set('x-csrf-token', token).send({ username: user, password: pass });
  }

  it('pages: past the account budget even the right password is 429 with Retry-After, until the window ends', async () => {
    for (let i = 0; i < PASSWORD_FAILURES_PER_ACCOUNT; i++) expect((await postPage(username, 'wrong', `198.51.100.${i}`)).status).toBe(401);
    const refused = await postPage(username, password, '198.51.100.200');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(PASSWORD_WINDOW_MS / 1000);
    expect(refused.text).toContain('Too many attempts');
    // The window runs from the account's first wrong password: refused attempts do not lengthen it.
    clock.advance(PASSWORD_WINDOW_MS - 60_000);
    expect((await postPage(username, password, '198.51.100.200')).status).toBe(429);
    clock.advance(60_000);
    expect((await postPage(username, password, '198.51.100.200')).status).toBe(303);
  });

  it('an unknown username is refused the same way (no telling which usernames exist)', async () => {
    clock.advance(PASSWORD_WINDOW_MS);
    for (let i = 0; i < PASSWORD_FAILURES_PER_ACCOUNT; i++) expect((await postPage('nobody', 'wrong', `198.51.101.${i}`)).status).toBe(401);
    const known = await postPage(username, 'wrong', '198.51.101.200');
    expect(known.status).toBe(401);
    const unknown = await postPage('nobody', 'wrong', '198.51.101.201');
    expect(unknown.status).toBe(429);
    expect(unknown.headers['retry-after']).toBeDefined();
  });

  it('a right password clears its account count', async () => {
    clock.advance(PASSWORD_WINDOW_MS);
    for (let i = 0; i < PASSWORD_FAILURES_PER_ACCOUNT - 1; i++) await postPage(username, 'wrong', '198.51.102.1');
    expect((await postPage(username, password, '198.51.102.2')).status).toBe(303);
    for (let i = 0; i < PASSWORD_FAILURES_PER_ACCOUNT - 1; i++) expect((await postPage(username, 'wrong', '198.51.102.3')).status).toBe(401);
  });

  it('one address is limited across usernames', async () => {
    clock.advance(PASSWORD_WINDOW_MS);
    for (let i = 0; i < PASSWORD_ATTEMPTS_PER_IP; i++) expect((await postJson(`user${i}`, 'wrong', '203.0.113.9')).status).toBe(401);
    const refused = await postJson('someone-else', 'wrong', '203.0.113.9');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'rate_limited' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not held up by it.
    expect((await postJson('someone-else', 'wrong', '203.0.113.10')).status).toBe(401);
  });

  it("an address's count takes right passwords too: logins to an account of one's own buy no more guesses at others", async () => {
    clock.advance(PASSWORD_WINDOW_MS);
    for (let i = 0; i < PASSWORD_ATTEMPTS_PER_IP - 1; i++) expect((await postJson(`own${i}`, 'wrong', '203.0.113.50')).status).toBe(401);
    expect((await postJson(username, password, '203.0.113.50')).status).toBe(200);
    expect((await postJson('own-next', 'wrong', '203.0.113.50')).status).toBe(429);
  });

  it('an IPv6 client is counted by its /64: new addresses inside it are the same client', async () => {
    clock.advance(PASSWORD_WINDOW_MS);
    for (let i = 0; i < PASSWORD_ATTEMPTS_PER_IP; i++) expect((await postJson(`v6user${i}`, 'wrong', `2001:db8:7:7::${(i + 1).toString(16)}`)).status).toBe(401);
    expect((await postJson('v6-someone', 'wrong', '2001:db8:7:7:ffff:1:2:3')).status).toBe(429);
    expect((await postJson('v6-someone', 'wrong', '2001:db8:7:8::1')).status).toBe(401);
  });

  it('addressKey: IPv4 as it is (also IPv4-mapped, in any spelling), IPv6 by its /64', () => {
    for (const [ip, key] of [
      ['203.0.113.9', '203.0.113.9'],
      ['::ffff:203.0.113.9', '203.0.113.9'],
      ['::FFFF:cb00:7109', '203.0.113.9'],
      ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
      ['2001:0db8:0001:0002::9', '2001:db8:1:2::/64'],
      ['2001:db8::', '2001:db8:0:0::/64'],
      ['::1', '0:0:0:0::/64'],
    ] as const) expect([ip, addressKey(ip)]).toEqual([ip, key]);
  });

  it('a burst of concurrent guesses gets no more than the budget checked: the rest are 429 before any hashing', async () => {
    clock.advance(PASSWORD_WINDOW_MS);
    const answers = await Promise.all(Array.from({ length: 3 * PASSWORD_FAILURES_PER_ACCOUNT }, (_, i) => postJson(username, 'wrong', `192.0.2.${100 + i}`)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(PASSWORD_FAILURES_PER_ACCOUNT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2 * PASSWORD_FAILURES_PER_ACCOUNT);
  });

  it('JSON: the account budget holds there too', async () => {
    clock.advance(PASSWORD_WINDOW_MS);
    for (let i = 0; i < PASSWORD_FAILURES_PER_ACCOUNT; i++) expect((await postJson(username, 'wrong', `192.0.2.${i}`)).status).toBe(401);
    const refused = await postJson(username, password, '192.0.2.200');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'rate_limited' });
  });
});

if (redisGate('example password limits on Redis (test/example/password-limits.test.ts)')) {
  describe('the example on Redis: two instances count wrong passwords together', () => {
    const two = twoInstancesOnRedis('password');

    async function post(on: RunningExample, pass: string) {
      const agent = request.agent(on.url);
      const token = (await agent.get('/api/session').expect(200)).body.csrfToken as string;
      return agent.post('/api/login/password').set('x-csrf-token', token).send({ username, password: pass });
    }

    it('wrong passwords on A and on B add up; past the budget both refuse, even the right password; a right one before clears it', async () => {
      for (let i = 0; i < PASSWORD_FAILURES_PER_ACCOUNT - 1; i++) expect((await post(i % 2 === 0 ? two.a : two.b, 'wrong')).status).toBe(401);
      expect((await post(two.b, password)).status).toBe(200);
      for (let i = 0; i < PASSWORD_FAILURES_PER_ACCOUNT; i++) expect((await post(i % 2 === 0 ? two.a : two.b, 'wrong')).status).toBe(401);
      for (const on of [two.a, two.b]) {
        const refused = await post(on, password);
        expect(refused.status).toBe(429);
        expect(refused.body).toMatchObject({ code: 'rate_limited' });
        const wait = Number(refused.headers['retry-after']);
        expect(wait).toBeGreaterThan(PASSWORD_WINDOW_MS / 1000 - 60);
        expect(wait).toBeLessThanOrEqual(PASSWORD_WINDOW_MS / 1000);
      }
    });
  });
}
