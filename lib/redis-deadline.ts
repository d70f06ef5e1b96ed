// A deadline on each command the Redis stores (limits, trusted devices, webhook ids) send. A
// Redis that stops answering without closing the connection (a paused process, a partition, a
// failover in progress) leaves a command waiting for as long as the client lets it: node-redis
// has no reply timeout at all, so without this every login would hang until the browser gave up.
// Past the deadline the store's call fails with the same error as a disconnected client's.
//
// One Deadlines queue (./deadline.ts) per store: one timer for all its commands, not a
// setTimeout and clearTimeout per command on the login's hot path.

import { Deadlines } from './deadline.js';

/**
 * The default `timeoutMs` of a Redis store. Redis answers in well under a millisecond; a healthy
 * one's worst pauses (a fork for a snapshot, an expiry cycle, a large DEL) take tens of
 * milliseconds, so a second is a frozen Redis, not a slow one, and a login learns of it within a
 * second instead of hanging. A longer pause of this process's own event loop cannot end a command
 * whose reply already arrived: see `RedisDeadline.race`.
 */
export const DEFAULT_REDIS_TIMEOUT_MS = 1000;
/** The longest `timeoutMs`: past a minute a login has no one left waiting for it. */
export const MAX_REDIS_TIMEOUT_MS = 60_000;
/** What `timeoutMs` may be, for the TypeError of a bad one. */
export const REDIS_TIMEOUT_RANGE = `an integer from 1 to ${MAX_REDIS_TIMEOUT_MS} (milliseconds)`;

/** Whether `value` is a valid `timeoutMs` (undefined is not: callers default it first). */
export function isRedisTimeoutMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_REDIS_TIMEOUT_MS;
}

/** A Redis command that got no reply within the store's `timeoutMs`. */
export class RedisTimeout extends Error {
  override name = 'RedisTimeout';
}

/** The deadlines of one store's commands, all `ms` long. */
export class RedisDeadline {
  readonly #deadlines: Deadlines;
  readonly #message: string;

  constructor(ms: number) {
    this.#deadlines = new Deadlines(ms);
    this.#message = `Redis did not answer within ${ms} ms`;
  }

  /**
   * `command`'s reply, or a RedisTimeout once `ms` have passed without one. A reply that comes
   * later goes to `late` (when given) and is otherwise dropped; so is a late failure: neither is
   * an unhandled rejection. The command itself may still be applied by Redis after the deadline,
   * as one sent just before a connection drops may be: each store says what that means for it.
   *
   * The deadline is enforced on the turn of the event loop after its timer fires (setImmediate),
   * so a reply already in the socket when this process was too busy to read it (a long
   * synchronous task, a GC pause) is read first and wins: only a Redis that did not answer in
   * time fails the call.
   */
  race<T>(command: Promise<T>, late?: (reply: T) => void): Promise<T> {
    const deadline = this.#deadlines.start();
    // Whichever settles the promise first wins; the other's resolve or reject does nothing.
    let timedOut = false;
    return new Promise<T>((resolve, reject) => {
      deadline.onExpire(() => {
        setImmediate(() => {
          timedOut = true;
          reject(new RedisTimeout(this.#message));
        });
      });
      command.then(
        (reply) => {
          if (!timedOut) {
            deadline.clear();
            resolve(reply);
          } else if (late !== undefined) late(reply);
        },
        (err: unknown) => {
          deadline.clear();
          reject(err as Error);
        },
      );
    });
  }
}
