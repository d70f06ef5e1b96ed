// The file list `npm pack` would publish, from the built dist/ (no tarball written, no scripts run).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function packedFiles(): Promise<string[]> {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
  const [packed] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
  return (packed?.files ?? []).map((f) => f.path).sort();
}
