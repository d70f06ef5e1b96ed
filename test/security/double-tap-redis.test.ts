// A double-tapped verify across two app instances: the usual production set-up (connect-redis
// sessions and the limits in one Redis, a round-robin load balancer) sends the two requests of a
// double tap to different instances. One signs in, and Passport's req.logIn() regenerates the
// session: the old id is destroyed in the store and the 200 sets the new one. The other instance
// never sees that login: its check queue is its own. Its request reaches the provider, or finds
// the number's window given back by the login (Prelude), and is refused (403
// no_pending_verification). It must answer without touching its copy of the session, as the
// request queued behind the login on one instance does (test/security/double-submit.test.ts):
// changed, express-session (with `cookie.maxAge`) sets a cookie with the OLD id and saves the
// destroyed session back to the store, and a client that gets the 403 after the 200 is signed out
// (in second-factor mode the old session comes back signed in with the first factor only).
//
// What the loser sees: Ding answers `already_validated`; Prelude answers `expired_or_not_found`
// (the winner's check closed the verification), or, if the loser runs after the winner's check,
// its window given back by the winner. Both say that a right code of this session ended it.
//
// Two Express apps in this process, each with its own strategy (its own check queue) and its own
// Redis clients, one sandbox (both providers), one Redis. The race is made deterministic: both
// requests wait at a barrier until each has loaded the session; then either the winner's verify
// callback (the app's user lookup) waits until the loser has answered ('loser first': the old
// session still in the store, the login not yet made), or the second instance's request waits for
// the first one's 200 ('login first'); every store write of the old id is held until the 200.
import express from 'express';
import type { Express, RequestHandler } from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DingOtpStrategy } from 'passport-ding';
import { barrier } from '../helpers/barrier.js';
import { doubleTapApp, sidOf, stored, type Answer } from '../helpers/double-tap-app.js';
import { redisGate } from '../helpers/env.js';
import type { Harness, ProviderName } from '../helpers/harness.js';
import { harness, PROVIDERS } from '../helpers/harness.js';
import { until } from '../helpers/wait.js';
import type { TestUser } from '../helpers/users.js';

const SUITE = 'double-tapped verify across two instances (test/security/double-tap-redis.test.ts)';
const PREFIX = 'passport-ding-test:double-tap-redis:';
const COOKIE = 'connect.sid';
const KEY_SECRET = 'double tap across instances';

type Redis = ReturnType<typeof createClient>;

/** A real store whose writes of chosen session ids wait until released (reads and deletes do not). */
function holding(store: session.Store, held: Set<string>, waiting: Array<() => void>, writes: string[]): session.Store {
  const set = store.set.bind(store);
  store.set = (sid, sess, callback) => {
    writes.push(sid);
    if (!held.has(sid)) return set(sid, sess, callback);
    waiting.push(() => set(sid, sess, callback));
  };
  return store;
}

