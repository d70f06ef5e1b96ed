// npm run check:package: the package as users get it. Packs the built dist/ (run `npm run build`
// first) and checks the tarball: its file list (nothing unused, nothing missing), the relative
// links of every Markdown file in it, publint, @arethetypeswrong/cli, and a strict TypeScript
// consumer that installs the tarball in a folder of its own, type-checks and runs a login.
// Exits 1 when any check fails, after running them all.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { checkConsumer } from './check-package/consumer.js';
import { brokenLinks } from './check-package/markdown-links.js';
import { newestSource } from './check-package/stale-build.js';
import type { PackageJsonEntries } from './check-package/tarball-files.js';
import { checkTarballFiles } from './check-package/tarball-files.js';
import { runAttw, runPublint } from './check-package/tools.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

let failed = 0;
function report(name: string, ok: boolean, detail: string): void {
  if (!ok) failed += 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}`);
  if (detail !== '') console.log(detail.replace(/^/gm, '     '));
}

async function checkBuildIsFresh(): Promise<void> {
  const built = await stat(join(ROOT, 'dist/index.js')).catch(() => undefined);
  const newest = await newestSource(join(ROOT, 'lib'));
  if (built === undefined) throw new Error('dist/ is missing: run `npm run build` first');
  if (newest !== undefined && newest.mtimeMs > built.mtimeMs) {
    throw new Error(`dist/ is older than ${newest.path}: run \`npm run build\` first`);
  }
}

interface PackResult {
  filename: string;
  files: Array<{ path: string }>;
  size: number;
  unpackedSize: number;
}

async function main(): Promise<void> {
  await checkBuildIsFresh();
  const out = await mkdtemp(join(tmpdir(), 'passport-ding-pack-'));
  try {
    // --ignore-scripts: `prepack` would build again; the build was just checked to be current.
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], { cwd: ROOT });
    const packed = (JSON.parse(stdout) as PackResult[])[0] as PackResult;
    const tarball = join(out, packed.filename);
    const files = packed.files.map((f) => f.path).sort();
    console.log(`packed ${packed.filename}: ${files.length} files, ${packed.size} bytes (${packed.unpackedSize} unpacked)`);

    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as PackageJsonEntries;
    const sources = new Map(await Promise.all(files.map(async (f) => [f, await readFile(join(ROOT, f), 'utf8')] as const)));
    const tarballReport = checkTarballFiles(pkg, files, (f) => sources.get(f) ?? '');
    report(
      'tarball holds what package.json uses, and nothing else',
      tarballReport.unused.length === 0 && tarballReport.missing.length === 0,
      [...tarballReport.unused.map((f) => `unused: ${f}`), ...tarballReport.missing.map((f) => `missing: ${f}`)].join('\n'),
    );

    const broken = files.filter((f) => f.endsWith('.md')).flatMap((f) => brokenLinks(f, sources.get(f) ?? '', files));
    report(
      'relative links in the shipped Markdown point at shipped files',
      broken.length === 0,
      broken.map((b) => `${b.file}: ${b.target} is not in the tarball (link to https://github.com/passport-ding/passport-ding/blob/main/...)`).join('\n'),
    );

    const publint = await runPublint(tarball);
    report('publint --strict', publint.ok, publint.output);
    const attw = await runAttw(tarball);
    report('@arethetypeswrong/cli', attw.ok, attw.ok ? '' : attw.output);

    const consumers = await checkConsumer(tarball, (line) => console.log(`     ${line}`));
    for (const c of consumers) report(`strict TypeScript consumer, ${c.setup}`, c.ok, c.ok ? '' : c.output);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
  console.log(failed === 0 ? 'check:package passed' : `check:package: ${failed} check(s) failed`);
  if (failed > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(`check:package could not run: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
