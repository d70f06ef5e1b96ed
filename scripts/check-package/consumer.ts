// A strict TypeScript consumer of the packed tarball, in a temporary folder outside this
// repository so that nothing resolves through the repository's node_modules: `npm install` of
// the tarball and of what a Passport app installs itself (never this package's own @types), then
// scripts/check-package/consumer/login.ts type-checked with skipLibCheck: false,
// exactOptionalPropertyTypes and noUncheckedIndexedAccess under each module setting a user may have, emitted, and run as one phone login against the package's sandbox.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const LOGIN_SOURCE = fileURLToPath(new URL('./consumer/login.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Setup {
  name: string;
  type: 'module' | 'commonjs';
  module: string;
  moduleResolution: string;
}

/**
 * ESM and CommonJS under nodenext, ESM under node16, a bundler, and node10 (no `exports`: the
 * typesVersions map). CommonJS under node16 is left out: libphonenumber-js's own index.d.cts
 * (1.13.16) imports an ESM declaration file, which node16 refuses from CommonJS (TS1479), in any
 * app that imports libphonenumber-js, with or without this package; nodenext accepts it.
 */
export const SETUPS: Setup[] = [
  { name: 'esm-nodenext', type: 'module', module: 'nodenext', moduleResolution: 'nodenext' },
  { name: 'cjs-nodenext', type: 'commonjs', module: 'nodenext', moduleResolution: 'nodenext' },
  { name: 'esm-node16', type: 'module', module: 'node16', moduleResolution: 'node16' },
  { name: 'bundler', type: 'module', module: 'esnext', moduleResolution: 'bundler' },
  { name: 'node10', type: 'commonjs', module: 'commonjs', moduleResolution: 'node10' },
];

/** The same major versions this repository develops and tests against. */
async function devVersions(names: string[]): Promise<Record<string, string>> {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Record<'dependencies' | 'devDependencies', Record<string, string>>;
  return Object.fromEntries(names.map((n) => [n, pkg.devDependencies[n] ?? pkg.dependencies[n] ?? 'latest']));
}

async function npm(args: string[], cwd: string): Promise<void> {
  // --prefer-offline: the repository's `npm ci` has usually cached every tarball this needs.
  await run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '--loglevel=error'], {
    cwd,
    timeout: 300_000,
    env: { ...process.env, NODE_PATH: '' },
  });
}

export interface ConsumerResult {
  setup: string;
  ok: boolean;
  output: string;
}

/**
 * The apps installed: one on Express 5 under every setup, and one on Express 4 with
 * @types/express 4, since this package's dependency range accepts both and npm then installs the
 * app's copy only.
 */
const APPS: Array<{ name: string; overrides: Record<string, string>; setups: Setup[] }> = [
  { name: 'express 5', overrides: {}, setups: SETUPS },
  {
    name: 'express 4',
    overrides: { express: '^4.22.3', '@types/express': '^4.17.21' },
    setups: SETUPS.filter((s) => s.module === 'nodenext'),
  },
];

/** Installs `tarball` into a fresh folder per app and runs its setups; the folders are removed afterwards. */
export async function checkConsumer(tarball: string, log: (line: string) => void): Promise<ConsumerResult[]> {
  const results: ConsumerResult[] = [];
  for (const app of APPS) {
    const dir = await mkdtemp(join(tmpdir(), 'passport-ding-consumer-'));
    try {
      const deps = {
        'passport-ding': `file:${tarball}`,
        ...(await devVersions(['passport', 'express', 'express-session', 'typescript', '@types/node', '@types/express', '@types/express-session', '@types/passport'])),
        ...app.overrides,
      };
      await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, dependencies: deps }, null, 2)}\n`);
      log(`${app.name}: installing the tarball into ${dir}`);
      await npm(['install'], dir);
      // A second copy of @types/express under passport-ding would make its Request a different type from the app's.
      const nested = await readdir(join(dir, 'node_modules/passport-ding/node_modules/@types')).catch(() => []);
      results.push({ setup: `${app.name}: one copy of each @types package`, ok: nested.length === 0, output: nested.map((n) => `nested: @types/${n}`).join('\n') });
      const tsc = join(dir, 'node_modules/typescript/bin/tsc');
      for (const setup of app.setups) results.push({ ...(await checkSetup(dir, tsc, setup)), setup: `${app.name}, ${setup.name}: type-check and login` });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return results;
}

async function checkSetup(dir: string, tsc: string, setup: Setup): Promise<ConsumerResult> {
  const folder = join(dir, setup.name);
  await mkdir(folder);
  await copyFile(LOGIN_SOURCE, join(folder, 'login.ts'));
  await writeFile(join(folder, 'package.json'), JSON.stringify({ type: setup.type }));
  const compilerOptions = {
    module: setup.module,
    moduleResolution: setup.moduleResolution,
    target: 'es2022',
    lib: ['es2023'],
    types: ['node'],
    strict: true,
    // What `tsc --init` sets (TypeScript 5.9+): the public option types take `| undefined`.
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    esModuleInterop: true,
    outDir: 'out',
  };
  await writeFile(join(folder, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['login.ts'] }, null, 2));
  try {
    await run(process.execPath, [tsc, '-p', folder], { cwd: folder, timeout: 180_000 });
  } catch (error) {
    return { setup: setup.name, ok: false, output: `tsc: ${outputOf(error)}` };
  }
  try {
    const { stdout } = await run(process.execPath, [join(folder, 'out/login.js')], { cwd: folder, timeout: 30_000 });
    return { setup: setup.name, ok: stdout.trim() === 'login ok', output: stdout.trim() };
  } catch (error) {
    return { setup: setup.name, ok: false, output: `node: ${outputOf(error)}` };
  }
}

function outputOf(error: unknown): string {
  const e = error as { stdout?: string; stderr?: string; message?: string };
  return [e.stdout, e.stderr].filter(Boolean).join('\n').trim() || String(e.message ?? error);
}
