// The example's JSON API tapped twice: the right code sent twice at once from one session (a
// double tap, a client's retry). One request signs in, and the login renews the session id; the
// other is refused with `no_pending_verification` and must not set the session cookie: with the
// old id, arriving after the login's answer, it would sign the user out (test/security/double-
// submit.test.ts has the library's side). One instance, sessions in Redis, both providers; the
// sandbox's latency keeps the first check at the provider while the second request loads the
// session.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DingSandbox } from 'passport-ding/sandbox';
import { createClient } from 'redis';
import { redisGate } from '../helpers/env.js';
import { sandboxApi, sessionCookie, startExample, startSandbox, TestClock, type RunningExample } from '../helpers/example-app.js';

interface Answer {
  status: number;
  body: { code?: string; user?: { id?: string; signedIn?: boolean } | null; csrfToken?: string };
  /** The value of the session cookie (`pd.sid`) this answer set, if any. */
  cookie: string | undefined;
}

/** One user agent of the JSON API, its cookies kept by hand; `twin()` is the same agent again. */
class Agent {
  cookies = new Map<string, string>();
  token = '';
  constructor(readonly base: string) {}

  twin(): Agent {
    return Object.assign(new Agent(this.base), { cookies: new Map(this.cookies), token: this.token });
  }

  async call(method: 'GET' | 'POST', path: string, body?: object): Promise<Answer> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { ...(cookie ? { cookie } : {}), ...(body ? { 'content-type': 'application/json', 'x-csrf-token': this.token } : {}) },
      body: body ? JSON.stringify(body) : null,
    });
    const lines = res.headers.getSetCookie();
    // Other cookies (the CSRF one) as they come; the session cookie when the test takes the answer.
    for (const line of lines.filter((l) => !l.startsWith('pd.sid='))) {
      const pair = line.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const parsed = (await res.json().catch(() => ({}))) as Answer['body'];
    if (typeof parsed.csrfToken === 'string') this.token = parsed.csrfToken;
    const answer = { status: res.status, body: parsed, cookie: sessionCookie(lines) };
    this.take(answer);
    return answer;
  }

  /** Takes an answer's session cookie, as a cookie jar does when that answer arrives. */
  take(answer: Answer): void {
    if (answer.cookie !== undefined) this.cookies.set('pd.sid', answer.cookie);
  }
}

const SUITE = 'example: a double-tapped verify (test/example/double-tap.test.ts)';

if (redisGate(SUITE)) {
  describe.each(['prelude', 'ding'] as const)(`${SUITE}: %s`, (api) => {
    const redisUrl = process.env.REDIS_URL as string;
    const prefix = `passport-ding-test:double-tap:${process.pid}:${randomUUID()}:`;
    const clock = new TestClock();
    let sandbox: DingSandbox;
    let example: RunningExample;
    let n = 0;
    const phone = (): string => `+1201555${String((n += 1) + 700).padStart(4, '0')}`;

    beforeAll(async () => {
      sandbox = await startSandbox(clock, { latencyMs: 150 });
      example = await startExample(sandbox, clock, { ding: sandboxApi(sandbox, api), redisUrl, redisPrefix: prefix, sessionSecret: `s-${randomUUID()}` });
    });

    afterAll(async () => {
      await example?.stop();
      await sandbox?.close();
      const redis = createClient({ url: redisUrl });
      await redis.connect();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(keys);
      await redis.close();
    });

    it('the right code twice at once: one sign-in, a 403 without a session cookie, and the user stays signed in whichever answer comes last', async () => {
      const user = new Agent(example.url);
      await user.call('GET', '/api/session');
      const number = phone();
      expect((await user.call('POST', '/api/login/send', { phoneNumber: number })).status).toBe(200);
      const code = sandbox.latestCode(number) ?? '';
      const answers = await Promise.all([user.twin().call('POST', '/api/login/verify', { code }), user.twin().call('POST', '/api/login/verify', { code })]);

      const won = answers.find((a) => a.status === 200);
      const lost = answers.find((a) => a.status !== 200);
      expect(won?.body.user?.signedIn).toBe(true);
      expect(won?.cookie).toBeDefined();
      expect(lost).toMatchObject({ status: 403, body: { code: 'no_pending_verification' } });
      expect(lost?.cookie).toBeUndefined();
      // The 403 arriving last leaves the cookie of the login.
      user.take(won as Answer);
      user.take(lost as Answer);
      expect((await user.call('GET', '/api/session')).body.user).toEqual(won?.body.user);
    });
  });
}
