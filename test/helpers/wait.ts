// Waiting in tests for what happens on its own time, with nothing to await: a server that has
// seen a request, a socket that has closed, a webhook that has arrived, a handler that has been
// entered. The test polls for it, with one loop, here, in two kinds:
// - until(): resolves once the condition holds, or when the time is up, either way; the test's
//   own expect() after it is what judges.
// - waitFor(): rejects when the time is up, naming what it waited for; else resolves with what
//   the probe found.

/** A fixed pause: for a wait with nothing to poll, such as "no retry comes after close()". */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How long to poll at the most (`withinMs`), and how often (`everyMs`). */
export interface Patience {
  withinMs?: number;
  everyMs?: number;
}

/** What a probe returns when it has found something: anything but `undefined` or `false`. */
export type Found<T> = Exclude<T, undefined | false>;

/**
 * vitest.config.ts's testTimeout: waitFor's default, for the waits that had no limit of their own,
 * so that none gives up sooner than the test itself would have.
 */
export const TEST_TIMEOUT_MS = 20_000;

async function poll<T>(probe: () => T | Promise<T>, { withinMs, everyMs }: Required<Patience>): Promise<Found<T> | undefined> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as Found<T>;
    if (Date.now() >= deadline) return undefined;
    await sleep(everyMs);
  }
}

/** Resolves once `done()` holds (to true), or after `withinMs` (2 s unless told; to false). */
export async function until(done: () => boolean | Promise<boolean>, { withinMs = 2000, everyMs = 5 }: Patience = {}): Promise<boolean> {
  return (await poll(done, { withinMs, everyMs })) !== undefined;
}

/**
 * Resolves with the first thing `probe()` finds (anything but `undefined` or `false`); rejects
 * with "timed out waiting for <what>" after `withinMs` (TEST_TIMEOUT_MS unless told). `what` may be
 * a function, for a message that quotes the state at the time out (a child's output so far).
 */
export async function waitFor<T>(what: string | (() => string), probe: () => T | Promise<T>, { withinMs = TEST_TIMEOUT_MS, everyMs = 5 }: Patience = {}): Promise<Found<T>> {
  const found = await poll(probe, { withinMs, everyMs });
  if (found === undefined) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
  return found;
}

/** `pending`'s outcome, or 'no answer' when it has none within `ms` (for a call that may hang). */
export function within<T>(pending: PromiseLike<T>, ms = 5000): Promise<T | 'no answer'> {
  return Promise.race([Promise.resolve(pending), sleep(ms).then(() => 'no answer' as const)]);
}
