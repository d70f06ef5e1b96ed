// A Prelude pending verification whose window mark is gone from the limits' store (another
// instance's memory store, a store restarted empty, a mark lapsed): the window is lost, and the
// check clears the pending state, so the app's code page gives way to the phone form. Only a
// window given back by this session's own right code (a double tap's other request, on another
// instance: test/security/double-tap-redis.test.ts) is refused without touching the session.
// Two strategies on their own memory limit stores stand for two instances that share sessions
// but not limits; real express-session, real HTTP to the sandbox.
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { harness } from '../helpers/harness.js';
import { securityApp } from '../helpers/security-app.js';

describe('a Prelude window whose mark is gone', () => {
  const h = harness(express, {}, 'prelude');

  it.each(['verify', 'retry'] as const)('%s on an instance that never saw the mark: 403 no_pending_verification, and the pending state is cleared', async (step) => {
    const sessions = new session.MemoryStore();
    const one = securityApp({ strategy: h.strategy({ resendCooldownSeconds: 0 }), users: h.users, store: sessions });
    const two = securityApp({ strategy: h.strategy({ resendCooldownSeconds: 0 }), users: h.users, store: sessions });
    const cookie = (await request(one).post('/api/send').send({ phoneNumber: '+14155552671' }).expect(200)).headers['set-cookie'] as unknown as string[];
    const code = h.code('+14155552671');
    const calls = h.sandbox.stats().requests;

    const res = await request(two).post(`/api/${step}`).set('Cookie', cookie).send(step === 'verify' ? { code } : {});
    expect([res.status, res.body.code]).toEqual([403, 'no_pending_verification']);
    expect(h.sandbox.stats().requests).toBe(calls);
    // Cleared: the session no longer holds the code, on either instance.
    const me = await request(one).get('/me').set('Cookie', cookie).expect(200);
    expect(me.body.pending).toBeNull();
  });
});
