// Trusted devices in Redis, shared by every app instance using the same Redis and prefix:
//
//   <prefix>t:<token digest>  the record (JSON), expiring with the trust (PX)
//   <prefix>u:<user key>      the user's index: a sorted set of digests by creation time, at most
//                             maxDevicesPerUser, expiring with the user's last device
//
// Adding and forgetting run as Lua scripts, so two instances remembering devices for one user at
// once cannot push the index past its bound. The scripts touch record keys they derive from the
// index, so the store needs one Redis (or a primary with replicas), not a Redis Cluster.
// node-redis (4+) and ioredis are both accepted: they differ only in how eval takes its arguments.
// Each command has the store's `timeoutMs` to answer (../redis-deadline.ts). One applied after its
// deadline: a lookup's or a removal's is harmless (the caller asked for that removal and learnt it
// failed), a late add records a device whose login went on without the cookie (no one holds its
// token; it expires with the trust, and until then holds a place among the user's maxDevicesPerUser,
// at the bound pushing out their oldest device as any new one would).

import { DEFAULT_REDIS_TIMEOUT_MS, RedisDeadline } from '../redis-deadline.js';
import { redisNotReady } from '../redis-ready.js';
import { deviceStoreError } from './errors.js';
import type { DeviceRecord, DeviceStore } from './store.js';
import { formatRecord, parseRecord } from './store.js';

type Client = {
  eval: (...args: unknown[]) => Promise<unknown>;
  get: (key: string) => Promise<unknown>;
  defineCommand?: unknown | undefined;
  options?: { keyPrefix?: unknown } | undefined;
};

// KEYS: record, index. ARGV: digest, record JSON, ttl ms, created at, max per user, record prefix.
// The score is the creation time, or one more than the newest when that is not later (two devices
// in the same millisecond, or clocks of two instances apart), so the oldest is always first.
const ADD = `
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
local score = tonumber(ARGV[4])
local newest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
if newest[2] and tonumber(newest[2]) >= score then score = tonumber(newest[2]) + 1 end
redis.call('ZADD', KEYS[2], string.format('%.0f', score), ARGV[1])
for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if redis.call('EXISTS', ARGV[6] .. m) == 0 then redis.call('ZREM', KEYS[2], m) end
end
local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
if extra > 0 then
  for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, extra - 1)) do
    redis.call('DEL', ARGV[6] .. m)
    redis.call('ZREM', KEYS[2], m)
  end
end
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
return 1`;

// KEYS: record, index. ARGV: digest.
const REMOVE = `
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`;

// KEYS: index. ARGV: record prefix.
const REMOVE_USER = `
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, m in ipairs(members) do redis.call('DEL', ARGV[1] .. m) end
redis.call('DEL', KEYS[1])
return #members`;

export class RedisDeviceStore implements DeviceStore {
  readonly #client: Client;
  readonly #records: string;
  readonly #users: string;
  /** The record prefix as Redis sees it, for the scripts that name records they read off an index. */
  readonly #recordsInScripts: string;
  readonly #deadline: RedisDeadline;

  constructor(client: object, prefix: string, timeoutMs = DEFAULT_REDIS_TIMEOUT_MS) {
    this.#client = client as Client;
    this.#deadline = new RedisDeadline(timeoutMs);
    this.#records = `${prefix}t:`;
    this.#users = `${prefix}u:`;
    // ioredis adds its `keyPrefix` to KEYS but not to script arguments.
    const keyPrefix = typeof this.#client.defineCommand === 'function' ? this.#client.options?.keyPrefix : undefined;
    this.#recordsInScripts = (typeof keyPrefix === 'string' ? keyPrefix : '') + this.#records;
  }

  async add(digest: string, record: DeviceRecord, maxPerUser: number, now: number): Promise<void> {
    const ttl = Math.max(1, record.expiresAt - now);
    await this.#eval(ADD, [this.#records + digest, this.#users + record.user], [digest, formatRecord(record), String(ttl), String(record.createdAt), String(maxPerUser), this.#recordsInScripts]);
  }

  async get(digest: string): Promise<DeviceRecord | undefined> {
    this.#ready();
    try {
      return parseRecord(await this.#deadline.race(this.#client.get(this.#records + digest)));
    } catch (err) {
      throw deviceStoreError(err);
    }
  }

  async remove(digest: string, user: string): Promise<void> {
    await this.#eval(REMOVE, [this.#records + digest, this.#users + user], [digest]);
  }

  async removeUser(user: string): Promise<number> {
    return Number(await this.#eval(REMOVE_USER, [this.#users + user], [this.#recordsInScripts]));
  }

  /** Fail at once while Redis is away, rather than queue a login behind a reconnect. */
  #ready(): void {
    const notReady = redisNotReady(this.#client);
    if (notReady !== undefined) throw deviceStoreError(new Error(notReady));
  }

  async #eval(script: string, keys: string[], args: string[]): Promise<unknown> {
    this.#ready();
    try {
      // ioredis: eval(script, numKeys, ...keys, ...args); node-redis: eval(script, { keys, arguments }).
      const reply = typeof this.#client.defineCommand === 'function' ? this.#client.eval(script, keys.length, ...keys, ...args) : this.#client.eval(script, { keys, arguments: args });
      return await this.#deadline.race(reply);
    } catch (err) {
      throw deviceStoreError(err);
    }
  }
}
