// The server children run as plain JavaScript on plain `node`: a TypeScript loader (tsx) would
// add its own thread and heap to the RSS the bench reports. So server.ts and the variants are
// bundled once per run, their packages left external (resolved from the project's node_modules,
// as an app's would be).
import { join } from 'node:path';
import { build } from 'tsup';
import { CACHE, ROOT } from './dist.js';

export const SERVER_BUNDLE = join(CACHE, 'server', 'server.js');

export async function bundleServer(): Promise<string> {
  await build({
    config: false,
    entry: { server: join(ROOT, 'bench', 'server.ts') },
    outDir: join(CACHE, 'server'),
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    skipNodeModulesBundle: true,
    splitting: false,
    sourcemap: true,
    dts: false,
    clean: true,
    silent: true,
  });
  return SERVER_BUNDLE;
}
