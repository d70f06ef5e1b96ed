// The webhook queue's own deadline for one try, 5 s (docs/sandbox.md, "Webhooks"), with nothing
// injected: a receiver holds the first try, and the second comes once the 5 s (and the 100 ms
// backoff) are over, not after undici's 300 s. test/sandbox/webhook-retries.test.ts checks the
// same behaviour with a 300 ms deadline (tryTimeoutMs) in a second; this file is the one check of
// the default. It waits 5 s, so it is in the integration project and no mutation run includes it
// (vitest.mutate.config.ts says why).
import { describe, expect, it } from 'vitest';
import { RETRY_DELAYS_MS, WebhookQueue } from '../../lib/sandbox/core/webhooks.js';
import { startUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

describe('WebhookQueue: the default deadline of one try', () => {
  it('a try held past 5 s is given up and the next one made', { timeout: 20_000 }, async () => {
    const receiver = await startUpstream([{ hang: true }, { status: 204 }]);
    const queue = new WebhookQueue();
    try {
      queue.send({ url: `${receiver.url}/hook`, body: Buffer.from('{}'), headers: { 'content-type': 'application/json' } });
      await waitFor('the second try acknowledged', () => queue.stats().delivered === 1, { withinMs: 12_000 });
      const [first, second] = receiver.seen;
      const gap = (second?.at ?? 0) - (first?.at ?? 0);
      // 5 s, then the first backoff; undici checks the deadline on a timer of its own that ticks
      // about every 500 ms, so the try may end up to about a second late.
      expect(gap).toBeGreaterThanOrEqual(5_000 + (RETRY_DELAYS_MS[0] ?? 0) - 5);
      expect(gap).toBeLessThan(5_000 + (RETRY_DELAYS_MS[0] ?? 0) + 2_500);
      expect(queue.stats()).toEqual({ delivered: 1, failed: 0, dropped: 0, pending: 0 });
    } finally {
      await queue.close();
      await receiver.close();
    }
  });
});
