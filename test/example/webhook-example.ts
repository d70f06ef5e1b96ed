// The example wired to the sandbox's delivery webhooks, as ./example/start.ts wires it: the
// server listens first, so the strategies' callback_url can be its own address.
import { randomBytes } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DingSandbox } from 'passport-ding/sandbox';
import { createApp, type AppOptions } from '../../example/app.js';
import { createLogger } from '../../example/logger.js';
import { listenOnLoopback, sandboxApi, type ApiName, type RunningExample, type TestClock } from '../helpers/example-app.js';

export async function startWebhookExample(
  sandbox: DingSandbox,
  clock: TestClock,
  api: ApiName,
  options: Partial<AppOptions> = {},
): Promise<RunningExample> {
  let handle: RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handle(req, res));
  await listenOnLoopback(server);
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const logs: string[] = [];
  const example = await createApp({
    ding: sandboxApi(sandbox, api),
    sandbox: true,
    logger: createLogger((line) => logs.push(line)),
    now: clock.now,
    webhooks: { publicUrl: url, preludePublicKey: sandbox.webhookPublicKey, dingSecret: randomBytes(24).toString('hex') },
    ...options,
  }).catch(async (error: unknown) => {
    await new Promise((resolve) => server.close(resolve));
    throw error;
  });
  handle = example.app;
  return {
    ...example,
    server,
    url,
    logs,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await example.close();
    },
  };
}

/** The JSON lines of passport-ding events in a log, parsed. */
export function eventLines(logs: readonly string[]): Array<{ level: string; msg: string; otp: Record<string, unknown> }> {
  return logs.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: string; msg: string; otp: Record<string, unknown> });
}
