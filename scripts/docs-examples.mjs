/* global console, process, URL */
// `npm run docs:examples`: type-checks every code block that the Markdown marks as a complete
// example, so a renamed option or export breaks the build instead of the reader.
//
// Every ```ts and ```js block carries a label, an HTML comment on its own line right before the
// fence (blank lines between are allowed; HTML comments do not render):
//
//   <!-- example -->         a complete module: checked
//   ```ts
//   import { DingOtpStrategy } from 'passport-ding';
//   ```
//
//   <!-- fragment -->        a shape, an option excerpt, a piece of a page's example: not checked
//   ```js
//   pendingVerification(req); // { phoneNumber: '+1•••••2671', ... }
//   ```
//
// A fragment may say why it is one: `<!-- fragment: needs prom-client, not a dev dependency -->`.
// A ```ts or ```js block with no label (or with an alias: typescript, tsx, mjs, ...) fails the
// run, as does a label before anything but such a block: unchecked code is a decision someone
// wrote down, never a marker someone forgot. Blocks in other languages (sh, json, html) need none.
// The run ends with the count of checked and fragment blocks per file.
//
// Each example is written to test-output/docs-examples/ as a module of its own and checked on
// its own with the project's tsconfig (strict; 'passport-ding' resolves to lib/ through its
// paths), plus exactOptionalPropertyTypes and noUncheckedIndexedAccess, as `tsc --init` sets them
// (TypeScript 5.9+): a reader pastes the examples into such a project. A ```js example is checked
// as JavaScript (checkJs) under the same flags, with two allowances a JS reader needs (see below).
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

// The fence words that make a block TypeScript or JavaScript, and so in need of a label.
const LANGS = new Map([
  ...['ts', 'typescript', 'tsx', 'mts', 'cts'].map((word) => [word, 'ts']),
  ...['js', 'javascript', 'jsx', 'mjs', 'cjs'].map((word) => [word, 'js']),
]);

/**
 * The ```ts and ```js blocks of one file, each with its label: { line (1-based, first code line),
 * lang ('ts' | 'js'), label ('example' | 'fragment'), code }. A code block of another language
 * needs no label; a TS or JS one without a label, or a label that is not right before a ```ts or
 * ```js block, is an error (a message naming the line), so that nothing is unchecked by accident.
 */
function labelledBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  const errors = [];
  let label; // { name, line } of a label waiting for its code block
  let open; // the fence of the code block being read or skipped: a label inside one shows the syntax
  let start;
  for (let i = 0; i < lines.length; i++) {
    const fenceLine = /^\s*(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]);
    if (open) {
      if (fenceLine && fenceLine[1].startsWith(open.fence) && lines[i].trim() === fenceLine[1]) {
        if (open.block) blocks.push({ ...open.block, code: lines.slice(start, i).join('\n') });
        open = undefined;
      }
      continue;
    }
    if (fenceLine) {
      const info = fenceLine[2].toLowerCase();
      const lang = LANGS.get(info);
      open = { fence: fenceLine[1] };
      start = i + 1;
      if (lang === undefined) {
        if (label) errors.push(`${label.line}: <!-- ${label.name} --> is followed by a \`\`\`${info} block, not \`\`\`ts or \`\`\`js`);
      } else if (!label) {
        errors.push(`${i + 1}: a \`\`\`${info} block with neither <!-- example --> nor <!-- fragment --> before it`);
      } else if (label.name === 'example' && lang !== info) {
        // The fence names the file the example is checked as: say ts or js, not an alias.
        errors.push(`${i + 1}: an example's fence says \`\`\`${info}: write \`\`\`${lang}`);
      } else {
        open.block = { line: i + 2, lang, label: label.name };
      }
      label = undefined;
      continue;
    }
    // `<!-- fragment -->` may say why it is not checked: `<!-- fragment: needs prom-client -->`.
    const comment = /^\s*<!--\s*(?:(example)|(fragment)(?::[^>]*)?)\s*-->\s*$/.exec(lines[i]);
    if (comment) {
      if (label) errors.push(`${label.line}: <!-- ${label.name} --> is not followed by a code block`);
      label = { name: comment[1] ?? comment[2], line: i + 1 };
    } else if (label && lines[i].trim() !== '') {
      errors.push(`${label.line}: <!-- ${label.name} --> is not followed by a code block`);
      label = undefined;
    }
  }
  if (open) errors.push(`${start}: a code block with no closing fence`);
  if (label) errors.push(`${label.line}: <!-- ${label.name} --> is not followed by a code block`);
  return { blocks, errors };
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const origin = new Map(); // generated file name -> { md, line, lang }
const perFile = []; // { md, examples, fragments }, for the summary
let labelErrors = 0;
for (const md of markdownFiles(root)) {
  const rel = relative(root, md);
  const { blocks, errors } = labelledBlocks(readFileSync(md, 'utf8'));
  for (const err of errors) console.error(`${rel}:${err}`);
  labelErrors += errors.length;
  const examples = blocks.filter((block) => block.label === 'example');
  if (blocks.length > 0) perFile.push({ md: rel, examples: examples.length, fragments: blocks.length - examples.length });
  for (const block of examples) {
    const name = `${rel.replace(/[^A-Za-z0-9]+/g, '_')}_L${block.line}.${block.lang}`;
    writeFileSync(join(outDir, name), `${block.code}\n`);
    origin.set(name, { md: rel, line: block.line, lang: block.lang });
  }
}
if (labelErrors > 0) {
  console.error(`docs:examples: ${labelErrors} unlabelled or misplaced labels above: every \`\`\`ts and \`\`\`js block is <!-- example --> (checked) or <!-- fragment --> (not)`);
  process.exit(1);
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
// JS examples: a JS app cannot say what its user and session hold without a .d.ts of its own, and
// at runtime reads any property of them; so for JS programs (and only for them) Express.User and
// the session data are open records. The options, exports and return types of passport-ding stay
// as strict as for TypeScript.
const jsGlobals = join(outDir, 'js-globals.d.ts');
writeFileSync(
  jsGlobals,
  [
    '// Generated by scripts/docs-examples.mjs for the ```js examples: see the comment there.',
    "import 'express-session';",
    'declare global { namespace Express { interface User { [key: string]: any } } }',
    "declare module 'express-session' { interface SessionData { [key: string]: any } }",
    '',
  ].join('\n'),
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
// A ```js block is checked as JavaScript (checkJs) under the same strict flags and with lib/ as
// strict as ever; only "implicitly has an 'any' type" in the example itself is let through, as a JS
// reader has no annotation to add (a callback given to a typed API is still typed from it, so a
// wrong option or property is still an error). noImplicitAny: false would not do: it changes how
// lib/ compiles (an unannotated `let` there is `any` instead of following its assignments).
const jsOptions = { ...parsed.options, allowJs: true, checkJs: true };
const IMPLICIT_ANY = new Set([7005, 7006, 7008, 7010, 7011, 7019, 7031, 7034]);
let program;
let failures = 0;
for (const [name, from] of origin) {
  const js = from.lang === 'js';
  program = ts.createProgram({
    rootNames: js ? [join(outDir, name), jsGlobals] : [join(outDir, name)],
    options: js ? jsOptions : parsed.options,
    oldProgram: program,
  });
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (js && IMPLICIT_ANY.has(d.code) && d.file?.fileName.endsWith(name)) continue;
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
const js = [...origin.values()].filter((from) => from.lang === 'js').length;
const fragments = perFile.reduce((n, file) => n + file.fragments, 0);
if (failures > 0) {
  console.error(`docs:examples: ${failures} type errors in the examples above (${origin.size} checked)`);
  process.exit(1);
}
// The count per file shows where the unchecked code is: a page of fragments is worth a look.
for (const file of perFile) console.log(`  ${file.md}: ${file.examples} checked, ${file.fragments} fragments`);
console.log(`docs:examples: ${origin.size} examples type-check (${origin.size - js} ts, ${js} js); ${fragments} fragments unchecked`);
