import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Test files that need something outside this Node process: a Redis server, Chromium, or a child
// process (npm pack, tsc, the sandbox CLI, `npm start`). They form the `integration` project;
// everything else is `unit`, the fast inner loop: `npx vitest --project unit`.
// `npm test` (vitest run) runs both projects, so every test runs exactly once.
// A new file that starts Redis, Chromium or a child process belongs in this list.
const INTEGRATION = [
  'test/e2e/**/*.test.ts',
  'test/package/**/*.test.ts',
  'test/**/*redis*.test.ts',
  'test/limits/strategy.test.ts',
  'test/security/cross-instance-races.test.ts',
  'test/example/sessions.test.ts',
  'test/example/start.test.ts',
  'test/example/prelude.test.ts',
  'test/example/start-webhooks.test.ts',
  'test/example/refused-options.test.ts',
  'test/example/*-browser.test.ts',
  'test/sandbox/cli.test.ts',
  'test/sandbox/channels.test.ts',
  'test/sandbox/contract-gate.test.ts',
  // Not outside this process, but slow: it holds a webhook try past the queue's 5 s deadline.
  'test/sandbox/webhook-deadline.test.ts',
  'test/telemetry/optional-peer.test.ts',
];

// Tests import the package by its public name; here that name points at the sources, so the
// suite exercises lib/ directly. test/package/exports.test.ts checks the built dist/ instead.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^passport-ding\/sandbox$/, replacement: fileURLToPath(new URL('./lib/sandbox/index.ts', import.meta.url)) },
      { find: /^passport-ding$/, replacement: fileURLToPath(new URL('./lib/index.ts', import.meta.url)) },
    ],
  },
  test: {
    setupFiles: ['test/helpers/quiet-warnings.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: INTEGRATION } },
      { extends: true, test: { name: 'integration', include: INTEGRATION } },
    ],
  },
});
