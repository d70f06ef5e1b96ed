// The core's webhook queue on its own, against a receiver on 127.0.0.1 that holds requests:
// the bound on pending deliveries, and close() with deliveries in flight.
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebhookQueue } from '../../lib/sandbox/core/webhooks.js';
import { waitFor } from '../helpers/wait.js';

describe('WebhookQueue', () => {
  it('holds at most maxPending deliveries; more are dropped and counted; close() ends the held ones', async () => {
    const held: ServerResponse[] = [];
    const server = createServer((req, res) => {
      req.resume();
      held.push(res);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const queue = new WebhookQueue({ maxPending: 3 });
    try {
      const delivery = { url, body: Buffer.from('{}'), headers: { 'content-type': 'application/json' } };
      expect([1, 2, 3, 4, 5].map(() => queue.send(delivery))).toEqual([true, true, true, false, false]);
      expect(queue.stats()).toEqual({ delivered: 0, failed: 0, dropped: 2, pending: 3 });
      // The three accepted deliveries go out on their own; close() must find them held.
      await waitFor('three held deliveries', () => held.length >= 3);
      await queue.close();
      expect(queue.stats()).toEqual({ delivered: 0, failed: 0, dropped: 2, pending: 0 });
      // Closed: nothing more is taken.
      expect(queue.send(delivery)).toBe(false);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
