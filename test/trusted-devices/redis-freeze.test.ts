// Trusted devices on a Redis that stops answering without closing its connections: a
// redis-server of this suite's own paused with SIGSTOP (test/helpers/redis-server.ts), the client
// with no timeout of its own, so only the store's `timeoutMs` (lib/redis-deadline.ts) ends the
// wait. Frozen: isTrustedDevice() rejects with TrustedDeviceStoreError instead of hanging, and a
// login asking to remember its device succeeds without the cookie; thawed: the same client
// serves again, and the add that came after its deadline is in Redis with no one holding its
// token (as lib/trusted-devices/redis-store.ts says). No unhandled rejection. Both clients.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { TrustedDeviceStoreError } from 'passport-ding';
import { userKey } from '../../lib/pending.js';
import { CookieClient } from '../helpers/cookie-client.js';
import { connectSocket, frozenRedisSuite, redisServerGate } from '../helpers/redis-server.js';
import { COOKIE, trustedApp } from '../helpers/trusted-app.js';
import { within } from '../helpers/wait.js';

const ALICE_PHONE = '+14155552671';
const BOB_PHONE = '+14155552672';

if (redisServerGate('trusted devices on a frozen Redis')) {
  const own = frozenRedisSuite();

  describe.each(['node-redis', 'ioredis'] as const)('trusted devices on a frozen Redis (%s)', (kind) => {
    it('frozen: isTrustedDevice rejects after timeoutMs and a login to remember succeeds without the cookie; thawed: served again', async () => {
      const c = await connectSocket(kind, own.server.socket);
      const probe = createClient({ socket: { path: own.server.socket, tls: false } });
      await probe.connect();
      try {
        const prefix = `test:devices:freeze:${randomBytes(6).toString('hex')}:`;
        const app = trustedApp({ store: { redis: c.redis, prefix, timeoutMs: 300 } });
        const alice = app.users.add(ALICE_PHONE);
        const bob = app.users.add(BOB_PHONE);
        const aliceBrowser = new CookieClient(app.t.app);
        await aliceBrowser.post('/login/password', { userId: alice.id });
        await aliceBrowser.post('/2fa/start');
        expect((await aliceBrowser.post('/2fa/code', { code: app.fake.code(ALICE_PHONE), rememberDevice: 'on' })).status).toBe(200);
        expect(aliceBrowser.setCookie(COOKIE)).toBeDefined();
        await aliceBrowser.post('/logout');
        await aliceBrowser.post('/login/password', { userId: alice.id });

        own.server.freeze();
        const guard = await within(aliceBrowser.get('/2fa/trusted'));
        expect(guard === 'no answer' ? guard : guard.status).toBe(500);
        const error = app.t.errors.at(-1);
        expect(error).toBeInstanceOf(TrustedDeviceStoreError);
        expect(((error as Error).cause as Error).message).toBe('Redis did not answer within 300 ms');
        // Bob has no cookie: his guard needs no store; remembering his device does, and fails.
        const bobBrowser = new CookieClient(app.t.app);
        await bobBrowser.post('/login/password', { userId: bob.id });
        expect((await bobBrowser.post('/2fa/start')).body).toEqual({ skipped: false });
        const login = await within(bobBrowser.post('/2fa/code', { code: app.fake.code(BOB_PHONE), rememberDevice: 'on' }));
        expect(login === 'no answer' ? login : login.status).toBe(200);
        expect(bobBrowser.setCookie(COOKIE)).toBeUndefined();
        expect(c.ready()).toBe(true);

        own.server.thaw();
        const back = await within(aliceBrowser.get('/2fa/trusted'));
        expect(back === 'no answer' ? back : back.body).toEqual({ trusted: true });
        // Bob's add ran when Redis woke: a record whose token no browser holds, expiring with the trust.
        expect(await probe.zCard(`${prefix}u:${userKey(bob.id)}`)).toBe(1);
        expect(own.unhandled).toEqual([]);
      } finally {
        c.close();
        await probe.close();
      }
    });
  });
}
