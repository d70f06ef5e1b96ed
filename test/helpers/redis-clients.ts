// Connected node-redis clients for a suite that runs on real Redis (REDIS_URL), as several app
// instances would hold them, registered with the suite's hooks: connected before its tests, and
// afterwards every key under `prefix` deleted and the clients closed.
import { afterAll, beforeAll } from 'vitest';
import { createClient } from 'redis';

export type RedisClient = ReturnType<typeof createClient>;

/** Call inside a describe (or at the top of a file) gated on REDIS_URL; the array fills in beforeAll. */
export function redisClients(count: number, prefix: string): RedisClient[] {
  const clients: RedisClient[] = [];
  beforeAll(async () => {
    for (let i = 0; i < count; i += 1) {
      const c = createClient({ url: process.env.REDIS_URL as string });
      c.on('error', () => undefined);
      await c.connect();
      clients.push(c);
    }
  });
  afterAll(async () => {
    const [first] = clients;
    if (first?.isOpen) {
      const keys = await first.keys(`${prefix}*`);
      if (keys.length > 0) await first.del(keys);
    }
    await Promise.all(clients.filter((c) => c.isOpen).map((c) => c.close()));
  });
  return clients;
}
