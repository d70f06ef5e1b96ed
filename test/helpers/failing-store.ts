// A real express-session Store (sessions kept in a Map, as JSON) that fails on demand: a stand-in
// for Redis going away in the middle of a login. `failing.set = 1` fails the next save,
// `failing.destroy = Infinity` fails every destroy (which is what regenerate() calls), and
// `failWhen` picks calls by what they carry (e.g. only the save that holds a logged-in user).
import session from 'express-session';
import type { SessionData } from 'express-session';

type Op = 'get' | 'set' | 'destroy';
type Callback = (err?: unknown) => void;

export class FailingStore extends session.Store {
  readonly #sessions = new Map<string, string>();
  /** How many of the next calls of each kind fail. */
  readonly failing: Record<Op, number> = { get: 0, set: 0, destroy: 0 };
  /** Fails any call for which this returns true (in addition to `failing`). */
  failWhen: ((op: Op, sid: string, data: SessionData | undefined) => boolean) | undefined;
  /** Calls that failed, by kind. */
  readonly failed: Record<Op, number> = { get: 0, set: 0, destroy: 0 };

  #fails(op: Op, sid: string, data?: SessionData): Error | undefined {
    const chosen = this.failWhen?.(op, sid, data) === true;
    if (!chosen && this.failing[op] <= 0) return undefined;
    if (!chosen) this.failing[op] -= 1;
    this.failed[op] += 1;
    // What a Redis client error looks like: a message naming the store, nothing the user should see.
    return new Error(`session store ${op} failed: connection lost to redis://10.0.0.5:6379`);
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    const err = this.#fails('get', sid);
    const raw = this.#sessions.get(sid);
    setImmediate(() => (err ? callback(err) : callback(null, raw === undefined ? null : (JSON.parse(raw) as SessionData))));
  }

  override set(sid: string, data: SessionData, callback?: Callback): void {
    const err = this.#fails('set', sid, data);
    if (!err) this.#sessions.set(sid, JSON.stringify(data));
    setImmediate(() => callback?.(err));
  }

  override destroy(sid: string, callback?: Callback): void {
    const err = this.#fails('destroy', sid);
    if (!err) this.#sessions.delete(sid);
    setImmediate(() => callback?.(err));
  }

  /** Stored sessions, as stored. */
  sessions(): Array<[string, SessionData & Record<string, unknown>]> {
    return [...this.#sessions].map(([sid, raw]) => [sid, JSON.parse(raw) as SessionData & Record<string, unknown>]);
  }

  /** Ids of stored sessions that hold a logged-in user. */
  loggedIn(): string[] {
    return this.sessions()
      .filter(([, data]) => (data as { passport?: { user?: unknown } }).passport?.user !== undefined)
      .map(([sid]) => sid);
  }
}
