// A Redis outage without touching the shared Redis: a TCP relay on 127.0.0.1 to the real Redis at
// REDIS_URL, which the client under test connects to instead. down() drops every connection and
// refuses new ones (Redis gone: the client reconnects and is told no), up() listens again on the
// same port (Redis back, its data intact), freeze() keeps the connections open but passes nothing
// either way (a Redis that stops answering: a paused process, a partition), thaw() ends that.
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface RedisRelay {
  /** redis://127.0.0.1:<port><db path of the target>. */
  url: string;
  down(): Promise<void>;
  up(): Promise<void>;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

export async function redisRelay(target: URL): Promise<RedisRelay> {
  const pairs = new Set<[Socket, Socket]>();
  let server: Server | undefined;
  let port = 0;
  let frozen = false;
  const listen = async (): Promise<void> => {
    const s = createServer((inbound) => {
      const outbound = connect(Number(target.port || 6379), target.hostname);
      const pair: [Socket, Socket] = [inbound, outbound];
      pairs.add(pair);
      for (const sock of pair) sock.on('error', () => undefined);
      if (frozen) for (const sock of pair) sock.pause();
      inbound.pipe(outbound).pipe(inbound);
      const end = (): void => {
        pairs.delete(pair);
        inbound.destroy();
        outbound.destroy();
      };
      inbound.on('close', end);
      outbound.on('close', end);
    });
    s.listen(port, '127.0.0.1');
    await once(s, 'listening');
    port = (s.address() as AddressInfo).port;
    server = s;
  };
  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (!s) return;
    for (const pair of pairs) for (const sock of pair) sock.destroy();
    await new Promise((resolve) => s.close(resolve));
  };
  await listen();
  return {
    url: `redis://127.0.0.1:${port}${target.pathname}`,
    down: stop,
    up: async () => {
      if (!server) await listen();
    },
    freeze: () => {
      frozen = true;
      for (const pair of pairs) for (const sock of pair) sock.pause();
    },
    thaw: () => {
      frozen = false;
      for (const pair of pairs) for (const sock of pair) sock.resume();
    },
    close: stop,
  };
}
