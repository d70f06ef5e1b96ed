// Just enough of a node-redis 4+ client for rate-limiter-flexible's RateLimiterRedis: `isReady`,
// `eval` of its increment-with-expiry script, and `del`, kept in a Map. For the cases a real Redis
// cannot be made to show on demand: a give-back (a DEL, or an increment by a negative number)
// that never answers (a stalled connection) or fails.
// The suites against a real Redis are in limits/redis.test.ts and limits/strategy.test.ts (REDIS_URL).

interface Counter {
  value: number;
  expiresAt: number;
}

export class FakeRedis {
  readonly isReady = true;
  readonly #data = new Map<string, Counter>();
  /** What the next give-backs (`del`, `eval` of negative points) do; `'hang'` leaves them pending until `releaseHung()`. */
  giveBack: 'ok' | 'hang' | 'fail' = 'ok';
  /** Give-backs so far: `del` calls, and `eval` calls of negative points. */
  givenBack = 0;
  readonly #hung: Array<() => void> = [];

  // The script's effect: SET key 0 EX ttl NX, INCRBY key points, answer [value, pttl].
  eval(_script: string, options: { keys: string[]; arguments: string[] }): Promise<[number, number]> {
    const key = options.keys[0] ?? '';
    const points = Number(options.arguments[0]);
    if (points < 0) return this.#giveBack(() => this.#increment(key, points, options));
    return Promise.resolve(this.#increment(key, points, options));
  }

  del(key: string): Promise<number> {
    return this.#giveBack(() => (this.#data.delete(key) ? 1 : 0));
  }

  #increment(key: string, points: number, options: { arguments: string[] }): [number, number] {
    const ttlMs = Number(options.arguments[1]) * 1000;
    const now = Date.now();
    let counter = this.#data.get(key);
    if (!counter || counter.expiresAt <= now) {
      counter = { value: 0, expiresAt: now + ttlMs };
      this.#data.set(key, counter);
    }
    counter.value += points;
    return [counter.value, counter.expiresAt - now];
  }

  #giveBack<T>(effect: () => T): Promise<T> {
    this.givenBack += 1;
    if (this.giveBack === 'fail') return Promise.reject(new Error('give-back failed: connection lost'));
    if (this.giveBack === 'hang') return new Promise((resolve) => this.#hung.push(() => resolve(effect())));
    return Promise.resolve(effect());
  }

  /** Lets every hung give-back answer. */
  releaseHung(): void {
    for (const release of this.#hung.splice(0)) release();
  }
}
