// An attacker racing two app instances behind a load balancer: the example twice on one sandbox
// and one Redis (sessions and the library's default limits there, as docs/deploying.md sets it
// up), each request of a burst sent at once to one instance or the other with the same session
// cookie. What must hold across instances as it holds in one process: one verification's wrong
// codes make at most `maxAttempts` checks, a right code signs in once and remembers one device,
// a number gets one SMS per cooldown, a number block no more than its budget.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_USER } from '../../example/app.js';
import { wrongCode } from '../helpers/codes.js';
import { redisGate } from '../helpers/env.js';
import { startOn, twoInstancesOnRedis, type ApiName } from '../helpers/example-app.js';
import { deleteKeys, keysUnder, pttlOf } from '../helpers/redis-clients.js';

const SUITE = 'cross-instance races (test/security/cross-instance-races.test.ts)';

interface Answer {
  status: number;
  body: { code?: string; attemptsLeft?: number; user?: unknown; csrfToken?: string };
  setCookie: string[];
}

/** One user agent of the JSON API, its cookies kept by hand; `twin()` is the same agent again (a second tab, a script). */
class Agent {
  cookie = '';
  token = '';

  static async on(base: string): Promise<Agent> {
    const agent = new Agent();
    await agent.call(base, 'GET', '/api/session');
    return agent;
  }

  twin(): Agent {
    return Object.assign(new Agent(), { cookie: this.cookie, token: this.token });
  }

  async call(base: string, method: 'GET' | 'POST', path: string, body?: object): Promise<Answer> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...(body ? { 'content-type': 'application/json', 'x-csrf-token': this.token } : {}) },
      body: body ? JSON.stringify(body) : null,
    });
    const setCookie = res.headers.getSetCookie();
    for (const line of setCookie) {
      const pair = line.split(';')[0] ?? '';
      this.cookie = [...this.cookie.split('; ').filter((c) => c && !c.startsWith(`${pair.split('=')[0]}=`)), pair].join('; ');
    }
    const parsed = (await res.json().catch(() => ({}))) as Answer['body'];
    if (typeof parsed.csrfToken === 'string') this.token = parsed.csrfToken;
    return { status: res.status, body: parsed, setCookie };
  }
}

const OPS: Record<ApiName, { send: string; resend: string; check: string }> = {
  prelude: { send: 'createVerification', resend: 'createVerification', check: 'checkVerification' },
  ding: { send: 'createAuthentication', resend: 'retry', check: 'check' },
};

