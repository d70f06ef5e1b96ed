import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// The vitest run that `npm run mutate` (Stryker) uses: the suites that need nothing outside Node,
// so mutation testing runs on a laptop. Stryker mutates lib/ in place of the sources and reruns,
// for each mutant, the tests that reached it; tests in a child process never see the mutant.
// Built on vitest.config.ts (its aliases and hook timeout); `test` is replaced, not merged, since
// mergeConfig would add this include list to the base one instead of narrowing it.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // The suites that exercise the mutated files in this process. Left out: the Chromium and
    // Redis-only suites (browser, multi-instance), suites run in a child process or against the
    // built dist/ (example-start, example-prelude, package-exports, sandbox/cli,
    // sandbox/contract-gate: a mutant in this process's lib/ never reaches them), the sandbox's
    // own suites, and the slow whole-app ones (example, fuzz, privacy) whose paths the suites
    // below already take. Each mutant reruns only the tests that reached it, but a mutant
    // reached while a file loads or in a beforeAll reruns all of these, so the list stays short.
    include: [
      'test/http*.test.ts',
      'test/deadline.test.ts',
      'test/client*.test.ts',
      'test/prelude-*.test.ts',
      'test/providers/**/*.test.ts',
      'test/security-*.test.ts',
      'test/strategy*.test.ts',
      'test/limits*.test.ts',
    ],
    // A mutant that hangs a call fails its test here rather than waiting out the 20 s default.
    testTimeout: 10_000,
    // Suites with a Redis part (limits-redis, limits-strategy) skip that part without REDIS_URL
    // and keep their in-process part; a shell's REDIS_URL or PASSPORT_DING_REQUIRE_ALL=1 must not
    // turn the skip into a connection or a failure here.
    env: { REDIS_URL: '', PASSPORT_DING_REQUIRE_ALL: '' },
  },
});
