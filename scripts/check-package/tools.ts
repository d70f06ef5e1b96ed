// The two published-package linters, run on the packed tarball itself: publint (package.json
// fields against the files) and @arethetypeswrong/cli (types per resolution mode, node10 included).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const run = promisify(execFile);
const ATTW = fileURLToPath(new URL('../../node_modules/@arethetypeswrong/cli/dist/index.js', import.meta.url));

export interface ToolResult {
  ok: boolean;
  output: string;
}

/** publint on the tarball, strict: every error, warning and suggestion fails the check. */
export async function runPublint(tarball: string): Promise<ToolResult> {
  const data = await readFile(tarball);
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  const { messages, pkg } = await publint({ pack: { tarball: buffer }, strict: true });
  const lines = messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`);
  return { ok: messages.length === 0, output: lines.join('\n') };
}

/** attw on the tarball with its default (strict) profile: node10, node16 from CJS and ESM, bundler. */
export async function runAttw(tarball: string): Promise<ToolResult> {
  try {
    const { stdout } = await run(process.execPath, [ATTW, tarball, '--format', 'table-flipped', '--no-color'], { timeout: 120_000 });
    return { ok: true, output: stdout.trim() };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() };
  }
}
