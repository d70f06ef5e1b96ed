// A limit store that fails while giving points back (or clearing a count) must not turn the
// step's own answer into a fault: the provider's refusal, its fault, or a login stands. Points
// given back are best effort; the worst a failed give-back does is leave a point spent.
//
// The store is the Redis one, on a node-redis-like client that admits every count and fails every
// give-back and clear: what a login sees when Redis goes away between the reserve and the release.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { DingUnavailableError } from 'passport-ding';
import { fakeLogin } from '../helpers/fake-provider.js';
import type { FakeLogin } from '../helpers/fake-provider.js';

const PHONE = '+14155552671';

/** A node-redis-like client: every count is the first (admitted), every give-back and clear fails. */
function redisFailingToGiveBack(): { client: object; failed: { giveBack: number; clear: number } } {
  const failed = { giveBack: 0, clear: 0 };
  const lost = (): Error => new Error('connection lost to redis://10.0.0.5:6379');
  const client = {
    isReady: true,
    eval: (script: string, { keys }: { keys: string[]; arguments: string[] }): Promise<unknown> => {
      if (script.includes('INCRBY')) return Promise.resolve(keys.flatMap(() => [1, 60_000]));
      if (script.includes('DECR')) {
        failed.giveBack += 1;
        return Promise.reject(lost());
      }
      if (script.startsWith('for _, k in ipairs(KEYS)')) {
        failed.clear += 1;
        return Promise.reject(lost());
      }
      // Marks: none set, none read.
      return Promise.resolve(script.includes("return redis.call('GET'") ? null : 0);
    },
  };
  return { client, failed };
}

function login(): FakeLogin & { failed: { giveBack: number; clear: number } } {
  const { client, failed } = redisFailingToGiveBack();
  return { ...fakeLogin({ limits: { store: { redis: client }, keySecret: 'test key secret, 32 bytes long' } }), failed };
}

/** The promise rejections nobody handled while `run` ran (and a few turns after), instead of failing the run. */
async function unhandledRejections(run: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const saved = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  const collect = (reason: unknown): void => void seen.push(reason);
  process.on('unhandledRejection', collect);
  try {
    await run();
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('unhandledRejection', collect);
    for (const listener of saved) process.on('unhandledRejection', listener);
  }
  return seen;
}

describe('a limit store failing to give points back', () => {
  it('a send the provider refused is still that refusal', async () => {
    const { t, fake, failed } = login();
    fake.next('send', { status: 'blocked', reason: 'spam' });
    expect((await request(t.app).post('/api/send').send({ phoneNumber: PHONE }).expect(403)).body.code).toBe('blocked');
    expect(failed.giveBack).toBe(1);
    expect(t.errors).toEqual([]);
  });

  it('a resend the provider refused is still that refusal', async () => {
    const { t, fake, clock, failed } = login();
    const agent = request.agent(t.app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    clock.advance(30_000);
    fake.next('resend', { status: 'expired' });
    expect((await agent.post('/api/retry').send({}).expect(401)).body.code).toBe('expired');
    expect(failed.giveBack).toBe(1);
    expect(t.errors).toEqual([]);
  });

  it("a check that faulted is still the provider's fault; one the provider ended is still that answer", async () => {
    const { t, fake, failed } = login();
    const agent = request.agent(t.app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    fake.next('check', new DingUnavailableError('timeout', 'The fake provider did not answer in time'));
    await agent.post('/login/code').send({ code: fake.code(PHONE) }).expect(500);
    expect(t.errors).toEqual([expect.objectContaining({ reason: 'timeout' })]);
    fake.next('check', { status: 'expired' });
    expect((await agent.post('/api/verify').send({ code: fake.code(PHONE) }).expect(401)).body.code).toBe('expired');
    expect(failed.giveBack).toBe(2);
    expect(t.errors).toHaveLength(1);
  });

  it('a right code logs in though clearing the wrong-code count fails (in the background, caught)', async () => {
    const { t, fake, failed } = login();
    const agent = request.agent(t.app);
    await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
    const unhandled = await unhandledRejections(async () => {
      await agent.post('/login/code').send({ code: fake.code(PHONE) }).expect(200);
    });
    expect(await t.loggedInSessions()).toHaveLength(1);
    expect(failed.clear).toBe(1);
    expect(unhandled).toEqual([]);
    expect(t.errors).toEqual([]);
  });
});
