// Started with NODE_ENV=production, the sandbox warns once per process (an app that falls back to
// it when its API key is missing would otherwise run real logins on printed codes in silence),
// and still starts: test runs may set NODE_ENV=production on purpose.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startDingSandbox } from 'passport-ding/sandbox';

const CODE = 'PASSPORT_DING_SANDBOX_IN_PRODUCTION';
const seen: Array<Error & { code?: string }> = [];
const listener = (warning: Error & { code?: string }): void => {
  if (warning.code === CODE) seen.push(warning);
};
process.on('warning', listener);
afterEach(() => {
  vi.unstubAllEnvs();
});

/** emitWarning reports on a later tick. */
const nextTicks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function startAndClose(): Promise<void> {
  const sandbox = await startDingSandbox();
  expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  await sandbox.close();
}

describe('the sandbox under NODE_ENV=production', () => {
  it('is silent in development and test', async () => {
    for (const env of ['development', 'test']) {
      vi.stubEnv('NODE_ENV', env);
      await startAndClose();
    }
    vi.stubEnv('NODE_ENV', undefined);
    await startAndClose();
    await nextTicks();
    expect(seen).toEqual([]);
  });

  it('warns once per process, and starts anyway', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    await startAndClose();
    await startAndClose();
    await nextTicks();
    expect(seen).toHaveLength(1);
    expect(seen[0]?.message).toContain('NODE_ENV=production');
    process.off('warning', listener);
  });
});
