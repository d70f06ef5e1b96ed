// The example's createApp, refused by an option after it has connected to Redis, closes that
// connection before it throws: a process that built no app is not held open by it.
// test/example/refused-app.ts runs as a child that never calls process.exit.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../example/app.js';
import { createLogger } from '../../example/logger.js';
import { redisGate } from '../helpers/env.js';

const SUITE = 'example createApp refused after connecting Redis (test/example/refused-options.test.ts)';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** tsx compiles the fixture on the fly: a few seconds, more on a busy machine. */
const EXIT_WITHIN_MS = 30_000;

if (redisGate(SUITE)) {
  describe(SUITE, () => {
    it('throws the refusal and leaves nothing open: the process exits by itself', async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/example/refused-app.ts'], { cwd: ROOT, env: process.env });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      const exited = await new Promise<number | null | 'still running'>((resolve) => {
        const timer = setTimeout(() => resolve('still running'), EXIT_WITHIN_MS);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
      });
      if (exited === 'still running') child.kill('SIGKILL');
      expect(out).toMatch(/^refused: .*expiresAt/m);
      expect(exited, out).toBe(0);
    }, EXIT_WITHIN_MS + 5_000);
  });
}

// An option refused without Redis's help is refused before createApp connects to it: a missing
// SESSION_SECRET with a Redis that is down (node-redis's connect() then retries for ever) is the
// TypeError at once, not a start that hangs. Needs no Redis: the URL is a port nothing listens on.
describe('example createApp refused before connecting Redis', () => {
  it('a missing sessionSecret is a TypeError at once, even when Redis is unreachable', async () => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const started = createApp({
      ding: { provider: 'prelude', apiKey: 'prelude-test-key', baseUrl: 'http://127.0.0.1:9' },
      sandbox: false,
      sessionSecret: '',
      redisUrl: `redis://127.0.0.1:${port}`,
      logger: createLogger(() => {}),
    }).then(() => 'built', (err: unknown) => (err instanceof Error ? err.message : String(err)));
    const answer = await Promise.race([started, new Promise((resolve) => setTimeout(() => resolve('still connecting after 2 s'), 2_000))]);
    expect(answer).toBe('createApp: sessionSecret is required outside sandbox mode (set SESSION_SECRET)');
  });
});
