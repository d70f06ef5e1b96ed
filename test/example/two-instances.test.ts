// twoInstancesOnRedis's set-up (startTwoInstances): when a step fails, what had started before it
// is stopped for real, so a suite whose set-up fails leaves no port open behind it.
import { describe, expect, it } from 'vitest';
import type { DingSandbox } from 'passport-ding/sandbox';
import { startExample, startTwoInstances, TestClock, type RunningExample, type SharedOnRedis } from '../helpers/example-app.js';

// No redisUrl: the instances keep their state in memory, so this suite needs no Redis.
const shared: SharedOnRedis = { sessionSecret: 'a shared secret for both instances', redisPrefix: 'pd-two-instances-test:', limits: false };

/** What fetch fails with when nothing listens on the port. */
async function connectionError(url: string): Promise<string | undefined> {
  const error = await fetch(url).then(() => undefined, (e: unknown) => e);
  return (error as { cause?: { code?: string } } | undefined)?.cause?.code;
}

// Outside sandbox mode the example refuses to start without a session secret.
const unstartable = { sandbox: false, sessionSecret: '' };

describe('startTwoInstances', () => {
  it('stops instance A and the sandbox when instance B cannot start, and rethrows B\'s error', async () => {
    let sandbox: DingSandbox | undefined;
    let a: RunningExample | undefined;
    const setUp = startTwoInstances(new TestClock(), shared, async (started, clock, options, firstInstance) => {
      sandbox = started;
      if (firstInstance) return startExample(started, clock, { ...options, ...unstartable });
      a = await startExample(started, clock, options);
      expect((await fetch(`${a.url}/login`)).status).toBe(200);
      return a;
    });
    await expect(setUp).rejects.toThrow(/sessionSecret is required outside sandbox mode/);
    expect(a).toBeDefined();
    expect(await connectionError(`${a?.url}/login`)).toBe('ECONNREFUSED');
    expect(await connectionError(sandbox?.url ?? '')).toBe('ECONNREFUSED');
  });

  it('stops the sandbox when instance A cannot start', async () => {
    let sandbox: DingSandbox | undefined;
    const setUp = startTwoInstances(new TestClock(), shared, async (started, clock, options) => {
      sandbox = started;
      expect(await connectionError(started.url)).toBeUndefined();
      return startExample(started, clock, { ...options, ...unstartable });
    });
    await expect(setUp).rejects.toThrow(/sessionSecret is required outside sandbox mode/);
    expect(await connectionError(sandbox?.url ?? '')).toBe('ECONNREFUSED');
  });

  it('reports both errors when stopping A fails too, and still stops the sandbox', async () => {
    let sandbox: DingSandbox | undefined;
    const setUp = startTwoInstances(new TestClock(), shared, async (started, clock, options, firstInstance) => {
      sandbox = started;
      if (firstInstance) return startExample(started, clock, { ...options, ...unstartable });
      const a = await startExample(started, clock, options);
      return {
        ...a,
        stop: async () => {
          await a.stop();
          throw new Error('A would not stop');
        },
      };
    });
    const error = await setUp.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual([
      expect.stringMatching(/sessionSecret is required/),
      'A would not stop',
    ]);
    expect(await connectionError(sandbox?.url ?? '')).toBe('ECONNREFUSED');
  });
});
