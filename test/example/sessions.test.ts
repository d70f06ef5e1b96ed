// No server-side session for an anonymous page view, and a short life for a session that only
// holds a pending step (issue 13, item 11). Counted where the sessions really are: in Redis (the
// store instances share), by key and by TTL, and in express-session's memory store.
import { phoneSequence } from '../helpers/phones.js';
import { randomUUID } from 'node:crypto';
import session from 'express-session';
import type { DingSandbox } from 'passport-ding/sandbox';
import { createClient } from 'redis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_USER } from '../../example/app.js';
import { PENDING_SESSION_MS, SIGNED_IN_SESSION_MS } from '../../example/session.js';
import { redisGate } from '../helpers/env.js';
import { csrfFrom, sessionCookie, startExample, startSandbox, TestClock, type RunningExample } from '../helpers/example-app.js';

const ANONYMOUS_PAGES = [
  '/', '/login', '/login?returnTo=%2Faccount', '/login?signedOut=1', '/login/password', '/login/password?returnTo=%2Faccount',
  '/login/code', '/2fa', '/2fa/code', '/account', '/account/security', '/favicon.ico', '/nope', '/api/session', '/api/me', '/api/nope',
];

type Agent = ReturnType<typeof request.agent>;

async function phoneSend(agent: Agent, phone: string): Promise<request.Response> {
  const login = await agent.get('/login').expect(200);
  return agent.post('/login/phone').type('form').send({ _csrf: csrfFrom(login.text), phoneNumber: phone }).expect(303);
}

function maxAgeOf(res: request.Response): number | undefined {
  const line = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('pd.sid='));
  const match = /Max-Age=(\d+)/i.exec(line ?? '') ?? undefined;
  if (match?.[1]) return Number(match[1]);
  const expires = /Expires=([^;]+)/i.exec(line ?? '')?.[1];
  return expires ? Math.round((Date.parse(expires) - Date.now()) / 1000) : undefined;
}

