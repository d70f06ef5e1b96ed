// Which files of the packed tarball nothing uses, and which the package.json points at but are
// missing. A file is used when package.json names it (main, module, types, exports, bin,
// typesVersions) or a used file imports it by a relative path (shared declaration chunks).
import { posix } from 'node:path';

/** Files outside dist/ that a package ships on purpose. */
const DOCUMENT_FILES = new Set(['package.json', 'README.md', 'LICENSE', 'SECURITY.md', 'CHANGELOG.md']);

/** The files every release must contain. */
const REQUIRED_FILES = ['package.json', 'README.md', 'LICENSE'];

export interface PackageJsonEntries {
  main?: string;
  module?: string;
  types?: string;
  exports?: unknown;
  bin?: string | Record<string, string>;
  typesVersions?: Record<string, Record<string, string[]>>;
}

export interface TarballReport {
  /** Files in the tarball that package.json does not reach, directly or through an import. */
  unused: string[];
  /** Files package.json or an import names that the tarball lacks. */
  missing: string[];
}

const normalize = (path: string): string => posix.normalize(path).replace(/^\.\//, '');

function stringsIn(value: unknown, into: string[]): string[] {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) value.forEach((v) => stringsIn(v, into));
  else if (value !== null && typeof value === 'object') Object.values(value).forEach((v) => stringsIn(v, into));
  return into;
}

/** Every path package.json points at. */
export function entryPoints(pkg: PackageJsonEntries): string[] {
  const paths = stringsIn([pkg.main, pkg.module, pkg.types, pkg.exports, pkg.bin, pkg.typesVersions], []);
  return [...new Set(paths.filter((p) => p.startsWith('./') || !p.includes(':')).map(normalize))];
}

// `from './x.js'`, `import './x.js'`, `import('./x.js')`, `require('./x.cjs')`: the relative
// specifiers bundles and declaration files use.
const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"](\.\.?\/[^'"]+)['"]/g;

/** A declaration file's `./x.js` means `./x.d.ts` (`.cjs` means `.d.cts`, `.mjs` means `.d.mts`). */
const DECLARATION_OF: Record<string, string> = { '.js': '.d.ts', '.cjs': '.d.cts', '.mjs': '.d.mts' };

export function relativeImports(file: string, source: string): string[] {
  const dir = posix.dirname(file);
  const declaration = /\.d\.(c|m)?ts$/.test(file);
  return [...source.matchAll(RELATIVE_IMPORT)].map((m) => {
    const target = posix.join(dir, m[1] as string);
    if (!declaration) return target;
    const ext = posix.extname(target);
    return ext in DECLARATION_OF ? target.slice(0, -ext.length) + DECLARATION_OF[ext] : target;
  });
}

/** Checks the tarball's file list against what package.json and the files themselves use. */
export function checkTarballFiles(
  pkg: PackageJsonEntries,
  files: readonly string[],
  read: (file: string) => string,
): TarballReport {
  const inTarball = new Set(files);
  const used = new Set<string>();
  const missing = new Set<string>(REQUIRED_FILES.filter((f) => !inTarball.has(f)));
  const queue = entryPoints(pkg);
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (used.has(file)) continue;
    used.add(file);
    if (!inTarball.has(file)) {
      missing.add(file);
      continue;
    }
    if (/\.(c|m)?js$|\.d\.(c|m)?ts$/.test(file)) queue.push(...relativeImports(file, read(file)));
  }
  const unused = files.filter((f) => !used.has(f) && !DOCUMENT_FILES.has(f));
  return { unused: unused.sort(), missing: [...missing].sort() };
}
