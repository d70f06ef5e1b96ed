// One Redis client per app, shared by the session store and (through the strategies) the abuse
// limits, so every instance pointed at the same Redis agrees on both.
import { createClient } from 'redis';
import type { Logger } from './logger.js';

export type RedisClient = ReturnType<typeof createClient>;

export async function connectRedis(url: string, logger: Logger): Promise<RedisClient> {
  // Fail at once while reconnecting, and drop a Redis that stops answering (docs/deploying.md,
  // "When Redis fails"): otherwise every request reading a session waits out the outage.
  // socketTimeout is an idle timeout: the pings keep a quiet connection up, and the reconnect
  // strategy replaces node-redis's default, which never reconnects after a socket timeout.
  const client = createClient({
    url,
    disableOfflineQueue: true,
    pingInterval: 1_000,
    socket: { socketTimeout: 2_000, reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2_000) },
  });
  // Without a listener a dropped connection is an unhandled 'error' event and the process dies;
  // with one, the client reconnects, and meanwhile commands fail at once (disableOfflineQueue).
  client.on('error', (err: Error) => logger.error('redis.error', { error: err.name }));
  await client.connect();
  return client;
}

export async function closeRedis(client: RedisClient | undefined): Promise<void> {
  if (client?.isOpen) await client.close();
}
