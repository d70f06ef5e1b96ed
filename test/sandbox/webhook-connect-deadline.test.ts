// The webhook queue's deadline for one try covers the TCP connect itself (docs/sandbox.md,
// "Webhooks": "each try with a 5 s deadline"): a callback URL whose listener answers no connect
// (test/helpers/unaccepted.ts: its accept queue full, the SYN dropped) costs a try its deadline,
// not undici's own 10 s connect timeout, and the try is then retried like any connection error
// (given up after the fourth, as a refused one: webhook-retries.test.ts; not repeated here, where
// four held connects would cost about 5 s). Here with a short deadline (tryTimeoutMs);
// test/sandbox/webhook-deadline.test.ts checks the 5 s default. undici reports each given-up
// connect on its diagnostics channel, with the timeout it used in the message.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebhookQueue } from '../../lib/sandbox/core/webhooks.js';
import { startUnaccepted, type Unaccepted } from '../helpers/unaccepted.js';
import { waitFor } from '../helpers/wait.js';

interface ConnectError {
  connectParams: { port: number | string };
  error: Error & { code?: string };
}

let receiver: Unaccepted;
let queue: WebhookQueue | undefined;
// The connects given up against this test's receiver.
let errors: Array<ConnectError['error']> = [];
const onConnectError = (message: unknown): void => {
  const { connectParams, error } = message as ConnectError;
  if (Number(connectParams.port) === receiver.port) errors.push(error);
};

beforeEach(async () => {
  errors = [];
  receiver = await startUnaccepted();
  subscribe('undici:client:connectError', onConnectError);
});

afterEach(async () => {
  unsubscribe('undici:client:connectError', onConnectError);
  await queue?.close();
  queue = undefined;
  await receiver.close();
});

const delivery = () => ({ url: `${receiver.url}/hook`, body: Buffer.from('{}'), headers: { 'content-type': 'application/json' } });

describe('WebhookQueue: a callback URL that answers no connect', () => {
  it('the connect is given up at the try deadline and retried; the retry is delivered once the receiver accepts', { timeout: 15_000 }, async () => {
    queue = new WebhookQueue({ tryTimeoutMs: 300 });
    expect(queue.send(delivery())).toBe(true);
    const [first] = await waitFor('the first connect given up', () => errors.length > 0 && errors, { withinMs: 5_000 });
    expect(first?.code).toBe('UND_ERR_CONNECT_TIMEOUT');
    // The queue's deadline, not undici's default of 10 s.
    expect(first?.message).toContain('timeout: 300ms');
    // Not failed: the delivery waits for its next try.
    expect(queue.stats()).toEqual({ delivered: 0, failed: 0, dropped: 0, pending: 1 });
    receiver.release();
    await waitFor('the retry acknowledged', () => queue?.stats().delivered === 1, { withinMs: 5_000 });
    expect(queue.stats()).toEqual({ delivered: 1, failed: 0, dropped: 0, pending: 0 });
    // Most often the first retry is delivered; on a loaded host the worker may drain its queue
    // after the retry's SYN was dropped, and that retry times out too. Any connect given up was
    // given up at the deadline.
    for (const error of errors) expect(error.message).toContain('timeout: 300ms');
  });
});
