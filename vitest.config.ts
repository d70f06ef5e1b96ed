import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

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
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