if (redisGate('example sessions in Redis (test/example/sessions.test.ts)')) {
  describe('example sessions in Redis', () => {
    const redisUrl = process.env.REDIS_URL as string;
    const prefix = `passport-ding-test:${process.pid}:${randomUUID()}:`;
    const clock = new TestClock();
    const redis = createClient({ url: redisUrl });
    let sandbox: DingSandbox;
    let example: RunningExample;
    const seq = 800;
    const nextPhone = phoneSequence(seq * 100);

    async function sessionKeys(): Promise<string[]> {
      const keys: string[] = [];
      for await (const batch of redis.scanIterator({ MATCH: `${prefix}sess:*`, COUNT: 100 })) keys.push(...batch);
      return keys;
    }

    beforeAll(async () => {
      await redis.connect();
      sandbox = await startSandbox(clock);
      example = await startExample(sandbox, clock, {
        redisUrl, redisPrefix: prefix, sessionSecret: `s-${randomUUID()}`, limits: { sendsPerIp: { points: 1000, durationSeconds: 3600 } },
      });
    });

    afterAll(async () => {
      await example?.stop();
      await sandbox?.close();
      const keys: string[] = [];
      for await (const batch of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 })) keys.push(...batch);
      if (keys.length > 0) await redis.del(keys);
      await redis.close();
    });

    it('stores nothing for anonymous page views, however many, nor for refused posts', async () => {
      for (let i = 0; i < 50; i += 1) {
        const res = await request(example.url).get('/login');
        expect(res.status).toBe(200);
        expect(sessionCookie(res.headers['set-cookie'])).toBeUndefined();
      }
      const agent = request.agent(example.url);
      for (const path of ANONYMOUS_PAGES) {
        const res = await agent.get(path);
        expect(res.status, path).toBeLessThan(500);
        expect(sessionCookie(res.headers['set-cookie']), path).toBeUndefined();
      }
      const login = await agent.get('/login').expect(200);
      await agent.post('/login/phone').type('form').send({ _csrf: csrfFrom(login.text), phoneNumber: '12' }).expect(400);
      await agent.post('/login/phone').type('form').send({ _csrf: 'forged', phoneNumber: nextPhone() }).expect(403);
      await agent.post('/login/password').type('form').send({ _csrf: csrfFrom(login.text), username: 'demo', password: 'wrong' }).expect(401);
      await agent.post('/login/code').type('form').send({ _csrf: csrfFrom(login.text), code: '123456' }).expect(403);
      expect(await sessionKeys()).toEqual([]);
    });

    it('a session holding only a pending code lives minutes; a sign-in lives hours', async () => {
      const agent = request.agent(example.url);
      const phone = nextPhone();
      const sent = await phoneSend(agent, phone);
      const [key] = await sessionKeys();
      expect(key).toBeDefined();
      const pendingTtl = await redis.ttl(key as string);
      expect(pendingTtl).toBeGreaterThan(0);
      expect(pendingTtl).toBeLessThanOrEqual(PENDING_SESSION_MS / 1000);
      expect(maxAgeOf(sent)).toBeLessThanOrEqual(PENDING_SESSION_MS / 1000);

      const code = await agent.get('/login/code').expect(200);
      const done = await agent.post('/login/code').type('form').send({ _csrf: csrfFrom(code.text), code: sandbox.latestCode(phone) }).expect(303);
      const keys = await sessionKeys();
      // Login regenerated the session: the pending one is gone, the signed-in one is long-lived.
      expect(keys).toHaveLength(1);
      expect(keys[0]).not.toBe(key);
      expect(await redis.ttl(keys[0] as string)).toBeGreaterThan(SIGNED_IN_SESSION_MS / 1000 - 60);
      expect(maxAgeOf(done)).toBeGreaterThan(SIGNED_IN_SESSION_MS / 1000 - 60);

      const profile = await agent.get('/account').expect(200);
      await agent.post('/logout').type('form').send({ _csrf: csrfFrom(profile.text) }).expect(303);
      expect(await sessionKeys()).toEqual([]);
    });

    it('a password without its code yet is a short session too, until the code', async () => {
      const agent = request.agent(example.url);
      const form = await agent.get('/login/password').expect(200);
      await agent.post('/login/password').type('form')
        .send({ _csrf: csrfFrom(form.text), username: DEFAULT_DEMO_USER.username, password: DEFAULT_DEMO_USER.password }).expect(303);
      const [half] = await sessionKeys();
      expect(await redis.ttl(half as string)).toBeLessThanOrEqual(PENDING_SESSION_MS / 1000);
      const code = await agent.get('/2fa/code').expect(200);
      await agent.post('/2fa/code').type('form').send({ _csrf: csrfFrom(code.text), code: sandbox.latestCode(DEFAULT_DEMO_USER.phone) }).expect(303);
      const [full] = await sessionKeys();
      expect(await redis.ttl(full as string)).toBeGreaterThan(SIGNED_IN_SESSION_MS / 1000 - 60);
      const profile = await agent.get('/account').expect(200);
      await agent.post('/logout').type('form').send({ _csrf: csrfFrom(profile.text) }).expect(303);
    });
  });
}

describe('example sessions in the memory store', () => {
  it('a thousand cookieless page views store no session', async () => {
    const clock = new TestClock();
    const sandbox = await startSandbox(clock);
    const store = new session.MemoryStore();
    const example = await startExample(sandbox, clock, { sessionStore: store });
    try {
      for (let i = 0; i < 1000; i += 1) await request(example.url).get(ANONYMOUS_PAGES[i % ANONYMOUS_PAGES.length] as string);
      const count = await new Promise<number>((resolve, reject) => store.length((err, n) => (err ? reject(err) : resolve(n ?? 0))));
      expect(count).toBe(0);
      await phoneSend(request.agent(example.url), '+12015550899');
      const after = await new Promise<number>((resolve, reject) => store.length((err, n) => (err ? reject(err) : resolve(n ?? 0))));
      expect(after).toBe(1);
    } finally {
      await example.stop();
      await sandbox.close();
    }
  });
});
