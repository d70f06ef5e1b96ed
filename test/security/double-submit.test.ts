// A double-tapped verify (a double form submit, a client's retry) sends the right code twice in
// one session: both requests load the session, with its pending verification, before either is
// checked. The first signs in, and Passport's req.logIn() regenerates the session: the old id is
// destroyed in the store and the 200 sets the new one. The second, queued behind it, finds the
// verification finished and is refused (403 no_pending_verification). It must answer without
// touching its copy of the session: before the fix it removed the pending state from that copy
// and saved it, so express-session (with `cookie.maxAge`, as most apps set it) sent a Set-Cookie
// with the OLD id, and the save wrote the destroyed session back to the store. A client that
// received the 403 after the 200 kept the old id: signed out right after a successful login.
//
// Real HTTP to the sandbox (both providers), real express-session on its memory store and on
// connect-redis with real Redis. The race is made deterministic: both requests wait at a barrier
// until each has loaded the session, and every store write of the old id is held until the 200
// has arrived, the worst order a slower store or a busier process gives.
import express from 'express';
import type { RequestHandler } from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DingOtpStrategy } from 'passport-ding';
import { barrier } from '../helpers/barrier.js';
import { doubleTapApp, sidOf, stored, type Answer } from '../helpers/double-tap-app.js';
import { wrongCode } from '../helpers/codes.js';
import { REQUIRE_ALL } from '../helpers/env.js';
import { until } from '../helpers/wait.js';
import type { Harness, ProviderName } from '../helpers/harness.js';
import { harness, PROVIDERS } from '../helpers/harness.js';
import type { TestUser } from '../helpers/users.js';

const SUITE = 'double-submitted verify (test/security/double-submit.test.ts)';
const PREFIX = 'passport-ding-test:double-submit:';
const COOKIE = 'connect.sid';

/** A real store whose writes of chosen session ids wait until released (reads and deletes do not). */
function holding(store: session.Store): { store: session.Store; hold(sid: string): void; release(): void; writes: string[] } {
  const held = new Set<string>();
  let waiting: Array<() => void> = [];
  const writes: string[] = [];
  const set = store.set.bind(store);
  store.set = (sid, sess, callback) => {
    writes.push(sid);
    if (!held.has(sid)) return set(sid, sess, callback);
    waiting.push(() => set(sid, sess, callback));
  };
  return {
    store,
    writes,
    hold: (sid) => held.add(sid),
    release: () => {
      held.clear();
      for (const go of waiting.splice(0)) go();
      waiting = [];
    },
  };
}

class Client {
  cookie = '';
  constructor(readonly base: string) {}

