// The core's webhook queue on its own, against a receiver on 127.0.0.1 that holds requests:
// the bound on pending deliveries, and close() with deliveries in flight.
import { describe, expect, it } from 'vitest';
import { WebhookQueue } from '../../lib/sandbox/core/webhooks.js';
import { startUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

describe('WebhookQueue', () => {
  it('holds at most maxPending deliveries; more are dropped and counted; close() ends the held ones', async () => {
    const receiver = await startUpstream({ hang: true });
    const url = `${receiver.url}/hook`;
    const queue = new WebhookQueue({ maxPending: 3 });
    try {
      const delivery = { url, body: Buffer.from('{}'), headers: { 'content-type': 'application/json' } };
      expect([1, 2, 3, 4, 5].map(() => queue.send(delivery))).toEqual([true, true, true, false, false]);
      expect(queue.stats()).toEqual({ delivered: 0, failed: 0, dropped: 2, pending: 3 });
      // The three accepted deliveries go out on their own; close() must find them held.
      await waitFor('three held deliveries', () => receiver.seen.length >= 3);
      await queue.close();
      expect(queue.stats()).toEqual({ delivered: 0, failed: 0, dropped: 2, pending: 0 });
      // Closed: nothing more is taken.
      expect(queue.send(delivery)).toBe(false);
    } finally {
      await receiver.close();
    }
  });
});
