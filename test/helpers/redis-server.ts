// A Redis server of a suite's own, for the suites that freeze one: SIGSTOP pauses the process with
// its connections open, so a command is written and never answered (a frozen Redis, a partition,
// a failover in progress); SIGCONT resumes it, and it then runs what it was sent meanwhile. The
// shared Redis at REDIS_URL must not be paused under the other suites, so each suite starts its
// own redis-server (the one CI installs, .ci/run), on a Unix socket in a temporary directory: no
// port to collide with another worker's. Stop it in afterAll.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import type { RedisClientLike } from 'passport-ding';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { gate } from './env.js';
import type { RedisKind } from './redis-clients.js';
import { waitFor } from './wait.js';

/** redis-server's path: REDIS_SERVER, or the first on PATH. */
export function redisServerPath(): string | undefined {
  if (process.env.REDIS_SERVER) return process.env.REDIS_SERVER;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, 'redis-server');
    if (dir !== '' && existsSync(path)) return path;
  }
  return undefined;
}

export function redisServerGate(suite: string): boolean {
  return gate(suite, redisServerPath() === undefined ? 'no redis-server on PATH' : undefined, '`apt-get install redis-server` (or set REDIS_SERVER to its path)');
}

export interface OwnRedis {
  /** The server's Unix socket. */
  socket: string;
  /** SIGSTOP: connections stay open, nothing is answered. */
  freeze(): void;
  /** SIGCONT: it answers again, running first what it was sent while frozen. */
  thaw(): void;
  /** Ends the server (thawed first) and removes its directory. */
  stop(): Promise<void>;
}

export async function startRedisServer(): Promise<OwnRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'passport-ding-redis-'));
  const socket = join(dir, 'redis.sock');
  const server: ChildProcess = spawn(
    redisServerPath() as string,
    ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  // A worker that exits without its afterAll (a test run cut short) takes the server with it.
  const kill = (): void => void server.kill('SIGKILL');
  process.once('exit', kill);
  void exited.then(() => process.off('exit', kill));
  await waitFor('redis-server to listen on its socket', () => existsSync(socket) || server.exitCode !== null, { withinMs: 10_000 });
  if (server.exitCode !== null) throw new Error(`redis-server exited with ${server.exitCode}`);
  let frozen = false;
  return {
    socket,
    freeze: () => {
      frozen = true;
      server.kill('SIGSTOP');
    },
    thaw: () => {
      if (frozen) server.kill('SIGCONT');
      frozen = false;
    },
    stop: async () => {
      if (server.exitCode === null && server.signalCode === null) {
        if (frozen) server.kill('SIGCONT');
        server.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A client of the library's own stores' kind on `socket`, connected, with no timeout of its own. */
export interface SocketClient {
  redis: RedisClientLike;
  ready(): boolean;
  /** destroy(), not close(): close() would wait for the commands a frozen server holds. */
  close(): void;
}

export async function connectSocket(kind: RedisKind, socket: string): Promise<SocketClient> {
  if (kind === 'ioredis') {
    const io = new Redis({ path: socket });
    io.on('error', () => undefined);
    await waitFor('ioredis ready', () => io.status === 'ready');
    return { redis: io as unknown as RedisClientLike, ready: () => io.status === 'ready', close: () => io.disconnect() };
  }
  const nr = createClient({ socket: { path: socket, tls: false } });
  nr.on('error', () => undefined);
  await nr.connect();
  return { redis: nr as unknown as RedisClientLike, ready: () => nr.isReady, close: () => nr.destroy() };
}

/** A freeze suite's own server and what each of its tests must leave behind. */
export interface FrozenRedisSuite {
  /** Started in beforeAll, stopped in afterAll, thawed after each test. */
  readonly server: OwnRedis;
  /** The unhandled rejections seen during the current test: a reply after its deadline must add none. */
  readonly unhandled: unknown[];
}

/** Registers the hooks of a suite that freezes a redis-server of its own (call it at the top of the gated block). */
export function frozenRedisSuite(): FrozenRedisSuite {
  let server: OwnRedis | undefined;
  const unhandled: unknown[] = [];
  const collect = (reason: unknown): void => void unhandled.push(reason);
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', collect);
  });
  afterEach(() => {
    server?.thaw();
    process.off('unhandledRejection', collect);
  });
  return {
    get server(): OwnRedis {
      if (server === undefined) throw new Error('the suite\'s redis-server is not started yet (use it inside a test)');
      return server;
    },
    unhandled,
  };
}
