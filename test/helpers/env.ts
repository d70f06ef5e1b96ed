// Suites that need something outside Node (Chromium, Redis) skip themselves on a machine that
// lacks it and say plainly how to enable them. With PASSPORT_DING_REQUIRE_ALL=1 (CI, .ci/run)
// a missing dependency is a failing test instead, so CI never skips them silently.
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';

export const REQUIRE_ALL = process.env.PASSPORT_DING_REQUIRE_ALL === '1';

/**
 * Returns true when the suite can run. Otherwise registers either one skipped test (with a
 * message on stderr) or, under PASSPORT_DING_REQUIRE_ALL=1, one failing test, and returns false.
 */
export function gate(suite: string, missing: string | undefined, howTo: string): boolean {
  if (missing === undefined) return true;
  const message = `${suite}: ${missing}. To run it: ${howTo}`;
  if (REQUIRE_ALL) {
    describe(suite, () => {
      it('has what it needs', () => {
        throw new Error(`${message} (PASSPORT_DING_REQUIRE_ALL=1, so this suite may not be skipped)`);
      });
    });
  } else {
    console.warn(`\n[skipped] ${message}\n`);
    describe.skip(suite, () => {
      it(`skipped: ${missing}`, () => {});
    });
  }
  return false;
}

/** Chromium's path: CHROMIUM_PATH, or Debian's /usr/bin/chromium. */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

export function chromiumGate(suite: string): boolean {
  const path = chromiumPath();
  return gate(
    suite,
    existsSync(path) ? undefined : `no Chromium at ${path}`,
    '`apt-get install chromium` (or set CHROMIUM_PATH to a Chromium/Chrome binary)',
  );
}

export function redisGate(suite: string): boolean {
  return gate(
    suite,
    process.env.REDIS_URL ? undefined : 'REDIS_URL is not set',
    'start Redis (`apt-get install redis-server && redis-server --port 6390 --daemonize yes --save ""`) and run with REDIS_URL=redis://127.0.0.1:6390',
  );
}
