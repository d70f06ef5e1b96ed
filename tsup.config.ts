import { defineConfig } from 'tsup';

// The library entries build twice, ESM (.js + .d.ts) and CommonJS (.cjs + .d.cts), matching the
// `exports` map in package.json. The sandbox CLI is an executable (`bin`), never imported, so it
// is built once, as ESM.
//
// No source maps: the bundles are not minified, so a stack trace already names the function and a
// readable line in dist/, and Node reads maps only under --enable-source-maps; the maps were 63 %
// of the unpacked package.
const shared = { target: 'node20', platform: 'node', sourcemap: false, splitting: false, shims: true } as const;

export default defineConfig([
  {
    ...shared,
    entry: { index: 'lib/index.ts', 'sandbox/index': 'lib/sandbox/index.ts' },
    format: ['esm', 'cjs'],
    // The declarations augment express-session's SessionData: a consumer whose tsconfig lists no
    // `types` must still load them. tsup's declaration bundler drops the `/// <reference>` written
    // in lib/augment.ts, so it is added here.
    dts: { banner: '/// <reference types="express-session" />' },
    // tsup runs both configs at once: this clean must not delete the CLI the other one writes.
    clean: ['!sandbox/cli.js'],
  },
  {
    ...shared,
    entry: { 'sandbox/cli': 'lib/sandbox/cli.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
  },
]);
