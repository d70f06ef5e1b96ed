// Two example instances on different ports, one Redis session store (REDIS_URL, a key prefix of
// its own per run, removed afterwards) and one sandbox: a login started on one instance finishes
// on the other; the resend cooldown, the attempt budget and the send limits hold across both.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisGate } from '../helpers/env.js';
import { csrfFrom, startOn, twoInstancesOnRedis } from '../helpers/example-app.js';
import { wrongCode } from '../helpers/codes.js';
import { deleteKeys, keysUnder } from '../helpers/redis-clients.js';

const SUITE = 'multi-instance suite (test/e2e/multi-instance.test.ts)';

/**
 * One user agent talking to several instances: a cookie jar by hand, because the cookie is the
 * same for every port on 127.0.0.1 (as in a browser behind a load balancer).
 */
class Client {
  cookie = '';
  token = '';

  async request(base: string, path: string, form?: Record<string, string>): Promise<{ status: number; location: string | null; text: string; retryAfter: string | null }> {
    const res = await fetch(`${base}${path}`, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams({ _csrf: this.token, ...form }).toString() : null,
    });
    // Every cookie by name: the session (pd.sid) and the CSRF cookie (pd.csrf).
    for (const set of res.headers.getSetCookie()) {
      const pair = set.split(';')[0] ?? '';
      this.cookie = [...this.cookie.split('; ').filter((c) => c && !c.startsWith(`${pair.split('=')[0]}=`)), pair].join('; ');
    }
    const text = await res.text();
    if (/name="_csrf" value="/.test(text)) this.token = csrfFrom(text);
    return { status: res.status, location: res.headers.get('location'), text, retryAfter: res.headers.get('retry-after') };
  }
}

