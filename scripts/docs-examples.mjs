/* global console, process, URL */
// `npm run docs:examples`: type-checks every code block that the Markdown marks as a complete
// example, so a renamed option or export breaks the build instead of the reader.
//
// The marker is an HTML comment on its own line right before a ```ts fence (blank lines between
// are allowed):
//
//   <!-- example -->
//   ```ts
//   import { DingOtpStrategy } from 'passport-ding';
//   ```
//
// Each marked block is written to test-output/docs-examples/ as a module of its own and checked
// on its own with the project's tsconfig (strict; 'passport-ding' resolves to lib/ through its
// paths), plus exactOptionalPropertyTypes and noUncheckedIndexedAccess, as `tsc --init` sets them
// (TypeScript 5.9+): a reader pastes the examples into such a project.
// Errors are reported at the Markdown file and line they come from (an error in lib/, which
// compiles under the same flags, at its own file).
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'test-output', 'docs-examples');
// docs/_incoming/ holds drafts that are folded into the pages, not pages of their own.
const SKIP = new Set(['node_modules', '.git', 'dist', 'coverage', 'test-output', '_incoming']);

function markdownFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** Marked ```ts blocks of one file: { line (1-based, first code line), code }. */
function markedBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  let open; // the fence of the code block being skipped: a marker inside one shows the syntax
  for (let i = 0; i < lines.length; i++) {
    const fenceLine = /^\s*(`{3,}|~{3,})/.exec(lines[i]);
    if (open) {
      if (fenceLine && fenceLine[1].startsWith(open) && lines[i].trim() === fenceLine[1]) open = undefined;
      continue;
    }
    if (fenceLine) {
      open = fenceLine[1];
      continue;
    }
    if (lines[i].trim() !== '<!-- example -->') continue;
    let j = i + 1;
    while (j < lines.length && lines[j].trim() === '') j++;
    const fence = /^(\s*)(`{3,})ts\s*$/.exec(lines[j] ?? '');
    if (!fence) throw new Error(`<!-- example --> at line ${i + 1} is not followed by a \`\`\`ts block`);
    const start = j + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== fence[2]) end++;
    if (end === lines.length) throw new Error(`the example at line ${i + 1} has no closing fence`);
    blocks.push({ line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const origin = new Map(); // generated file name -> { md, line }
for (const md of markdownFiles(root)) {
  const rel = relative(root, md);
  let blocks;
  try {
    blocks = markedBlocks(readFileSync(md, 'utf8'));
  } catch (err) {
    console.error(`${rel}: ${err.message}`);
    process.exit(1);
  }
  for (const block of blocks) {
    const name = `${rel.replace(/[^A-Za-z0-9]+/g, '_')}_L${block.line}.ts`;
    writeFileSync(join(outDir, name), `${block.code}\n`);
    origin.set(name, { md: rel, line: block.line });
  }
}
if (origin.size === 0) {
  console.error('no <!-- example --> blocks found: the marker or this script has drifted');
  process.exit(1);
}
writeFileSync(
  join(outDir, 'tsconfig.json'),
  JSON.stringify(
    { extends: '../../tsconfig.json', compilerOptions: { exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true }, include: ['*.ts'] },
    null,
    2,
  ),
);

// One program per example, so that each is checked as the complete file it claims to be (one
// example's global augmentation of Express.User must not leak into another). `oldProgram` lets
// each program reuse the parsed declaration files of the one before.
const parsed = ts.getParsedCommandLineOfConfigFile(join(outDir, 'tsconfig.json'), {}, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => {
    throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  },
});
let program;
let failures = 0;
for (const [name, from] of origin) {
  program = ts.createProgram({ rootNames: [join(outDir, name)], options: parsed.options, oldProgram: program });
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
    if (!d.file) {
      failures++;
      console.error(`${from.md}: ${text}`);
      continue;
    }
    failures++;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    if (d.file.fileName.endsWith(name)) console.error(`${from.md}:${from.line + line}:${character + 1}: error TS${d.code}: ${text}`);
    else console.error(`${relative(process.cwd(), d.file.fileName)}:${line + 1}:${character + 1}: error TS${d.code}: ${text} (checking ${from.md})`);
  }
}
if (failures > 0) {
  console.error(`docs:examples: ${failures} type errors in the examples above (${origin.size} checked)`);
  process.exit(1);
}
console.log(`docs:examples: ${origin.size} examples type-check`);
