// Shared set-up for the example app's suites: a sandbox and app(s) on 127.0.0.1 with one clock
// the tests can move, and a little HTML reading.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDingSandbox } from 'passport-ding/sandbox';
import type { DingSandbox, DingSandboxOptions } from 'passport-ding/sandbox';
import { createApp, type AppOptions, type ExampleApp } from '../../example/app.js';
import { createLogger } from '../../example/logger.js';

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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
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
