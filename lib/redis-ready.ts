// Whether a Redis client can take a command now. node-redis (4+) and ioredis both queue commands
// while they are not connected (never connected, reconnecting) and send them once they are: a
// login or a webhook delivery would wait for the whole outage. The Redis stores (limits, trusted
// devices, webhook ids) ask this first and fail at once instead.

/** What is read of a client's connection state: node-redis's `isReady`, ioredis's `status`. */
interface ConnectionState {
  isReady?: unknown;
  status?: unknown;
  defineCommand?: unknown;
}

/**
 * Why `client` cannot take a command now, as an error message ("Redis is not connected", with
 * ioredis's status), or undefined when it can, or when it says nothing of its state.
 */
export function redisNotReady(client: object): string | undefined {
  const c = client as ConnectionState;
  // ioredis is told from node-redis by defineCommand, which node-redis lacks.
  if (typeof c.defineCommand === 'function') {
    return typeof c.status === 'string' && c.status !== 'ready' ? `Redis is not connected (${c.status})` : undefined;
  }
  return c.isReady === false ? 'Redis is not connected' : undefined;
}
