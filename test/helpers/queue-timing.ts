// Timing for tests that hold a verification's check queue (lib/serialize.ts) with a stalled
// upstream call and send a second request into it: test/security/expiry-in-queue.test.ts and
// window-in-queue.test.ts. They wait for the stalled call with until() from ./wait.ts.
import { sleep } from './wait.js';

/**
 * How long the stalled upstream call holds the queue (the strategy's `timeoutMs`): the second
 * request must be in the queue before it ends (`inQueue()` after it is sent), with room for a
 * loaded machine's slow event loop.
 */
export const STALL_MS = 1500;

/** Long enough for a request just sent to reach the strategy and queue. */
export function inQueue(): Promise<void> {
  return sleep(100);
}
