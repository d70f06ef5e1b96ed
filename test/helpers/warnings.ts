// The process warnings passport-ding emits on purpose (process.emitWarning with a PASSPORT_DING_
// code), as a test file sees them: collected per test, from a listener added before each test and
// removed after it.
import { afterEach, beforeEach } from 'vitest';

export type Warning = Error & { code?: string };

/** The warnings whose code `wanted` accepts, emptied before each test of the calling file. */
export function collectWarnings(wanted: (code: string) => boolean): Warning[] {
  const seen: Warning[] = [];
  const listener = (warning: Warning): void => {
    if (warning.code !== undefined && wanted(warning.code)) seen.push(warning);
  };
  beforeEach(() => {
    seen.length = 0;
    process.on('warning', listener);
  });
  afterEach(() => {
    process.off('warning', listener);
  });
  return seen;
}

/** emitWarning reports on a later tick. */
export const nextTicks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
