// The Redis store: the same counters and marks as the memory store, shared by every instance
// using the same Redis and prefix. Each call is one Lua script, so a batch of counter updates is
// one round trip and atomic: concurrent requests on any instance cannot slip past a limit. Keys
// expire by Redis's own TTL.
//
// node-redis (4, 5) and ioredis differ in how a script is called; `evaluator()` hides that. A
// client that is not connected fails at once instead of queueing the login behind a reconnect, and
// a command without a reply within the store's `timeoutMs` fails then (../redis-deadline.ts). A
// script applied after its deadline changes nothing the caller relies on: its call failed, so the
// login was refused (a reservation's points then count until their window ends: fail closed), and
// a give-back, forget or mark applied late is the one that was asked for.

import { DEFAULT_REDIS_TIMEOUT_MS, RedisDeadline } from '../redis-deadline.js';
import { redisNotReady } from '../redis-ready.js';
import type { Count, CounterStore, Hit } from './store.js';

// KEYS: the counters; ARGV: add, window ms, slide (1/0) per key. Returns count, ms left per key.
const HIT = `
local out = {}
for i, key in ipairs(KEYS) do
  local add = tonumber(ARGV[i * 3 - 2])
  local window = tonumber(ARGV[i * 3 - 1])
  local count
  if add == 0 then
    count = tonumber(redis.call('GET', key) or '0')
  else
    count = redis.call('INCRBY', key, add)
    if count == add or ARGV[i * 3] == '1' or redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, window) end
  end
  out[#out + 1] = count
  out[#out + 1] = math.max(redis.call('PTTL', key), 0)
end
return out`;

const GIVE_BACK = `
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 and redis.call('DECR', key) <= 0 then redis.call('DEL', key) end
end
return 0`;

// The new value keeps the key's expiry (PTTL then PX, not KEEPTTL, which needs Redis 6).
const REPLACE_MARK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl) else redis.call('DEL', KEYS[1]) end
end
return 0`;

type Evaluate = (script: string, keys: string[], args: string[]) => Promise<unknown>;

interface NodeRedisLike {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

interface IoRedisLike {
  defineCommand: unknown;
  eval(script: string, numKeys: number, ...args: string[]): Promise<unknown>;
}

class NotConnected extends Error {
  override name = 'RedisNotConnected';
}

function evaluator(client: object, deadline: RedisDeadline): Evaluate {
  let run: Evaluate;
  if (typeof (client as { defineCommand?: unknown }).defineCommand === 'function') {
    const io = client as IoRedisLike;
    run = (script, keys, args) => io.eval(script, keys.length, ...keys, ...args);
  } else {
    const node = client as NodeRedisLike;
    run = (script, keys, args) => node.eval(script, { keys, arguments: args });
  }
  return (script, keys, args) => {
    const notReady = redisNotReady(client);
    if (notReady !== undefined) return Promise.reject(new NotConnected(notReady));
    return deadline.race(run(script, keys, args));
  };
}

export class RedisStore implements CounterStore {
  readonly #eval: Evaluate;

  /** `timeoutMs`: how long each script may wait for its reply. */
  constructor(client: object, timeoutMs = DEFAULT_REDIS_TIMEOUT_MS) {
    this.#eval = evaluator(client, new RedisDeadline(timeoutMs));
  }

  async hit(hits: readonly Hit[]): Promise<Count[]> {
    if (hits.length === 0) return [];
    const args: string[] = [];
    for (const h of hits) args.push(String(h.add), String(Math.max(1, Math.round(h.windowMs))), h.slide ? '1' : '0');
    const reply = (await this.#eval(HIT, hits.map((h) => h.key), args)) as unknown[];
    return hits.map((_, i) => ({ count: Number(reply[i * 2]), msLeft: Number(reply[i * 2 + 1]) }));
  }

  async giveBack(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.#eval(GIVE_BACK, [...keys], []);
  }

  async forget(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.#eval("for _, k in ipairs(KEYS) do redis.call('DEL', k) end return 0", [...keys], []);
  }

  async mark(key: string, value: string, ttlMs: number): Promise<void> {
    await this.#eval("redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 0", [key], [value, String(Math.max(1, Math.round(ttlMs)))]);
  }

  async readMark(key: string): Promise<string | undefined> {
    const value = await this.#eval("return redis.call('GET', KEYS[1])", [key], []);
    return typeof value === 'string' ? value : undefined;
  }

  async replaceMark(key: string, value: string, next: string): Promise<void> {
    await this.#eval(REPLACE_MARK, [key], [value, next]);
  }
}
