// The core's webhook queue (lib/sandbox/core/webhooks.ts) against a receiver on 127.0.0.1: which
// answers acknowledge a delivery (any 2xx, nothing else), the backoff between the four tries, and
// the counters that reset() zeroes.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { RETRY_DELAYS_MS, WebhookQueue } from '../../lib/sandbox/core/webhooks.js';
import { waitFor } from '../helpers/wait.js';

interface Receiver {
  url: string;
  /** When each request arrived (performance.now()). */
  arrivals: number[];
  methods: string[];
  server: Server;
}

/** A receiver answering `status`, or, for the n-th request (0-based) when it returns undefined, never. */
async function receiver(status: number | ((n: number) => number | undefined)): Promise<Receiver> {
  const arrivals: number[] = [];
  const methods: string[] = [];
  const server = createServer((req, res) => {
    const n = arrivals.length;
    arrivals.push(performance.now());
    methods.push(req.method ?? '');
    req.resume();
    const answer = typeof status === 'number' ? status : status(n);
    if (answer !== undefined) req.on('end', () => res.writeHead(answer).end());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, arrivals, methods, server };
}

async function withQueue(status: number | ((n: number) => number | undefined), run: (queue: WebhookQueue, r: Receiver) => Promise<void>): Promise<void> {
  const r = await receiver(status);
  const queue = new WebhookQueue();
  try {
    await run(queue, r);
  } finally {
    await queue.close();
    r.server.closeAllConnections();
    await new Promise<void>((resolve) => r.server.close(() => resolve()));
  }
}

const delivery = (url: string) => ({ url, body: Buffer.from('{}'), headers: { 'content-type': 'application/json' } });

describe('WebhookQueue: acknowledgements', () => {
  it('a 299 acknowledges at the first try', async () => {
    await withQueue(299, async (queue, r) => {
      expect(queue.send(delivery(r.url))).toBe(true);
      await queue.settled();
      expect(r.arrivals).toHaveLength(1);
      expect(r.methods).toEqual(['POST']);
      expect(queue.stats()).toEqual({ delivered: 1, failed: 0, dropped: 0, pending: 0 });
    });
  });

  it('a 300 does not: four tries, 100, 200 and 400 ms apart at least, then given up; reset() zeroes the counts', async () => {
    await withQueue(300, async (queue, r) => {
      queue.send(delivery(r.url));
      await queue.settled();
      expect(r.arrivals).toHaveLength(4);
      expect(r.methods).toEqual(['POST', 'POST', 'POST', 'POST']);
      const gaps = r.arrivals.slice(1).map((t, i) => t - (r.arrivals[i] ?? 0));
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
      await waitFor('the fourth try', () => r.arrivals.length === 4);
      await queue.close();
      expect(queue.stats()).toEqual({ delivered: 0, failed: 0, dropped: 0, pending: 0 });
    });
  });

  it('close() during a backoff, or during a try with a backoff after it, returns without waiting the backoff out', async () => {
    // Refused twice: the third try comes 200 ms after the second, and a fourth would wait 400 ms.
    await withQueue((n) => (n < 2 ? 500 : undefined), async (queue, r) => {
      queue.send(delivery(r.url));
      // The third try is held: close() aborts it, and the 400 ms wait after it must not run.
      await waitFor('the third try', () => r.arrivals.length === 3);
      const start = performance.now();
      await queue.close();
      // Waiting the backoff out would take 400 ms from here: a bound with room for a loaded host.
      expect(performance.now() - start).toBeLessThan(380);
    });
    await withQueue(500, async (queue, r) => {
      queue.send(delivery(r.url));
      await waitFor('the third try', () => r.arrivals.length === 3);
      // Its 500 is in; the 400 ms wait has begun.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const start = performance.now();
      await queue.close();
      // At least 350 ms of the wait are left: waiting them out would pass this bound.
      expect(performance.now() - start).toBeLessThan(330);
      expect(r.arrivals).toHaveLength(3);
    });
  });
});
