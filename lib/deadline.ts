// Whole-call deadlines for one HTTP client, without a timer per call.
//
// Every deadline of a client has the same length, so they end in the order they start: a queue
// and one timer, armed for the oldest deadline still running, serve them all. A call that
// finishes only marks its deadline done; the queue drops it when it reaches the front. (A
// setTimeout and clearTimeout per call, two calls per login, would build and tear down node's
// timer lists around every call.) test/providers/shared/deadline.test.ts covers the queue on a
// fake clock; test/providers/shared/http.test.ts every way a deadline ends a real call.

/** What a call past its deadline fails with, so a deadline is told apart from any other failure. */
export class DeadlineReached extends Error {}

/** One call's deadline: the exchange in flight listens for it (./http-reply.ts). */
export class Deadline {
  /** True once the deadline has passed. */
  expired = false;
  /** Set when it expires: the error the call is failed with. */
  reason: DeadlineReached | undefined = undefined;
  /** True once the call has finished (or the deadline has passed): nothing left to end. */
  done = false;
  readonly #listeners: Array<() => void> = [];

  /** `at` is in performance.now() milliseconds. */
  constructor(readonly at: number) {}

  /** Calls `listener` once, if and when the deadline passes before the call is over. */
  onExpire(listener: () => void): void {
    if (!this.done) this.#listeners.push(listener);
  }

  offExpire(listener: () => void): void {
    const i = this.#listeners.indexOf(listener);
    if (i !== -1) this.#listeners.splice(i, 1);
  }

  /** The call is over: the deadline no longer applies. */
  clear(): void {
    this.done = true;
    this.#listeners.length = 0;
  }

  /** The deadline passed: tell whoever listens. */
  expire(): void {
    if (this.done) return;
    this.done = true;
    this.expired = true;
    this.reason = new DeadlineReached();
    for (const listener of this.#listeners.splice(0)) listener();
  }
}

// Past this many finished entries at the front, the queue's array is cut down to what is running.
const COMPACT_AFTER = 1024;

/** The deadlines of one client, all `ms` long. */
export class Deadlines {
  readonly #ms: number;
  readonly #queue: Deadline[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(ms: number) {
    this.#ms = ms;
  }

  /** A deadline `ms` from now; clear() it when the call ends. */
  start(): Deadline {
    const deadline = new Deadline(performance.now() + this.#ms);
    this.#dropFinished();
    this.#queue.push(deadline);
    if (this.#timer === undefined) this.#arm(this.#ms);
    return deadline;
  }

  /** Deadlines not yet cleared or expired (for tests). */
  get running(): number {
    let n = 0;
    for (let i = this.#head; i < this.#queue.length; i++) if (!this.#queue[i]?.done) n++;
    return n;
  }

  #arm(ms: number): void {
    // Unref'd: a call in flight holds its socket, which keeps the process up; a finished one must not.
    this.#timer = setTimeout(this.#expire, ms).unref();
  }

  // #timer stays set while this runs, so a call started from an expiry listener does not arm a
  // second timer; the one armed at the end is for whatever deadline is first by then.
  readonly #expire = (): void => {
    const now = performance.now();
    const queue = this.#queue;
    while (this.#head < queue.length) {
      const deadline = queue[this.#head] as Deadline;
      if (!deadline.done && deadline.at > now) break;
      this.#head++;
      deadline.expire();
    }
    this.#dropFinished();
    const next = queue[this.#head];
    // Timers can fire a little before performance.now() reaches `at`: then the rest is re-armed.
    if (next) this.#arm(Math.max(1, Math.ceil(next.at - now)));
    else this.#timer = undefined;
  };

  /** Drops the finished deadlines at the front; calls end in about the order they start. */
  #dropFinished(): void {
    const queue = this.#queue;
    while (this.#head < queue.length && (queue[this.#head] as Deadline).done) this.#head++;
    if (this.#head === queue.length) {
      queue.length = 0;
      this.#head = 0;
    } else if (this.#head > COMPACT_AFTER && this.#head * 2 > queue.length) {
      queue.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
