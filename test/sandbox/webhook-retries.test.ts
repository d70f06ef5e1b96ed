// The core's webhook queue (lib/sandbox/core/webhooks.ts) against a receiver on 127.0.0.1: which
// answers acknowledge a delivery (any 2xx, nothing else), the backoff between the four tries, and
// the counters that reset() zeroes.
import { describe, expect, it } from 'vitest';
import { RETRY_DELAYS_MS, WebhookQueue } from '../../lib/sandbox/core/webhooks.js';
import { startUpstream, type Answer, type Upstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

/** The receiver answers `status`, or, for the n-th request (0-based) when it returns undefined, never. */
async function withQueue(status: number | ((n: number) => number | undefined), run: (queue: WebhookQueue, receiver: Upstream) => Promise<void>): Promise<void> {
  const answer = (n: number): Answer => {
    const code = typeof status === 'number' ? status : status(n);
    return code === undefined ? { hang: true } : { status: code };
  };
  const receiver = await startUpstream(() => answer(receiver.seen.length - 1));
  const queue = new WebhookQueue();
  try {
    await run(queue, receiver);
  } finally {
    await queue.close();
    await receiver.close();
  }
}

const delivery = (base: string) => ({ url: `${base}/hook`, body: Buffer.from('{}'), headers: { 'content-type': 'application/json' } });

describe('WebhookQueue: acknowledgements', () => {
  it('a 299 acknowledges at the first try', async () => {
    await withQueue(299, async (queue, r) => {
      expect(queue.send(delivery(r.url))).toBe(true);
      await queue.settled();
      expect(r.seen).toHaveLength(1);
      expect(r.seen.map((req) => req.method)).toEqual(['POST']);
      expect(queue.stats()).toEqual({ delivered: 1, failed: 0, dropped: 0, pending: 0 });
    });
  });

  it('a 300 does not: four tries, 100, 200 and 400 ms apart at least, then given up; reset() zeroes the counts', async () => {
    await withQueue(300, async (queue, r) => {
      queue.send(delivery(r.url));
      await queue.settled();
      expect(r.seen).toHaveLength(4);
      expect(r.seen.map((req) => req.method)).toEqual(['POST', 'POST', 'POST', 'POST']);
      const gaps = r.seen.slice(1).map((req, i) => req.at - (r.seen[i]?.at ?? 0));
      expect(RETRY_DELAYS_MS).toEqual([100, 200, 400]);
      gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual((RETRY_DELAYS_MS[i] ?? 0) - 5));
      expect(queue.stats()).toEqual({ delivered: 0, failed: 1, dropped: 0, pending: 0 });
      queue.resetStats();
      expect(queue.stats()).toEqual({ delivered: 0, failed: 0, dropped: 0, pending: 0 });
    });
  });

  it('a delivery whose last try close() cuts short is abandoned, not counted as failed', async () => {
    // Three refusals, then the fourth try is held until close().
    await withQueue((n) => (n < 3 ? 500 : undefined), async (queue, r) => {
      queue.send(delivery(r.url));
      await waitFor('the fourth try', () => r.seen.length === 4);
      await queue.close();
      expect(queue.stats()).toEqual({ delivered: 0, failed: 0, dropped: 0, pending: 0 });
    });
  });

  it('close() during a backoff, or during a try with a backoff after it, returns without waiting the backoff out', async () => {
    // Refused twice: the third try comes 200 ms after the second, and a fourth would wait 400 ms.
    await withQueue((n) => (n < 2 ? 500 : undefined), async (queue, r) => {
      queue.send(delivery(r.url));
      // The third try is held: close() aborts it, and the 400 ms wait after it must not run.
      await waitFor('the third try', () => r.seen.length === 3);
      const start = performance.now();
      await queue.close();
      // Waiting the backoff out would take 400 ms from here: a bound with room for a loaded host.
      expect(performance.now() - start).toBeLessThan(380);
    });
    await withQueue(500, async (queue, r) => {
      queue.send(delivery(r.url));
      await waitFor('the third try', () => r.seen.length === 3);
      // Its 500 is in; the 400 ms wait has begun.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const start = performance.now();
      await queue.close();
      // At least 350 ms of the wait are left: waiting them out would pass this bound.
      expect(performance.now() - start).toBeLessThan(330);
      expect(r.seen).toHaveLength(3);
    });
  });
});
