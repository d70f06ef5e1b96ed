// One Redis client per app, shared by the session store and (through the strategies) the abuse
// limits, so every instance pointed at the same Redis agrees on both.
import { createClient } from 'redis';
import type { Logger } from './logger.js';

export type RedisClient = ReturnType<typeof createClient>;

export async function connectRedis(url: string, logger: Logger): Promise<RedisClient> {
  // Fail at once while reconnecting (docs/deploying.md, "When Redis fails"): otherwise every
  // request reading a session waits out the outage. No socketTimeout: node-redis's is an idle
  // timer that drops a quiet healthy connection and, with the default strategy, never reconnects.
  const client = createClient({ url, disableOfflineQueue: true });
  // Without a listener a dropped connection is an unhandled 'error' event and the process dies;
  // with one, the client reconnects, and meanwhile commands fail at once (disableOfflineQueue).
  client.on('error', (err: Error) => logger.error('redis.error', { error: err.name }));
  await client.connect();
  return client;
}

export async function closeRedis(client: RedisClient | undefined): Promise<void> {
  if (client?.isOpen) await client.close();
}
