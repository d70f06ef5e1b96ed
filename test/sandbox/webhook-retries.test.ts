// The core's webhook queue (lib/sandbox/core/webhooks.ts) against a receiver on 127.0.0.1: which
// answers acknowledge a delivery (any 2xx, nothing else), the backoff between the four tries, and
// the counters that reset() zeroes.
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { RETRY_DELAYS_MS, WebhookQueue } from '../../lib/sandbox/core/webhooks.js';
import { startUpstream, type Answer, type Upstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

/** The receiver answers `status`, or, for the n-th request (0-based) when it returns undefined, never. */
async function withQueue(
  status: number | ((n: number) => number | undefined),
  run: (queue: WebhookQueue, receiver: Upstream) => Promise<void>,
  options: ConstructorParameters<typeof WebhookQueue>[0] = {},
): Promise<void> {
  const answer = (n: number): Answer => {
    const code = typeof status === 'number' ? status : status(n);
    return code === undefined ? { hang: true } : { status: code };
  };
  const receiver = await startUpstream(() => answer(receiver.seen.length - 1));
  const queue = new WebhookQueue(options);
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

// One try's deadline covers the connect (the TLS handshake included) and the answer: 5 s in the
// sandbox, 300 ms here (tryTimeoutMs), so that a test need not hold a try for 5 s. Without the
// Agent's timeouts undici's defaults would hold a try 10 s (connect) or 300 s (headers, body).
describe('WebhookQueue: one try is given up at its deadline', () => {
  it('a receiver that holds the answer: the try ends at the deadline, the next one is delivered', async () => {
    await withQueue(
      (n) => (n === 0 ? undefined : 204),
      async (queue, r) => {
        queue.send(delivery(r.url));
        // Well before undici's own 300 s, and before this run's 7 s test timeout.
        await waitFor('the second try acknowledged', () => queue.stats().delivered === 1, { withinMs: 3000 });
        expect(r.seen).toHaveLength(2);
        const [first, second] = r.seen;
        // The held try ran its 300 ms, then the 100 ms backoff.
        expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(300 + (RETRY_DELAYS_MS[0] ?? 0) - 5);
        expect(queue.stats()).toEqual({ delivered: 1, failed: 0, dropped: 0, pending: 0 });
      },
      { tryTimeoutMs: 300 },
    );
  });

  it('a receiver that takes the connection and never answers the TLS handshake: the try ends at the deadline, the next ones are made', async () => {
    // A TCP listener, not a TLS server: the client's hello is read and never answered, so the first
    // https try never gets past its connect. Later connections are dropped at once (each try fails
    // fast), so the delivery is given up soon after the first try ends.
    const sockets: Socket[] = [];
    const arrivals: number[] = [];
    let firstClosed = 0;
    const silent = createServer((socket) => {
      arrivals.push(performance.now());
      sockets.push(socket);
      socket.on('error', () => undefined);
      // Read (and drop) the hello, so that the client's close is seen.
      if (arrivals.length === 1) socket.on('close', () => (firstClosed = performance.now())).resume();
      else socket.destroy();
    });
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as AddressInfo;
    const queue = new WebhookQueue({ tryTimeoutMs: 300 });
    try {
      queue.send({ url: `https://127.0.0.1:${port}/hook`, body: Buffer.from('{}'), headers: { 'content-type': 'application/json' } });
      // undici checks a connect's deadline on a timer of its own that ticks about every 500 ms, so
      // the first try ends 300 to about 1,300 ms in; without the option, after 10 s.
      await waitFor('the delivery given up', () => queue.stats().failed === 1, { withinMs: 4000 });
      expect(arrivals).toHaveLength(4);
      const first = arrivals[0] ?? 0;
      expect(firstClosed - first).toBeGreaterThanOrEqual(295);
      expect((arrivals[1] ?? 0) - firstClosed).toBeGreaterThanOrEqual((RETRY_DELAYS_MS[0] ?? 0) - 5);
      expect(queue.stats()).toEqual({ delivered: 0, failed: 1, dropped: 0, pending: 0 });
    } finally {
      await queue.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
      await once(silent, 'close');
    }
  });
});