if (redisGate(SUITE)) {
  describe(SUITE, () => {
    // Same secret and store on both: either instance can read the other's sessions. The example
    // on the sandbox's Ding V1 API, with the library's default limits (counted in Redis).
    const two = twoInstancesOnRedis('multi-instance', { start: startOn('ding'), limits: {} });
    const { clock, redisPrefix: prefix } = two;
    let n = 400;
    const phone = (): string => `+1201555${String((n += 1)).padStart(4, '0')}`;

    /**
     * Thirty seconds pass: the test clock moves, and the resend-cooldown keys go from Redis, whose
     * own clock (which times their expiry) a test cannot move.
     */
    async function cooldownPasses(): Promise<void> {
      clock.advance(31_000);
      const keys = (await keysUnder(prefix)).filter((key) => key.includes('resend-cooldown:'));
      await deleteKeys(keys);
    }

    beforeAll(() => {
      expect(two.a.url).not.toBe(two.b.url);
    });

    afterEach(() => {
      clock.offset = 0;
    });

    it('sends on A, verifies on B, and is signed in on both', async () => {
      const user = new Client();
      const number = phone();
      await user.request(two.a.url, '/login');
      expect(await user.request(two.a.url, '/login/phone', { phoneNumber: number })).toMatchObject({ status: 303, location: '/login/code' });

      const codePage = await user.request(two.b.url, '/login/code');
      expect(codePage.status).toBe(200);
      expect(codePage.text).toContain(`+1•••••${number.slice(-4)}`);
      const done = await user.request(two.b.url, '/login/code', { code: two.sandbox.latestCode(number) ?? '' });
      expect(done).toMatchObject({ status: 303, location: '/account' });

      for (const base of [two.a.url, two.b.url]) {
        const profile = await user.request(base, '/account');
        expect(profile.status).toBe(200);
        expect(profile.text).toContain('Hello, Phone user');
      }
      // The sessions really are in Redis under this run's prefix.
      expect((await keysUnder(prefix)).length).toBeGreaterThan(0);
    });

    it('holds the resend cooldown across instances', async () => {
      const user = new Client();
      const number = phone();
      await user.request(two.a.url, '/login');
      await user.request(two.a.url, '/login/phone', { phoneNumber: number });

      const early = await user.request(two.b.url, '/login/resend', {});
      expect(early.status).toBe(429);
      expect(early.retryAfter).toBe('30');
      // A fresh session (an attacker's, or a second tab) cannot have the code sent again either.
      const other = new Client();
      await other.request(two.b.url, '/login');
      const repeated = await other.request(two.b.url, '/login/phone', { phoneNumber: number });
      expect(repeated.status).toBe(429);
      expect(repeated.text).toContain('Please wait before requesting another code.');
      await cooldownPasses();
      expect(await user.request(two.a.url, '/login/resend', {})).toMatchObject({ status: 303, location: '/login/code' });
      const again = await user.request(two.b.url, '/login/resend', {});
      expect(again.status).toBe(429);
      expect(again.text).toContain('Please wait before requesting another code.');

      const page = await user.request(two.b.url, '/login/code');
      expect(page.text).toMatch(/\d+ resends? left/);
      expect(await user.request(two.a.url, '/login/code', { code: two.sandbox.latestCode(number) ?? '' })).toMatchObject({ status: 303, location: '/account' });
    });

    it('counts wrong codes across instances and drops the verification when they run out', async () => {
      const user = new Client();
      const number = phone();
      await user.request(two.b.url, '/login');
      await user.request(two.b.url, '/login/phone', { phoneNumber: number });
      const right = two.sandbox.latestCode(number) ?? '';
      const wrong = wrongCode(right);

      const seen: string[] = [];
      for (const base of [two.a.url, two.b.url, two.a.url, two.b.url]) {
        const res = await user.request(base, '/login/code', { code: wrong });
        expect(res.status).toBe(401);
        seen.push(/(\d+) attempts? left/.exec(res.text)?.[1] ?? '?');
      }
      expect(seen).toEqual(['4', '3', '2', '1']);
      // The fifth wrong code spends the budget and drops the verification: no code field any more,
      // the phone form instead.
      const fifth = await user.request(two.a.url, '/login/code', { code: wrong });
      expect(fifth.status).toBe(429);
      expect(fifth.text).toContain('Too many wrong codes.');
      expect(fifth.text).not.toContain('name="code"');
      // Nothing pending any more, on either instance; the right code is worthless now.
      expect(await user.request(two.b.url, '/login/code')).toMatchObject({ status: 303, location: '/login' });
      expect((await user.request(two.b.url, '/login/code', { code: right })).status).toBe(403);
    });

    it('counts the per-number send limit in Redis, across instances', async () => {
      const number = phone();
      // Five codes to one number, from five sessions, alternating instances: each instance alone
      // would allow five (in memory); together they have five.
      for (const base of [two.a.url, two.b.url, two.a.url, two.b.url, two.a.url]) {
        const user = new Client();
        await user.request(base, '/login');
        expect(await user.request(base, '/login/phone', { phoneNumber: number })).toMatchObject({ status: 303 });
        await cooldownPasses();
      }
      const user = new Client();
      await user.request(two.b.url, '/login');
      const sixth = await user.request(two.b.url, '/login/phone', { phoneNumber: number });
      expect(sixth.status).toBe(429);
      expect(sixth.text).toContain('Too many requests.');
      expect((await keysUnder(prefix)).some((key) => key.startsWith(`${prefix}limit:`))).toBe(true);
    });

    it('signs in exactly once when both instances get the right code at the same time', async () => {
      const user = new Client();
      const number = phone();
      await user.request(two.a.url, '/login');
      await user.request(two.a.url, '/login/phone', { phoneNumber: number });
      const code = two.sandbox.latestCode(number) ?? '';
      // Two copies of the same agent (same cookie and token), one per instance.
      const twin = Object.assign(new Client(), { cookie: user.cookie, token: user.token });
      const results = await Promise.all([
        user.request(two.a.url, '/login/code', { code }),
        twin.request(two.b.url, '/login/code', { code }),
      ]);
      const signedIn = results.filter((r) => r.status === 303 && r.location === '/account');
      expect(signedIn).toHaveLength(1);
    });
  });
}
