// The tarball check of `npm run check:package`: every file is reached from package.json or an
// import, every file package.json names is there, and the real package passes it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTarballFiles, entryPoints } from '../../scripts/check-package/tarball-files.js';
import { packedFiles, ROOT } from './packed-files.js';

const pkg = {
  main: './dist/index.cjs',
  types: './dist/index.d.ts',
  exports: { '.': { import: { types: './dist/index.d.ts', default: './dist/index.js' }, require: './dist/index.cjs' } },
  bin: { tool: './dist/cli.js' },
};
const sources: Record<string, string> = {
  'dist/index.d.ts': "import { A } from './chunk-1.js';\nexport { A };",
  'dist/index.js': "import 'node:fs';\nexport const a = 1;",
  'dist/index.cjs': "const x = require('./shared.cjs');",
};
const read = (file: string) => sources[file] ?? '';
const complete = ['LICENSE', 'README.md', 'package.json', 'dist/index.d.ts', 'dist/chunk-1.d.ts', 'dist/index.js', 'dist/index.cjs', 'dist/shared.cjs', 'dist/cli.js'];

describe('tarball file check', () => {
  it('reads every path package.json points at', () => {
    expect(entryPoints(pkg).sort()).toEqual(['dist/cli.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.js']);
  });

  it('passes a tarball of used files and documents, following imports into declaration chunks', () => {
    expect(checkTarballFiles(pkg, complete, read)).toEqual({ unused: [], missing: [] });
  });

  it('names files nothing uses: source maps, a CommonJS build of the CLI', () => {
    const files = [...complete, 'dist/index.js.map', 'dist/cli.cjs'];
    expect(checkTarballFiles(pkg, files, read).unused).toEqual(['dist/cli.cjs', 'dist/index.js.map']);
  });

  it('names what package.json or an import expects but the tarball lacks, and a missing LICENSE', () => {
    const files = complete.filter((f) => f !== 'LICENSE' && f !== 'dist/chunk-1.d.ts' && f !== 'dist/cli.js');
    expect(checkTarballFiles(pkg, files, read).missing).toEqual(['LICENSE', 'dist/chunk-1.d.ts', 'dist/cli.js']);
  });

  it('passes the package as built', async () => {
    if (!existsSync(join(ROOT, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it in `pretest`)');
    const files = await packedFiles();
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Parameters<typeof checkTarballFiles>[0];
    expect(checkTarballFiles(manifest, files, (f) => readFileSync(join(ROOT, f), 'utf8'))).toEqual({ unused: [], missing: [] });
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('ships an MIT LICENSE, as package.json says, and says where the repository is', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.license).toBe('MIT');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
    expect(manifest.repository).toEqual({ type: 'git', url: 'git+https://github.com/passport-ding/passport-ding.git' });
    expect(manifest.homepage).toMatch(/^https:\/\/github\.com\/passport-ding\/passport-ding/);
    expect(manifest.bugs).toEqual({ url: 'https://github.com/passport-ding/passport-ding/issues' });
  });
});
