// Just enough of a node-redis 4+ client for rate-limiter-flexible's RateLimiterRedis: `isReady`,
// `eval` of its increment-with-expiry script, and `del`, kept in a Map. For the cases a real Redis
// cannot be made to show on demand: a DEL that never answers (a stalled connection) or fails.
// The suites against a real Redis are in limits-redis.test.ts and limits-strategy.test.ts (REDIS_URL).

interface Counter {
  value: number;
  expiresAt: number;
}

export class FakeRedis {
  readonly isReady = true;
  readonly #data = new Map<string, Counter>();
  /** What the next `del` calls do; `'hang'` leaves them pending until `releaseHung()`. */
  del_: 'ok' | 'hang' | 'fail' = 'ok';
  /** `del` calls so far. */
  dels = 0;
  readonly #hung: Array<() => void> = [];

  // The script's effect: SET key 0 EX ttl NX, INCRBY key points, answer [value, pttl].
  eval(_script: string, options: { keys: string[]; arguments: string[] }): Promise<[number, number]> {
    const key = options.keys[0] ?? '';
    const points = Number(options.arguments[0]);
    const ttlMs = Number(options.arguments[1]) * 1000;
    const now = Date.now();
    let counter = this.#data.get(key);
    if (!counter || counter.expiresAt <= now) {
      counter = { value: 0, expiresAt: now + ttlMs };
      this.#data.set(key, counter);
    }
    counter.value += points;
    return Promise.resolve([counter.value, counter.expiresAt - now]);
  }

  del(key: string): Promise<number> {
    this.dels += 1;
    if (this.del_ === 'fail') return Promise.reject(new Error('DEL failed: connection lost'));
    if (this.del_ === 'hang') return new Promise((resolve) => this.#hung.push(() => resolve(this.#data.delete(key) ? 1 : 0)));
    return Promise.resolve(this.#data.delete(key) ? 1 : 0);
  }

  /** Lets every hung `del` answer. */
  releaseHung(): void {
    for (const release of this.#hung.splice(0)) release();
  }
}