async function call(base: string, cookie: string, method: 'GET' | 'POST', path: string, body?: object, paired = false, extra: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...extra, ...(paired ? { 'x-pair': '1' } : {}), ...(cookie ? { cookie: `${COOKIE}=${cookie}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : null,
  });
  const line = res.headers.getSetCookie().find((l) => l.startsWith(`${COOKIE}=`));
  return { status: res.status, body: (await res.json()) as Answer['body'], cookie: line?.split(';')[0]?.slice(COOKIE.length + 1) };
}

if (redisGate(SUITE)) {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6390';

  // 'loser first': the winner's user lookup waits until the loser has answered (the loser learns
  // the least: the old session still in the store). 'login first': the request to the second
  // instance waits, session loaded, until the first one's 200 (the old session destroyed).
  const ORDERS = ['loser first', 'login first'] as const;
  describe.each(PROVIDERS.flatMap((p) => ORDERS.map((o): [ProviderName, (typeof ORDERS)[number]] => [p, o])))(`${SUITE}: %s, %s`, (provider, order) => {
    // Latency keeps both checks at the provider at once, as a double tap does.
    const h: Harness = harness(express as never, { latencyMs: 50 }, provider);
    const prefix = `${PREFIX}${provider}:${order === 'login first' ? 'after' : 'before'}:`;
    const clients: Redis[] = [];
    const client = (): Redis => {
      const c = createClient({ url: redisUrl });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    };
    // One pair of clients per instance: sessions and limits (as docs/deploying.md sets it up).
    const redis = [client(), client()];
    const cleaner = client();
    beforeAll(async () => {
      await Promise.all(clients.map((c) => c.connect()));
    });
    afterAll(async () => {
      const keys = await cleaner.keys(`${prefix}*`);
      if (keys.length > 0) await cleaner.del(keys);
      await Promise.all(clients.map((c) => c.close()));
    });
    let n = 0;
    const phone = (): string => `+1201555${String((n += 1) + 700).padStart(4, '0')}`;

    interface Pair {
      urls: [string, string];
      store: session.Store;
      hold(sid: string): void;
      release(): void;
      writes: string[];
      /** The loser's answer has arrived: the winner's login may go on. */
      lost(): void;
      /** The winner's answer has arrived. */
      won(): void;
      /** How many requests wait for the login's 200 ('login first'). */
      parked(): number;
      close(): Promise<void>;
    }

    /** Two instances: each its own strategies (login and second factor) on the shared Redis. */
    async function twoInstances(): Promise<Pair> {
      const held = new Set<string>();
      const waiting: Array<() => void> = [];
      const writes: string[] = [];
      const both = barrier(2);
      let lost!: () => void;
      const loserAnswered = new Promise<void>((resolve) => (lost = resolve));
      // The winner's user lookup waits for the loser's answer (at most 3 s: a loser that waits for
      // the login is a failure the assertions show, not a hang).
      const afterLoser = (): Promise<void> =>
        order === 'loser first' ? Promise.race([loserAnswered, new Promise<void>((resolve) => setTimeout(resolve, 3_000))]) : Promise.resolve();
      let won!: () => void;
      const winnerAnswered = new Promise<void>((resolve) => (won = resolve));
      const servers: Array<ReturnType<Express['listen']>> = [];
      const parked = { count: 0 };
      const urls: string[] = [];
      const stores: session.Store[] = [];
      for (const i of [0, 1]) {
        const limits = { store: { redis: redis[i] as object, prefix: `${prefix}limits:` }, keySecret: KEY_SECRET };
        // No resend cooldown: a resend reaches the provider at once (Redis counts the cooldown on
        // its own clock, which the test clock does not move).
        const login = h.strategy({ limits, resendCooldownSeconds: 0 }, async (number) => (await afterLoser(), h.users.findOrCreate(number)));
        const second = h.strategy(
          { limits, sessionKey: 'passport-ding-2fa', secondFactor: (req) => (req.user as TestUser | undefined)?.phoneNumber },
          async (number) => (await afterLoser(), h.users.findOrCreate(number)),
        );
        const store = holding(new RedisStore({ client: redis[i], prefix: `${prefix}sess:` }), held, waiting, writes);
        stores.push(store);
        // 'login first': instance 1's request goes on, past the barrier, once instance 0 has answered 200.
        const wait = order === 'login first' && i === 1 ? winnerAnswered : undefined;
        servers.push(await listen(h, store, { login, second }, both, wait, parked));
      }
      for (const server of servers) urls.push(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
      return {
        urls: urls as [string, string],
        store: stores[0] as session.Store,
        hold: (sid) => held.add(sid),
        release: () => {
          held.clear();
          for (const go of waiting.splice(0)) go();
        },
        writes,
        lost: () => lost(),
        won: () => won(),
        parked: () => parked.count,
        close: async () => {
          await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
        },
      };
    }

    /** The right code twice at once with one cookie, one request to each instance. */
    async function doubleTap(pair: Pair, cookie: string, path: string, code: string): Promise<{ won: Answer | undefined; lost: Answer | undefined }> {
      const oldSid = sidOf(cookie);
      pair.hold(oldSid);
      const answers = await Promise.all(
        pair.urls.map((url) =>
          call(url, cookie, 'POST', path, { code }, true).then((answer) => {
            if (answer.status === 200) {
              pair.release();
              pair.won();
            } else pair.lost();
            return answer;
          }),
        ),
      ).finally(() => pair.release());
      return { won: answers.find((a) => a.status === 200), lost: answers.find((a) => a.status !== 200) };
    }

    it('login: one 200 and one 403 without a Set-Cookie; the old id not written back; still signed in', async () => {
      const pair = await twoInstances();
      try {
        const number = phone();
        const sent = await call(pair.urls[0], '', 'POST', '/login/send', { phoneNumber: number });
        expect(sent.status).toBe(200);
        const cookie = sent.cookie as string;
        const oldSid = sidOf(cookie);
        const checksBefore = h.calls('check');
        const writes = pair.writes.length;
        const { won, lost } = await doubleTap(pair, cookie, '/login/verify', h.code(number));
        expect(won?.body.user?.phoneNumber).toBe(number);
        expect(lost).toMatchObject({ status: 403, body: { code: 'no_pending_verification' } });
        expect(h.calls('check') - checksBefore).toBeLessThanOrEqual(2);
        // Prelude, the loser after the login: the window given back is refused before the
        // provider (verify.ts's windowState check), not by Prelude's answer to a second check.
        if (provider === 'prelude' && order === 'login first') expect(h.calls('check') - checksBefore).toBe(1);
        expect(sidOf(won?.cookie ?? '')).not.toBe(oldSid);
        // The loser set no cookie (before the fix: the old id) and wrote nothing back.
        expect(lost?.cookie).toBeUndefined();
        expect(pair.writes.slice(writes)).not.toContain(oldSid);
        expect(await stored(pair.store, oldSid)).toBeFalsy();
        // Whichever answer the client kept last, it is signed in.
        const kept = lost?.cookie ?? (won?.cookie as string);
        expect((await call(pair.urls[1], kept, 'GET', '/me')).body.user?.phoneNumber).toBe(number);
        expect((await call(pair.urls[0], kept, 'GET', '/me')).body.user?.phoneNumber).toBe(number);
      } finally {
        await pair.close();
      }
    });

    it('second factor: signed in with both factors on either instance; the old id (first factor only) gone', async () => {
      const pair = await twoInstances();
      try {
        const number = phone();
        const user = h.users.add(number);
        const first = await call(pair.urls[0], '', 'POST', '/login/password', { userId: user.id });
        const sent = await call(pair.urls[1], first.cookie as string, 'POST', '/2fa/send', {});
        expect(sent.status).toBe(200);
        const cookie = sent.cookie ?? (first.cookie as string);
        const oldSid = sidOf(cookie);
        expect(await stored(pair.store, oldSid)).toBeTruthy();
        const writes = pair.writes.length;
        const { won, lost } = await doubleTap(pair, cookie, '/2fa/verify', h.code(number));
        expect(won?.body.secondFactor).toBe(true);
        expect(lost).toMatchObject({ status: 403, body: { code: 'no_pending_verification' } });
        expect(lost?.cookie).toBeUndefined();
        expect(pair.writes.slice(writes)).not.toContain(oldSid);
        expect(await stored(pair.store, oldSid)).toBeFalsy();
        const kept = lost?.cookie ?? (won?.cookie as string);
        expect((await call(pair.urls[0], kept, 'GET', '/me')).body).toMatchObject({ user: { id: user.id }, secondFactor: true });
      } finally {
        await pair.close();
      }
    });
    // A resend tapped on the other instance, its session loaded, while the right code is at the
    // provider: it reaches the provider after the check (Ding answers already_validated; Prelude,
    // whose window the check closed, opens a new verification and sends a code), or, in the 'login
    // first' order, runs after the login (Ding: already_validated; Prelude: the window given back).
    it('a resend tapped on the other instance while the right code is checked: 403 without a Set-Cookie, the old id not written back', async () => {
      const pair = await twoInstances();
      try {
        const number = phone();
        const sent = await call(pair.urls[0], '', 'POST', '/login/send', { phoneNumber: number });
        const cookie = sent.cookie as string;
        const oldSid = sidOf(cookie);
        const code = h.code(number);
        const checks = h.counter('check');
        const resends = h.counter('resend');
        pair.hold(oldSid);
        const writes = pair.writes.length;
        let won: Answer | undefined;
        let lost: Answer | undefined;
        try {
          const resend = (): Promise<Answer> =>
            call(pair.urls[1], cookie, 'POST', '/login/resend', {}, false, { 'x-after-login': '1' }).then((answer) => {
              pair.lost();
              return answer;
            });
          // 'login first': the resend has loaded the session and waits for the login's 200.
          const early = order === 'login first' ? resend() : undefined;
          if (early) await until(() => pair.parked() === 1);
          const verifying = call(pair.urls[0], cookie, 'POST', '/login/verify', { code }).then((answer) => {
            if (answer.status === 200) {
              pair.release();
              pair.won();
            }
            return answer;
          });
          // 'loser first': the resend goes once the check is at the provider (held there by the
          // sandbox's latency), and reaches it after the check.
          if (!early) await until(() => checks() === 1);
          [won, lost] = await Promise.all([verifying, early ?? resend()]);
        } finally {
          pair.release();
        }
        expect(won?.body.user?.phoneNumber).toBe(number);
        expect(lost).toMatchObject({ status: 403, body: { code: 'no_pending_verification' } });
        // Prelude, the resend after the login: the window given back is refused before the
        // provider (retry.ts's windowState check): no SMS paid for a code nobody can use.
        if (provider === 'prelude' && order === 'login first') expect(resends()).toBe(0);
        expect(lost?.cookie).toBeUndefined();
        expect(pair.writes.slice(writes)).not.toContain(oldSid);
        expect(await stored(pair.store, oldSid)).toBeFalsy();
        expect((await call(pair.urls[1], won?.cookie as string, 'GET', '/me')).body.user?.phoneNumber).toBe(number);
      } finally {
        await pair.close();
      }
    });
  });
}

/** Login and second-factor routes as a JSON client calls them; the session with `cookie.maxAge`. */
async function listen(
  h: Harness,
  store: session.Store,
  strategies: { login: DingOtpStrategy; second: DingOtpStrategy },
  both: RequestHandler,
  wait: Promise<void> | undefined,
  parked: { count: number },
): Promise<ReturnType<Express['listen']>> {
  // The two requests of a double tap wait here, each with the session loaded, until the other has too.
  const together: RequestHandler = (req, res, next) => {
    if (req.headers['x-pair'] !== '1') return next();
    both(req, res, wait ? () => void wait.then(() => next()) : next);
  };
  // 'login first': a resend marked x-after-login waits here, its session loaded, for the login's 200.
  const afterLogin: RequestHandler = (req, _res, next) => {
    if (req.headers['x-after-login'] !== '1' || !wait) return next();
    parked.count += 1;
    void wait.then(() => next());
  };
  const app = doubleTapApp({ users: h.users, store, strategies, together, beforeResend: afterLogin });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return server;
}