  async call(method: 'GET' | 'POST', path: string, body?: object, paired = false): Promise<Answer> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { ...(paired ? { 'x-pair': '1' } : {}), ...(this.cookie ? { cookie: `${COOKIE}=${this.cookie}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : null,
    });
    const line = res.headers.getSetCookie().find((l) => l.startsWith(`${COOKIE}=`));
    const cookie = line?.split(';')[0]?.slice(COOKIE.length + 1);
    return { status: res.status, body: (await res.json()) as Answer['body'], cookie };
  }

  /** Takes an answer's cookie as a browser would when that answer arrives. */
  take(answer: Answer): void {
    if (answer.cookie !== undefined) this.cookie = answer.cookie;
  }
}

interface Running {
  url: string;
  held: ReturnType<typeof holding>;
  close(): Promise<void>;
}

/** Login and second-factor routes as a JSON client calls them; the session with `cookie.maxAge`. */
async function start(h: Harness, store: session.Store, strategies: { login: DingOtpStrategy; second: DingOtpStrategy }): Promise<Running> {
  const held = holding(store);
  const both = barrier(2);
  // The two requests of a pair() wait here, each with the session loaded, until the other has too.
  const together: RequestHandler = (req, res, next) => (req.headers['x-pair'] === '1' ? both(req, res, next) : next());
  const app = doubleTapApp({ users: h.users, store: held.store, strategies, together });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    held,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Sends two verifies with the same cookie at once; the old id's store writes are held until a 200
 * has arrived (or both have answered). Answers in the order `first`, `second` were given.
 */
async function pair(run: Running, client: Client, path: string, first: string, second: string): Promise<Answer[]> {
  const oldSid = sidOf(client.cookie);
  run.held.hold(oldSid);
  const twin = (): Client => Object.assign(new Client(client.base), { cookie: client.cookie });
  const calls = [first, second].map((code) =>
    twin()
      .call('POST', path, { code }, true)
      .then((answer) => {
        if (answer.status === 200) run.held.release();
        return answer;
      }),
  );
  try {
    return await Promise.all(calls);
  } finally {
    run.held.release();
  }
}

const redisUrl = process.env.REDIS_URL;
if (!redisUrl && REQUIRE_ALL) throw new Error(`${SUITE}: REDIS_URL is not set`);
const STORES = redisUrl ? (['memory', 'redis'] as const) : (['memory'] as const);

describe.each(PROVIDERS.flatMap((p) => STORES.map((s): [ProviderName, string] => [p, s])))(`${SUITE}: %s, %s store`, (provider, storeName) => {
  // Latency keeps a check at the provider long enough for a second request to queue behind it.
  const h = harness(express as never, { latencyMs: 100 }, provider);
  const redis = createClient({ url: redisUrl ?? 'redis://127.0.0.1:6390' });
  redis.on('error', () => undefined);
  const prefix = `${PREFIX}${provider}:`;
  beforeAll(async () => {
    if (storeName === 'redis') await redis.connect();
  });
  afterAll(async () => {
    if (!redis.isOpen) return;
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(keys);
    await redis.close();
  });
  let n = 0;
  const phone = (): string => `+1201555${String((n += 1) + 600).padStart(4, '0')}`;

  async function setup(): Promise<{ run: Running; client: Client; store: session.Store }> {
    const store = storeName === 'redis' ? new RedisStore({ client: redis, prefix }) : new session.MemoryStore();
    const run = await start(h, store, {
      login: h.strategy(),
      second: h.strategy({ sessionKey: 'passport-ding-2fa', secondFactor: (req) => (req.user as TestUser | undefined)?.phoneNumber }),
    });
    return { run, client: new Client(run.url), store };
  }

  it('the right code twice at once: one 200 and one 403 without a Set-Cookie, the old id not written back, still signed in', async () => {
    const { run, client, store } = await setup();
    try {
      const number = phone();
      client.take(await client.call('POST', '/login/send', { phoneNumber: number }));
      const oldSid = sidOf(client.cookie);
      const code = h.code(number);
      const checks = h.counter('check');
      const writes = run.held.writes.length;
      const answers = await pair(run, client, '/login/verify', code, code);

      const won = answers.find((a) => a.status === 200);
      const lost = answers.find((a) => a.status !== 200);
      expect(won?.body.user?.phoneNumber).toBe(number);
      expect(lost).toMatchObject({ status: 403, body: { code: 'no_pending_verification' } });
      // One check: the loser was answered from the queue's ledger.
      expect(checks()).toBe(1);
      // The winner set the new id; the loser set no cookie at all (before the fix: the old id).
      expect(won?.cookie).toBeDefined();
      expect(sidOf(won?.cookie ?? '')).not.toBe(oldSid);
      expect(lost?.cookie).toBeUndefined();
      // Nothing wrote the destroyed session back (before the fix the loser's save did).
      expect(run.held.writes.slice(writes)).not.toContain(oldSid);
      expect(await stored(store, oldSid)).toBeFalsy();
      // The 403 arriving last leaves the client signed in.
      client.take(won as Answer);
      client.take(lost as Answer);
      expect((await client.call('GET', '/me')).body.user?.phoneNumber).toBe(number);
    } finally {
      await run.close();
    }
  });

  it('the right code then a wrong one: the wrong one is refused (403) without a Set-Cookie, and not checked', async () => {
    const { run, client, store } = await setup();
    try {
      const number = phone();
      client.take(await client.call('POST', '/login/send', { phoneNumber: number }));
      const oldSid = sidOf(client.cookie);
      const code = h.code(number);
      const checks = h.counter('check');
      // The barrier lets both go at once; the queue runs whichever reaches it first. Both orders
      // end with one login; only "right first" has a loser to look at.
      const answers = await pair(run, client, '/login/verify', code, wrongCode(code));
      const won = answers.find((a) => a.status === 200);
      const lost = answers.find((a) => a.status !== 200);
      expect(won).toBeDefined();
      if (checks() === 1) {
        expect(lost).toMatchObject({ status: 403, body: { code: 'no_pending_verification' } });
        expect(lost?.cookie).toBeUndefined();
      } else {
        // The wrong code ran first: 401 invalid_code, saved before the right one was checked.
        expect(lost).toMatchObject({ status: 401, body: { code: 'invalid_code' } });
      }
      expect(await stored(store, oldSid)).toBeFalsy();
      client.take(won as Answer);
      client.take(lost as Answer);
      expect((await client.call('GET', '/me')).body.user?.phoneNumber).toBe(number);
    } finally {
      await run.close();
    }
  });

  it('second factor: the right code twice at once leaves the new session signed in with both factors, the old id (first factor only) gone', async () => {
    const { run, client, store } = await setup();
    try {
      const number = phone();
      const user = h.users.add(number);
      client.take(await client.call('POST', '/login/password', { userId: user.id }));
      client.take(await client.call('POST', '/2fa/send', {}));
      const oldSid = sidOf(client.cookie);
      expect(await stored(store, oldSid)).toBeTruthy();
      const code = h.code(number);
      const answers = await pair(run, client, '/2fa/verify', code, code);
      const won = answers.find((a) => a.status === 200);
      const lost = answers.find((a) => a.status !== 200);
      expect(won?.body.secondFactor).toBe(true);
      expect(lost).toMatchObject({ status: 403, body: { code: 'no_pending_verification' } });
      expect(lost?.cookie).toBeUndefined();
      // Before the fix the old id came back signed in with the first factor only.
      expect(await stored(store, oldSid)).toBeFalsy();
      client.take(won as Answer);
      client.take(lost as Answer);
      expect((await client.call('GET', '/me')).body).toMatchObject({ user: { id: user.id }, secondFactor: true });
    } finally {
      await run.close();
    }
  });

  it('a resend tapped while the right code is being checked: refused (403) from the queue, without a Set-Cookie, the old id not written back', async () => {
    const { run, client, store } = await setup();
    try {
      const number = phone();
      client.take(await client.call('POST', '/login/send', { phoneNumber: number }));
      const oldSid = sidOf(client.cookie);
      const code = h.code(number);
      // Past the resend cooldown: a resend that ran first would be sent, not refused.
      h.clock.advance(31_000);
      const checks = h.counter('check');
      const resends = h.counter('resend');
      run.held.hold(oldSid);
      const twin = (): Client => Object.assign(new Client(client.base), { cookie: client.cookie });
      const release = (answer: Answer): Answer => {
        if (answer.status === 200) run.held.release();
        return answer;
      };
      let answers: Answer[];
      try {
        const verifying = twin().call('POST', '/login/verify', { code }).then(release);
        // The verify is in the queue, its check at the provider (held there by the sandbox's
        // latency), before the resend arrives: the resend queues behind it.
        await until(() => checks() === 1);
        const resending = twin().call('POST', '/login/resend', {}).then(release);
        answers = await Promise.all([verifying, resending]);
      } finally {
        run.held.release();
      }
      const [won, lost] = answers;
      expect(won?.body.user?.phoneNumber).toBe(number);
      expect(lost).toMatchObject({ status: 403, body: { code: 'no_pending_verification' } });
      expect(resends()).toBe(0);
      expect(lost?.cookie).toBeUndefined();
      expect(await stored(store, oldSid)).toBeFalsy();
      client.take(won as Answer);
      client.take(lost as Answer);
      expect((await client.call('GET', '/me')).body.user?.phoneNumber).toBe(number);
    } finally {
      await run.close();
    }
  });
});
