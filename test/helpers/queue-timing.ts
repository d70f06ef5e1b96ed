// Timing for tests that hold a verification's check queue (lib/serialize.ts) with a stalled
// upstream call and send a second request into it: test/security/expiry-in-queue.test.ts and
// window-in-queue.test.ts.

/**
 * How long the stalled upstream call holds the queue (the strategy's `timeoutMs`): the second
 * request must be in the queue before it ends (`inQueue()` after it is sent), with room for a
 * loaded machine's slow event loop.
 */
export const STALL_MS = 1500;

/** Resolves once `done()` is true, or after about a second. */
export async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Long enough for a request just sent to reach the strategy and queue. */
export function inQueue(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 100));
}