if (redisGate(SUITE)) {
  describe.each(['prelude', 'ding'] as const)(`${SUITE}: %s`, (api) => {
    // A provider that checks more codes than the app allows (as the test numbers do: they have no
    // provider limit at all), so that only the app's own budget stands in the way; latency keeps
    // each burst's checks in flight together. The library's default limits, counted in Redis.
    const two = twoInstancesOnRedis(`races-${api}`, { start: startOn(api), sandbox: { maxAttempts: 100, latencyMs: 20 }, limits: {} });
    const { clock, redisPrefix: prefix } = two;
    let n = 0;
    const phone = (): string => `+1201555${String((n += 1) + 200).padStart(4, '0')}`;
    const calls = (op: string): number => two.sandbox.stats().byOperation[op] ?? 0;
    /** Instance A for even requests of a burst, B for odd ones. */
    const either = (i: number): string => (i % 2 === 0 ? two.a.url : two.b.url);

    afterEach(() => {
      clock.offset = 0;
    });

    it('20 wrong codes at once, split over both instances, make maxAttempts (5) checks, not 5 per instance', async () => {
      const user = await Agent.on(two.a.url);
      const number = phone();
      expect((await user.call(two.a.url, 'POST', '/api/login/send', { phoneNumber: number })).status).toBe(200);
      const wrong = wrongCode(two.sandbox.latestCode(number));
      const before = calls(OPS[api].check);
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => user.twin().call(either(i), 'POST', '/api/login/verify', { code: wrong })));
      expect(calls(OPS[api].check) - before).toBe(5);
      expect(answers.filter((r) => r.body.code === 'invalid_code')).toHaveLength(4);
      // The rest are refused without a check: too_many_attempts, from this instance's queue or from
      // the shared count spent on the other one, or no_pending_verification for a request that read
      // the session after the last wrong code dropped it (how many of each is the machine's timing).
      // Nothing else.
      expect(answers.filter((r) => r.body.code === 'too_many_attempts').length).toBeGreaterThanOrEqual(1);
      expect(answers.map((r) => r.body.code).filter((code) => code !== 'invalid_code' && code !== 'too_many_attempts' && code !== 'no_pending_verification')).toEqual([]);
      // The right code is worth nothing now, on either instance.
      const right = two.sandbox.latestCode(number) ?? '';
      for (const base of [two.a.url, two.b.url]) expect((await user.call(base, 'POST', '/api/login/verify', { code: right })).body.user).toBeUndefined();
    });

    it('wrong codes on alternating instances still count down one budget, and a right code on the last attempt signs in', async () => {
      const user = await Agent.on(two.b.url);
      const number = phone();
      await user.call(two.b.url, 'POST', '/api/login/send', { phoneNumber: number });
      const right = two.sandbox.latestCode(number) ?? '';
      // Each instance sees a session that says 5 left; the shared count says fewer.
      const lefts: Array<number | undefined> = [];
      for (const i of [0, 1, 2, 3]) lefts.push((await user.twin().call(either(i), 'POST', '/api/login/verify', { code: wrongCode(right) })).body.attemptsLeft);
      expect(lefts).toEqual([4, 3, 2, 1]);
      expect((await user.call(two.a.url, 'POST', '/api/login/verify', { code: right })).status).toBe(200);
    });

    it("the verification's shared count lives as long as the code, and the session's count still binds when the shared one is lost", async () => {
      const user = await Agent.on(two.a.url);
      const number = phone();
      const attemptKeys = async (): Promise<string[]> => (await keysUnder(two.redisPrefix)).filter((key) => /attempts:[0-9a-f]{32}$/.test(key));
      const earlier = new Set(await attemptKeys());
      await user.call(two.a.url, 'POST', '/api/login/send', { phoneNumber: number });
      const right = two.sandbox.latestCode(number) ?? '';
      const lefts: Array<number | undefined> = [];
      for (const i of [0, 1]) lefts.push((await user.call(either(i), 'POST', '/api/login/verify', { code: wrongCode(right) })).body.attemptsLeft);
      const mine = (await attemptKeys()).filter((key) => !earlier.has(key));
      expect(mine).toHaveLength(1);
      // Counted until the code expires (ttlSeconds, 600 s), not past it.
      const ttl = await pttlOf(mine[0] as string);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(600_000);
      // The shared count is lost (evicted, a failover): it would say 4 left, the session says 2.
      await deleteKeys(mine);
      for (const i of [2, 3]) lefts.push((await user.call(either(i), 'POST', '/api/login/verify', { code: wrongCode(right) })).body.attemptsLeft);
      expect(lefts).toEqual([4, 3, 2, 1]);
      expect((await user.call(two.b.url, 'POST', '/api/login/verify', { code: right })).status).toBe(200);
    });

    it('20 right codes at once, split over both instances: one sign-in, one provider check that says valid', async () => {
      const user = await Agent.on(two.a.url);
      const number = phone();
      await user.call(two.a.url, 'POST', '/api/login/send', { phoneNumber: number });
      const code = two.sandbox.latestCode(number) ?? '';
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => user.twin().call(either(i), 'POST', '/api/login/verify', { code })));
      expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
      expect(answers.filter((r) => r.setCookie.some((line) => line.startsWith('pd.sid=')) && r.status === 200)).toHaveLength(1);
    });

    it('a second factor passed by 10 requests at once over both instances remembers one device', async () => {
      const user = await Agent.on(two.a.url);
      const signedIn = await user.call(two.a.url, 'POST', '/api/login/password', { username: DEFAULT_DEMO_USER.username, password: DEFAULT_DEMO_USER.password });
      expect(signedIn.status).toBe(200);
      expect((await user.call(two.b.url, 'POST', '/api/2fa/send', {})).status).toBe(200);
      const code = two.sandbox.latestCode(DEFAULT_DEMO_USER.phone) ?? '';
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => user.twin().call(either(i), 'POST', '/api/2fa/verify', { code, rememberDevice: true })));
      expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
      const deviceCookies = answers.flatMap((r) => r.setCookie).filter((line) => line.startsWith('passport-ding.device=') && !/Max-Age=0/i.test(line));
      expect(deviceCookies).toHaveLength(1);
      expect((await keysUnder(`${prefix}device:t:`)).length).toBe(1);
    });

    it('20 fresh sessions sending to one number at once, over both instances: one SMS', async () => {
      const number = phone();
      const agents = await Promise.all(Array.from({ length: 20 }, (_, i) => Agent.on(either(i))));
      const before = calls(OPS[api].send);
      const answers = await Promise.all(agents.map((agent, i) => agent.call(either(i), 'POST', '/api/login/send', { phoneNumber: number })));
      expect(calls(OPS[api].send) - before).toBe(1);
      expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
      expect(answers.filter((r) => r.body.code === 'retry_too_soon')).toHaveLength(19);
    });

    it('20 resends of one session at once, over both instances, once the cooldown has passed: one SMS', async () => {
      const user = await Agent.on(two.a.url);
      const number = phone();
      await user.call(two.a.url, 'POST', '/api/login/send', { phoneNumber: number });
      // The cooldown passes: the app's clock moves, and its key leaves Redis (whose clock a test cannot move).
      clock.advance(31_000);
      await deleteKeys((await keysUnder(prefix)).filter((key) => key.includes('resend-cooldown:')));
      const before = calls(OPS[api].resend);
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => user.twin().call(either(i), 'POST', '/api/login/resend', {})));
      expect(calls(OPS[api].resend) - before).toBe(1);
      expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    });

    it('30 numbers of one block sent to at once over both instances: the block budget (20) holds', async () => {
      // +1 201 666 0xxx: one block of 1,000 numbers, none used by the other tests (+1 201 555 0xxx).
      const numbers = Array.from({ length: 30 }, (_, i) => `+12016660${String(i + 100).padStart(3, '0')}`);
      const agents = await Promise.all(numbers.map((_, i) => Agent.on(either(i))));
      const before = calls(OPS[api].send);
      const answers = await Promise.all(agents.map((agent, i) => agent.call(either(i), 'POST', '/api/login/send', { phoneNumber: numbers[i] })));
      expect(calls(OPS[api].send) - before).toBe(20);
      expect(answers.filter((r) => r.body.code === 'rate_limited')).toHaveLength(10);
    });
  });
}
