// Webhook deliveries: POST a prepared body to a callback URL, retry on a non-2xx answer or a
// connection error with a short backoff (the real services back off over hours; tests cannot
// wait), and stop cleanly on close(). API-agnostic: each module builds the body and headers
// (and signs them, if its API does) and hands a finished Delivery over.
import { setMaxListeners } from 'node:events';
import { Agent, request } from 'undici';

export interface Delivery {
  url: string;
  /** The exact bytes sent on every try: a signature over them stays valid across retries. */
  body: Buffer;
  headers: Record<string, string>;
}

/** What `sandbox.webhooks.stats()` returns. */
export interface WebhookStats {
  /** Deliveries a receiver acknowledged with a 2xx. */
  delivered: number;
  /** Deliveries given up after the last retry. */
  failed: number;
  /** Deliveries not even tried because MAX_PENDING were already pending. */
  dropped: number;
  /** Deliveries waiting for a try or a retry right now. */
  pending: number;
}

/**
 * Deliveries waiting or in flight at once. The events of one login are a handful, so this only
 * bites when a receiver is down under load; further events are dropped (and counted) rather
 * than held in memory without end.
 */
export const MAX_PENDING = 1_000;
/** Waits before the 2nd, 3rd and 4th try. */
export const RETRY_DELAYS_MS: readonly number[] = [100, 200, 400];
/** One try's deadline, connect to last byte. */
const TRY_TIMEOUT_MS = 5_000;

export class WebhookQueue {
  readonly #agent: Agent;
  readonly #stopping = new AbortController();
  readonly #pending = new Set<Promise<void>>();
  #stats = { delivered: 0, failed: 0, dropped: 0 };
  #closed: Promise<void> | undefined;
  readonly #maxPending: number;

  /**
   * `maxPending`: the bound (MAX_PENDING unless a test wants a small one). `tryTimeoutMs`: one
   * try's deadline (TRY_TIMEOUT_MS unless a test wants a short one, so it need not hold a try 5 s).
   */
  constructor({ maxPending = MAX_PENDING, tryTimeoutMs = TRY_TIMEOUT_MS }: { maxPending?: number; tryTimeoutMs?: number } = {}) {
    this.#maxPending = maxPending;
    this.#agent = new Agent({ connect: { timeout: tryTimeoutMs }, headersTimeout: tryTimeoutMs, bodyTimeout: tryTimeoutMs });
    // Every pending delivery listens to the one stop signal; up to MAX_PENDING of them is expected.
    setMaxListeners(0, this.#stopping.signal);
  }

  /** Starts a delivery in the background; false when it was dropped (queue full or closed). */
  send(delivery: Delivery): boolean {
    if (this.#stopping.signal.aborted) return false;
    if (this.#pending.size >= this.#maxPending) {
      this.#stats.dropped += 1;
      return false;
    }
    const run = this.#deliver(delivery).finally(() => this.#pending.delete(run));
    this.#pending.add(run);
    return true;
  }

  stats(): WebhookStats {
    return { ...this.#stats, pending: this.#pending.size };
  }

  resetStats(): void {
    this.#stats = { delivered: 0, failed: 0, dropped: 0 };
  }

  /** Resolves once nothing is pending: every delivery so far acknowledged or given up. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  /** Abandons pending deliveries (no timer or socket is left behind). Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#stopping.abort();
      await Promise.all([...this.#pending]);
      await this.#agent.destroy();
    })();
    return this.#closed;
  }

  /** Never rejects: every failure is counted, none escapes as an unhandled rejection. */
  async #deliver(delivery: Delivery): Promise<void> {
    const signal = this.#stopping.signal;
    for (let tryIndex = 0; ; tryIndex += 1) {
      if (signal.aborted) return;
      if (await this.#try(delivery, signal)) {
        this.#stats.delivered += 1;
        return;
      }
      const wait = RETRY_DELAYS_MS[tryIndex];
      if (wait === undefined) {
        if (!signal.aborted) this.#stats.failed += 1;
        return;
      }
      if (!(await sleep(wait, signal))) return;
    }
  }

  async #try({ url, body, headers }: Delivery, signal: AbortSignal): Promise<boolean> {
    try {
      const res = await request(url, { method: 'POST', body, headers, dispatcher: this.#agent, signal });
      // The answer's body means nothing to the sender; read it so the socket can be reused.
      await res.body.dump();
      return res.statusCode >= 200 && res.statusCode < 300;
    } catch {
      return false;
    }
  }
}

/** Waits `ms`; false (at once) if `signal` aborts first. The timer never outlives the wait. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
