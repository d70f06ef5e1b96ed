import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer } from 'vitest/node';
import type { TestSpecification } from 'vitest/node';
import base from './vitest.config.js';

// Stryker stops a mutant's run at its first failing test, so the cheapest order runs first the
// file that failed last (the previous mutant was likely in the same function), then the fastest
// files (vitest's own order is slowest first, which suits a full run, not this one).
class FastFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cost = (file: TestSpecification): [number, number] => {
      const key = `${file.project.name}:${relative(this.ctx.config.root, file.moduleId)}`;
      const result = this.ctx.cache.getFileTestResults(key);
      if (result?.failed) return [0, 0];
      // Without a recorded duration, the file's size stands in for it.
      return result ? [1, result.duration] : [2, statSync(file.moduleId).size];
    };
    return [...files].sort((a, b) => {
      const [ca, cb] = [cost(a), cost(b)];
      return ca[0] - cb[0] || ca[1] - cb[1];
    });
  }
}

// The vitest run that `npm run mutate` (Stryker) uses: the suites that need nothing outside Node,
// so mutation testing runs on a laptop. Stryker mutates lib/ in place of the sources and reruns,
// for each mutant, the tests that reached it; tests in a child process never see the mutant.
// The suites of the HTTP layer and the providers (clients, replies, errors, faults over loopback).
const PROVIDER_SUITES = ['test/providers/**/*.test.ts', 'test/security/serialize*.test.ts'];
// Whole logins through Express, Passport and the sandbox: what reaches lib/actions, lib/pending.ts
// and lib/limits. They reach the providers too, but every mutant there would rerun them, so
// MUTATE_SUITES=providers leaves them out for a quick run over lib/providers and lib/http*.ts.
// The queued-check suites (expiry-in-queue, window-in-queue) and argentine-mobile-forms are whole
// logins on the in-process sandbox too: the only tests of the expiry and window-owner checks
// inside checks.run() in verify.ts and retry.ts, and the end-to-end test of countedNumber().
// unparsed-body-type is the test of bodyOf() for a body no parser took (lib/fields.ts), with its
// warning's suite in test/strategy/. provider-resend-wait holds a provider's next_retry_at to an
// hour in retry.ts. cross-instance-races is two example apps in this process on one sandbox and
// one Redis: the only whole-login test of a verification's wrong codes counted in Redis (verify.ts,
// limits.ts); without MUTATE_REDIS_URL it skips itself like the limits suites' Redis parts.
// double-tap-redis, double-submit and window-lost: the double-tap refusals in verify.ts and
// retry.ts (two instances on one Redis; a request queued behind a right code; a window lost).
const LOGIN_SUITES = ['test/security/faults.test.ts', 'test/security/gates.test.ts', 'test/security/block-extensions.test.ts', 'test/security/expiry-in-queue.test.ts', 'test/security/window-in-queue.test.ts', 'test/security/argentine-mobile-forms.test.ts', 'test/security/unparsed-body-type.test.ts', 'test/security/provider-resend-wait.test.ts', 'test/security/cross-instance-races.test.ts', 'test/security/prelude-window-attempts.test.ts', 'test/security/double-tap-redis.test.ts', 'test/security/double-submit.test.ts', 'test/security/window-lost.test.ts', 'test/strategy/**/*.test.ts', 'test/limits/**/*.test.ts'];
// The production hooks (webhooks, trusted devices, test numbers, events, telemetry) are reached
// by their own suites; MUTATE_SUITES=hooks runs those with the login suites, which reach the
// gates, ip.ts, phone.ts and the limits' keys too. Kept apart from the default run, whose
// mutated files these suites do not add to.
const HOOK_SUITES = ['test/webhooks/**/*.test.ts', 'test/trusted-devices/**/*.test.ts', 'test/security/device-cookie-behind-proxy.test.ts', 'test/test-numbers/**/*.test.ts', 'test/events/**/*.test.ts', 'test/telemetry/telemetry.test.ts', 'test/telemetry/sampler-attributes.test.ts'];
// The sandbox's own suites that run in this process (not cli, channels, contract-gate: child
// processes; cli-main runs the CLI's main() here): MUTATE_SUITES=sandbox, for `--mutate lib/sandbox/...`.
// Nor webhook-deadline, which holds a webhook try for the queue's 5 s: every webhooks.ts mutant the
// other tests leave alive would wait those 5 s, and no mutant changes the 5 s (Stryker does not
// mutate numbers); webhook-retries tests the same deadline at 300 ms. These alone: the login suites
// start the sandbox in a beforeAll, so with them every sandbox mutant would rerun all of them.
const SANDBOX_SUITES = ['test/sandbox/*.test.ts', '!test/sandbox/{cli,channels,contract-gate,webhook-deadline}.test.ts'];
const SUITES: Record<string, string[]> = {
  providers: PROVIDER_SUITES,
  hooks: [...HOOK_SUITES, ...LOGIN_SUITES],
  sandbox: SANDBOX_SUITES,
};

// Built on vitest.config.ts (its aliases and hook timeout); `test` is replaced, not merged, since
// mergeConfig would add this include list to the base one instead of narrowing it.
// The base's two projects (unit, integration) are left out: this run has one include list.
const { projects: _projects, ...baseTest } = base.test ?? {};

export default defineConfig({
  ...base,
  test: {
    ...baseTest,
    // The suites that exercise the mutated files in this process. Left out: the Chromium and
    // Redis-only suites (test/e2e/), suites run in a child process or against the
    // built dist/ (example/start, example/prelude, package/, sandbox/cli,
    // sandbox/contract-gate: a mutant in this process's lib/ never reaches them), the sandbox's
    // own suites (MUTATE_SUITES=sandbox runs them), and the slow whole-app ones (example, fuzz,
    // privacy) whose paths the suites below already take. Each mutant reruns only the tests that reached it, but a mutant
    // reached while a file loads or in a beforeAll reruns all of these, so the list stays short.
    include: SUITES[process.env.MUTATE_SUITES ?? ''] ?? [...PROVIDER_SUITES, ...LOGIN_SUITES],
    sequence: { sequencer: FastFirstSequencer },
    // A mutant that hangs a call fails its test (killed) well before Stryker's own timeout
    // (timeoutMS in stryker.config.mjs), which would restart the worker, a slow step.
    testTimeout: 7_000,
    hookTimeout: 8_000,
    // Suites with a Redis part (limits/redis, limits/rules, limits/logins, limits/strategy) skip
    // that part without REDIS_URL and keep their in-process part; a shell's REDIS_URL or
    // PASSPORT_DING_REQUIRE_ALL=1 must not turn the skip into a connection or a failure here.
    // MUTATE_REDIS_URL opts in: those parts then run against that Redis, which is what reaches
    // lib/limits/redis-store.ts (every suite keys under a random prefix of its own, so workers
    // sharing one Redis do not meet).
    env: { REDIS_URL: process.env.MUTATE_REDIS_URL ?? '', PASSPORT_DING_REQUIRE_ALL: '' },
  },
});
