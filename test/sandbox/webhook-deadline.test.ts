// The webhook queue's own deadline for one try, 5 s (docs/sandbox.md, "Webhooks"), with nothing
// injected: a receiver holds the first try, and the second comes once the 5 s (and the 100 ms
// backoff) are over, not after undici's 300 s; and a receiver that answers no connect
// (test/helpers/unaccepted.ts) costs the try 5 s of connect, not undici's 10 s, as the timeout
// undici names in its error says. test/sandbox/webhook-retries.test.ts and
// webhook-connect-deadline.test.ts check the same behaviour with a 300 ms deadline (tryTimeoutMs)
// in a second or two; this file is the one check of the default. It waits 5 s a test, so it is in
// the integration project and no mutation run includes it (vitest.mutate.config.ts says why).
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { RETRY_DELAYS_MS, WebhookQueue } from '../../lib/sandbox/core/webhooks.js';
import { startUnaccepted } from '../helpers/unaccepted.js';
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

  it('a connect not answered is given up at 5 s and retried', { timeout: 20_000 }, async () => {
    const receiver = await startUnaccepted();
    const errors: Array<Error & { code?: string }> = [];
    const onConnectError = (message: unknown): void => {
      const { connectParams, error } = message as { connectParams: { port: number | string }; error: Error & { code?: string } };
      if (Number(connectParams.port) === receiver.port) errors.push(error);
    };
    subscribe('undici:client:connectError', onConnectError);
    const queue = new WebhookQueue();
    try {
      queue.send({ url: `${receiver.url}/hook`, body: Buffer.from('{}'), headers: { 'content-type': 'application/json' } });
      const [first] = await waitFor('the first connect given up', () => errors.length > 0 && errors, { withinMs: 12_000 });
      expect(first?.code).toBe('UND_ERR_CONNECT_TIMEOUT');
      // The timeout undici used, in its own words: the queue's 5 s, not its default 10 s.
      expect(first?.message).toContain('timeout: 5000ms');
      expect(queue.stats()).toEqual({ delivered: 0, failed: 0, dropped: 0, pending: 1 });
      receiver.release();
      await waitFor('the retry acknowledged', () => queue.stats().delivered === 1, { withinMs: 12_000 });
      expect(queue.stats()).toEqual({ delivered: 1, failed: 0, dropped: 0, pending: 0 });
    } finally {
      unsubscribe('undici:client:connectError', onConnectError);
      await queue.close();
      await receiver.close();
    }
  });
});
