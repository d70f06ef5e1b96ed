import { defineConfig } from 'tsup';

// Two bundles per entry: ESM (.js + .d.ts) and CommonJS (.cjs + .d.cts), matching the
// `exports` map in package.json.
export default defineConfig({
  entry: {
    index: 'lib/index.ts',
    'sandbox/index': 'lib/sandbox/index.ts',
    'sandbox/cli': 'lib/sandbox/cli.ts',
  },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'lib/index.ts', 'sandbox/index': 'lib/sandbox/index.ts' } },
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
  splitting: false,
  shims: true,
});
