// example/redis.ts's client, as docs/deploying.md sets it up: an app with no login for a while
// still reaches Redis afterwards. (With node-redis's socketTimeout, an idle timer, a quiet
// connection was dropped after it, and the default reconnect strategy never reconnected.)
import { afterEach, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis, type RedisClient } from '../../example/redis.js';
import { silentLogger } from '../../example/logger.js';
import { redisGate } from '../helpers/env.js';
import { sleep } from '../helpers/wait.js';

if (redisGate('example Redis client (test/example/redis-client.test.ts)')) {
  describe('the example\'s Redis client', () => {
    let client: RedisClient | undefined;
    afterEach(async () => closeRedis(client));

    it('still serves after 3 s without a command (longer than its socketTimeout)', { timeout: 10_000 }, async () => {
      client = await connectRedis(process.env.REDIS_URL ?? '', silentLogger);
      await sleep(3_000);
      expect(client.isReady).toBe(true);
      expect(await client.ping()).toBe('PONG');
    });
  });
}
