// @ts-check
// Mutation testing (`npm run mutate`): StrykerJS plants small bugs in the code where a bug is a
// security bug and reruns, for each one, the tests that reached it. Not in CI (it is slow); see
// CONTRIBUTING.md "Mutation testing" for how to run it, the last score and the surviving mutants.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // The suites that need no Redis or Chromium (vitest.mutate.config.ts), and of those only the ones
  // whose imports reach the mutated file.
  vitest: { configFile: 'vitest.mutate.config.ts', related: true },
  coverageAnalysis: 'perTest',
  mutate: [
    'lib/actions/**/*.ts',
    'lib/pending.ts',
    'lib/limits/**/*.ts',
    'lib/providers/**/*.ts',
    'lib/http*.ts',
    'lib/serialize.ts',
    'lib/lru-delete.ts',
    'lib/circuit-breaker.ts',
  ],
  // Mutants in module-level code (constants, tables) would need every test file rerun for each;
  // they are left out and counted as ignored.
  ignoreStatic: true,
  // A laptop, or a shared machine: two test processes at most.
  concurrency: 2,
  // Reruns test only the mutants whose code or covering tests changed since the last run.
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 90, low: 85, break: null },
  timeoutMS: 10_000,
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['dist', 'coverage', 'docs', 'test-output', 'reports', 'bench/results.json'],
  cleanTempDir: 'always',
};
