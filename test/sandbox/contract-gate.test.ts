// The contract suite (test/sandbox/ding-contract.test.ts) needs Ding's OpenAPI spec, which lives outside the
// repository. In a clone without it, the suite must skip with a message that says why and how to
// run it (even under PASSPORT_DING_REQUIRE_ALL=1, which .ci/run sets), and fail only where the
// spec is required (PASSPORT_DING_REQUIRE_SPEC=1). Each case runs vitest on that file in a child.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MISSING = '/nonexistent/ding-api/openapi.yaml';

async function runContractSuite(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  // The child is a fresh vitest run: none of this run's VITEST* variables.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')));
  const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', 'test/sandbox/ding-contract.test.ts'], {
    cwd: ROOT,
    env: { ...base, NO_COLOR: '1', ...env },
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

describe('the contract suite without the spec', () => {
  it('skips, saying where it looked and how to run it, even under PASSPORT_DING_REQUIRE_ALL=1', async () => {
    const { code, output } = await runContractSuite({ DING_OPENAPI_SPEC: MISSING, PASSPORT_DING_REQUIRE_ALL: '1', PASSPORT_DING_REQUIRE_SPEC: '' });
    expect(output).toContain(`[skipped] sandbox answers as Ding's OpenAPI spec says: Ding's OpenAPI spec is not at ${MISSING}`);
    expect(output).toContain('set DING_OPENAPI_SPEC to its path');
    expect(output).toMatch(/1 skipped/);
    expect(code).toBe(0);
  }, 60_000);

  it('fails under PASSPORT_DING_REQUIRE_SPEC=1', async () => {
    const { code, output } = await runContractSuite({ DING_OPENAPI_SPEC: MISSING, PASSPORT_DING_REQUIRE_SPEC: '1' });
    expect(output).toContain('PASSPORT_DING_REQUIRE_SPEC=1, so this suite may not be skipped');
    expect(code).not.toBe(0);
  }, 60_000);
});
