// Shared set-up for the example app's suites: a sandbox and app(s) on 127.0.0.1 with one clock
// the tests can move, and a little HTML reading.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import type { AddressInfo } from 'node:net';
import { startDingSandbox } from 'passport-ding/sandbox';
import type { DingSandbox, DingSandboxOptions } from 'passport-ding/sandbox';
import { createApp, type AppOptions, type ExampleApp } from '../../example/app.js';
import { createLogger } from '../../example/logger.js';
import { deleteKeys, keysUnder } from './redis-clients.js';

/** A clock shared by the sandbox and the app: `advance(ms)` moves both. */
export class TestClock {
  offset = 0;
  readonly now = (): number => Date.now() + this.offset;
  advance(ms: number): void {
    this.offset += ms;
  }
}

export interface RunningExample extends ExampleApp {
  server: Server;
  url: string;
  logs: string[];
  stop(): Promise<void>;
}

/** Listens on an ephemeral port on 127.0.0.1; rejects (instead of hanging) if the server cannot. */
export function listenOnLoopback(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function startSandbox(clock: TestClock, options: DingSandboxOptions = {}): Promise<DingSandbox> {
  return startDingSandbox({ now: clock.now, ...options });
}

export type ApiName = 'prelude' | 'ding';

/** The example's credentials for the sandbox's Prelude V2 (the example's default) or Ding V1 endpoints. */
export function sandboxApi(sandbox: DingSandbox, api: ApiName): AppOptions['ding'] {
  return api === 'prelude'
    ? { provider: 'prelude', apiKey: sandbox.apiKey, baseUrl: sandbox.preludeUrl }
    : { apiKey: sandbox.apiKey, customerUuid: sandbox.customerUuid, baseUrl: sandbox.url };
}

/** The example against `sandbox`, listening on an ephemeral port on 127.0.0.1. */
export async function startExample(
  sandbox: DingSandbox,
  clock: TestClock,
  options: Partial<AppOptions> = {},
): Promise<RunningExample> {
  const logs: string[] = [];
  const example = await createApp({
    ding: { apiKey: sandbox.apiKey, customerUuid: sandbox.customerUuid, baseUrl: sandbox.url },
    sandbox: true,
    logger: createLogger((line) => logs.push(line)),
    now: clock.now,
    ...options,
  });
  const server = createServer(example.app);
  try {
    await listenOnLoopback(server);
  } catch (error) {
    await example.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  return {
    ...example,
    server,
    url: `http://127.0.0.1:${port}`,
    logs,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await example.close();
    },
  };
}

/** What two example instances share on Redis: the session secret, REDIS_URL, a key prefix of the run's own, the SMS limits. */
export type SharedOnRedis = Pick<AppOptions, 'sessionSecret' | 'redisUrl' | 'redisPrefix' | 'limits'>;

export interface TwoInstances {
  readonly clock: TestClock;
  /** The run's own key prefix in Redis, known before the suite starts. */
  readonly redisPrefix: string;
  readonly sandbox: DingSandbox;
  readonly a: RunningExample;
  readonly b: RunningExample;
}

/** Starts one instance of the two; for the second, `a` is the first (already listening). */
export type StartInstance = (sandbox: DingSandbox, clock: TestClock, shared: SharedOnRedis, a?: RunningExample) => Promise<RunningExample>;

/** The example on the sandbox's Prelude V2 or Ding V1 API. */
export const startOn = (api: ApiName): StartInstance => (sandbox, clock, shared) => startExample(sandbox, clock, { ding: sandboxApi(sandbox, api), ...shared });

export interface TwoInstancesOptions {
  /** Builds each instance (default: the example on the sandbox's Prelude API). */
  start?: StartInstance;
  /** The sandbox's options beside the shared clock (default: none). */
  sandbox?: DingSandboxOptions;
  /** The SMS limits of both instances (default: `false`, none); `{}` for the library's defaults, counted in Redis. */
  limits?: AppOptions['limits'];
}

/**
 * The sandbox, then instance A, then instance B. If a step fails, what had started is stopped
 * (newest first) before the error is rethrown: a suite whose set-up fails leaks no server, pool
 * or Redis connection.
 */
export async function startTwoInstances(
  clock: TestClock,
  shared: SharedOnRedis,
  start: StartInstance,
  sandboxOptions: DingSandboxOptions = {},
): Promise<{ sandbox: DingSandbox; a: RunningExample; b: RunningExample }> {
  const stops: Array<() => Promise<void>> = [];
  try {
    const sandbox = await startSandbox(clock, sandboxOptions);
    stops.unshift(() => sandbox.close());
    const a = await start(sandbox, clock, shared);
    stops.unshift(() => a.stop());
    const b = await start(sandbox, clock, shared, a);
    return { sandbox, a, b };
  } catch (error) {
    const failedStops: unknown[] = [];
    for (const stop of stops) await stop().catch((stopError: unknown) => failedStops.push(stopError));
    throw failedStops.length ? new AggregateError([error, ...failedStops], 'twoInstancesOnRedis: set-up failed, and so did stopping what it had started') : error;
  }
}

/**
 * Two instances of the example on one sandbox and one Redis (REDIS_URL), started before the
 * suite's tests and stopped after them, their keys deleted. `options` sets how each is built, the
 * sandbox and the limits (TwoInstancesOptions); the getters answer once the suite has started.
 */
export function twoInstancesOnRedis(name: string, options: TwoInstancesOptions = {}): TwoInstances {
  const { start = startOn('prelude'), sandbox: sandboxOptions = {}, limits = false } = options;
  const clock = new TestClock();
  const redisPrefix = `pd-example-${name}-${process.pid}-${Date.now()}:`;
  let started: { sandbox: DingSandbox; a: RunningExample; b: RunningExample } | undefined;
  beforeAll(async () => {
    const shared = { sessionSecret: 'a shared secret for both instances', redisUrl: process.env.REDIS_URL, redisPrefix, limits };
    started = await startTwoInstances(clock, shared, start, sandboxOptions);
  });
  afterAll(async () => {
    await started?.a.stop();
    await started?.b.stop();
    await started?.sandbox.close();
    await deleteKeys(await keysUnder(redisPrefix));
  });
  const get = (): NonNullable<typeof started> => {
    if (!started) throw new Error('twoInstancesOnRedis: the suite has not started');
    return started;
  };
  return {
    clock,
    redisPrefix,
    get sandbox() {
      return get().sandbox;
    },
    get a() {
      return get().a;
    },
    get b() {
      return get().b;
    },
  };
}

/** The CSRF token of the first form on a page. */
export function csrfFrom(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!match?.[1]) throw new Error('no CSRF field on the page');
  return match[1];
}

/** The value of the hidden field `name` in the first form that has one, if any. */
export function hiddenFrom(page: string, name: string): string | undefined {
  const match = new RegExp(`type="hidden" name="${name}" value="([^"]*)"`).exec(page);
  return match?.[1]?.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

/** `name=value` pairs for a Cookie header from every Set-Cookie of a fetch Response. */
export function cookiesFrom(res: Response, jar = ''): string {
  let cookie = jar;
  for (const set of res.headers.getSetCookie()) {
    const pair = set.split(';')[0] ?? '';
    const name = pair.split('=')[0];
    cookie = [...cookie.split('; ').filter((c) => c && !c.startsWith(`${name}=`)), pair].join('; ');
  }
  return cookie;
}

/** The `pd.sid` cookie value from a response's Set-Cookie, if any. */
export function sessionCookie(setCookie: string[] | string | undefined): string | undefined {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const line = list.find((c) => c.startsWith('pd.sid='));
  return line?.split(';')[0]?.slice('pd.sid='.length);
}
