// The example's createApp, refused by an option after it has connected to Redis, closes that
// connection before it throws: a process that built no app is not held open by it.
// test/example/refused-app.ts runs as a child that never calls process.exit.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
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
