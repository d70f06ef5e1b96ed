// The Redis store on its own (lib/limits/redis-store.ts), below the limits: the same counter and
// mark rules as the memory store (test/limits/memory-store.test.ts), on node-redis and on ioredis,
// and the client shapes it accepts. The parts that need a server need REDIS_URL; the rest runs
// everywhere.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { RedisStore } from '../../lib/limits/index.js';
import { redisGate } from '../helpers/env.js';
import { redisClients } from '../helpers/redis-clients.js';

const hit = (key: string, windowMs: number, slide = false) => ({ key, add: 1 as const, windowMs, slide });

describe('Redis store without a server', () => {
  it('answers an empty batch itself: no round trip, so a store that is down does not fail it', async () => {
    const down = createClient({ url: 'redis://127.0.0.1:1' });
    down.on('error', () => undefined);
    const store = new RedisStore(down);
    expect(await store.hit([])).toEqual([]);
    await store.giveBack([]);
    await store.forget([]);
    // The same store does go to Redis for a real batch, and fails there.
    await expect(store.forget(['k'])).rejects.toThrow();
  });
});

if (redisGate('Redis store')) {
  const prefix = `passport-ding-test:${randomBytes(6).toString('hex')}:`;
  // Filled in beforeAll: read it inside a test.
  const nodeClients = redisClients(1, prefix);

  describe.each(['node-redis', 'ioredis'] as const)('Redis store (%s)', (kind) => {
    let n = 0;
    /** A store on a client of `kind`, and a fresh key prefix for the test. */
    async function open(): Promise<{ store: RedisStore; key: (name: string) => string; close: () => Promise<unknown> }> {
      const own = `${prefix}${kind}:${(n += 1)}:`;
      const key = (name: string): string => `${own}${name}`;
      if (kind === 'node-redis') return { store: new RedisStore(nodeClients[0] as object), key, close: () => Promise.resolve() };
      const io = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: 0 });
      io.on('error', () => undefined);
      await new Promise((resolve) => io.once('ready', resolve));
      return { store: new RedisStore(io), key, close: () => io.quit() };
    }

    it('keeps a fixed window where it is, and starts a sliding one again with each point', async () => {
      const { store, key, close } = await open();
      // A fixed hit with a shorter window leaves the window the first hit opened.
      await store.hit([hit(key('fixed'), 900_000)]);
      const [fixed] = await store.hit([hit(key('fixed'), 300_000)]);
      expect(fixed?.count).toBe(2);
      expect(fixed?.msLeft).toBeGreaterThan(300_000);
      // A sliding hit sets its window anew, longer or shorter.
      await store.hit([hit(key('sliding'), 300_000)]);
      const [longer] = await store.hit([hit(key('sliding'), 900_000, true)]);
      expect(longer?.msLeft).toBeGreaterThan(300_000);
      const [shorter] = await store.hit([hit(key('sliding'), 60_000, true)]);
      expect(shorter).toMatchObject({ count: 3 });
      expect(shorter?.msLeft).toBeLessThanOrEqual(60_000);
      await close();
    });

    it('reads no mark as undefined (the contract of both stores), and a mark as its value', async () => {
      const { store, key, close } = await open();
      expect(await store.readMark(key('none'))).toBeUndefined();
      await store.mark(key('m'), 'A', 600_000);
      expect(await store.readMark(key('m'))).toBe('A');
      await close();
    });
  });

  describe('Redis store, client shapes', () => {
    it('takes an ioredis-like client that has no status (a wrapper), as a connected one', async () => {
      const io = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: 0 });
      io.on('error', () => undefined);
      await new Promise((resolve) => io.once('ready', resolve));
      try {
        // Only what the store uses: ioredis's defineCommand (its mark) and eval, no `status`.
        const wrapper = { defineCommand: io.defineCommand.bind(io), eval: io.eval.bind(io) };
        const store = new RedisStore(wrapper);
        const k = `${prefix}wrapper`;
        expect(await store.hit([hit(k, 600_000), hit(k, 600_000)])).toMatchObject([{ count: 1 }, { count: 2 }]);
      } finally {
        await io.quit();
      }
    });
  });
}
