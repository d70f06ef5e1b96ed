// The bench runs the built package, as a user would, not the TypeScript sources. It loads a
// private copy of dist/: other sessions rebuilding (tsup cleans dist/ first) must not pull the
// files out from under a running server. The copy sits inside node_modules so the package's own
// dependencies (undici, libphonenumber-js, ...) still resolve from the project.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type PassportDing = typeof import('passport-ding');
type Sandbox = typeof import('passport-ding/sandbox');

/** The project. A bundled server child is told it by env: its own file sits in CACHE. */
export const ROOT = process.env.BENCH_ROOT ?? resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The bench's scratch space, inside node_modules so bare imports resolve from the project. */
export const CACHE = join(ROOT, 'node_modules', '.cache', 'passport-ding-bench');
const SNAPSHOT = join(CACHE, 'dist');

/** Copies dist/ to the snapshot (once per bench run, right after `npm run build`). */
export function snapshotDist(): string {
  const dist = join(ROOT, 'dist');
  if (!existsSync(join(dist, 'index.js'))) throw new Error('dist/ is missing: run `npm run build` (npm run bench does)');
  rmSync(SNAPSHOT, { recursive: true, force: true });
  cpSync(dist, SNAPSHOT, { recursive: true });
  return SNAPSHOT;
}

const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(join(SNAPSHOT, file)).href)) as T;

export const loadPassportDing = (): Promise<PassportDing> => load<PassportDing>('index.js');
export const loadSandbox = (): Promise<Sandbox> => load<Sandbox>('sandbox/index.js');
