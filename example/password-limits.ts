// Wrong passwords are limited, per account and per client address, as SECURITY.md asks of every
// app ("limit password attempts per account as well"). Without it anyone could try passwords for
// the demo user without end, and every try costs the server a scrypt hash (tens of milliseconds of
// CPU and 16 MB), so a flood of them is also a cheap way to take the server down.
//
// - Per account: PASSWORD_FAILURES_PER_ACCOUNT wrong passwords for one username in a window of
//   PASSWORD_WINDOW_MS, counted for any username typed, known or not, so the refusal does not tell
//   which usernames exist. A right password clears the account's count.
// - Per address (`req.ip`: set `trust proxy` behind a proxy): PASSWORD_FAILURES_PER_IP wrong
//   passwords across usernames, so one client cannot walk through many accounts either.
//
// Both are checked before the password is hashed: a refused attempt costs no scrypt. Past either
// one the answer is 429 with Retry-After, even for the right password, until the window ends.
// Whoever knows a username can hold its password login for a window this way: the usual trade-off
// of a per-account limit, and the reason it is counted per window, not until an unlock.
//
// In memory (bounded, least recently used out first) or, with Redis, shared by every instance.
import { createHmac } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { RedisClient } from './redis.js';

export const PASSWORD_FAILURES_PER_ACCOUNT = 10;
export const PASSWORD_FAILURES_PER_IP = 100;
export const PASSWORD_WINDOW_MS = 15 * 60 * 1000;
/** The most counters kept in memory (accounts and addresses together, about 100 bytes each). */
export const PASSWORD_LIMIT_MAX_KEYS = 50_000;

export interface PasswordLimits {
  /** Seconds to wait when this attempt is refused before the password is checked; undefined to go on. */
  refused(username: string, ip: string | undefined): Promise<number | undefined>;
  /** A wrong password: one more for the account and the address. */
  failed(username: string, ip: string | undefined): Promise<void>;
  /** A right password: the account's count starts again. */
  succeeded(username: string): Promise<void>;
}

interface Counter {
  count: number;
  resetAt: number;
}

/** Counter keys: the username as a keyed hash (no usernames in Redis or memory dumps), the address as it is. */
function keys(key: Buffer, username: string, ip: string | undefined): { account: string; address: string | undefined } {
  return {
    account: `a:${createHmac('sha256', key).update(username).digest('base64url').slice(0, 22)}`,
    address: ip ? `i:${ip}` : undefined,
  };
}

function waitSeconds(resetAt: number, now: number): number {
  return Math.max(1, Math.ceil((resetAt - now) / 1000));
}

export function memoryPasswordLimits(secret: string, now: () => number): PasswordLimits {
  const key = createHmac('sha256', secret).update('passport-ding example password limits').digest();
  const counters = new LRUCache<string, Counter>({ max: PASSWORD_LIMIT_MAX_KEYS });
  const live = (name: string | undefined, at: number): Counter | undefined => {
    const c = name === undefined ? undefined : counters.get(name);
    return c && c.resetAt > at ? c : undefined;
  };
  const bump = (name: string | undefined, at: number): void => {
    if (name === undefined) return;
    const c = live(name, at);
    counters.set(name, c ? { count: c.count + 1, resetAt: c.resetAt } : { count: 1, resetAt: at + PASSWORD_WINDOW_MS });
  };
  return {
    refused: async (username, ip) => {
      const at = now();
      const { account, address } = keys(key, username, ip);
      const waits: number[] = [];
      const a = live(account, at);
      if (a && a.count >= PASSWORD_FAILURES_PER_ACCOUNT) waits.push(waitSeconds(a.resetAt, at));
      const i = live(address, at);
      if (i && i.count >= PASSWORD_FAILURES_PER_IP) waits.push(waitSeconds(i.resetAt, at));
      return waits.length === 0 ? undefined : Math.max(...waits);
    },
    failed: async (username, ip) => {
      const at = now();
      const { account, address } = keys(key, username, ip);
      bump(account, at);
      bump(address, at);
    },
    succeeded: async (username) => {
      counters.delete(keys(key, username, undefined).account);
    },
  };
}

// Each key: INCR, and the window's expiry on the first failure of a window.
const FAIL_SCRIPT = `
for i, name in ipairs(KEYS) do
  if redis.call('INCR', name) == 1 then redis.call('PEXPIRE', name, ARGV[1]) end
end
return 1`;

// The longest wait among the keys at or past their budget (ARGV: the budgets, in KEYS' order); 0 for none.
const REFUSED_SCRIPT = `
local wait = 0
for i, name in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', name) or '0')
  if count >= tonumber(ARGV[i]) then
    local ttl = redis.call('PTTL', name)
    if ttl > wait then wait = ttl end
  end
end
return wait`;

export function redisPasswordLimits(client: RedisClient, prefix: string, secret: string): PasswordLimits {
  const key = createHmac('sha256', secret).update('passport-ding example password limits').digest();
  const named = (username: string, ip: string | undefined): string[] => {
    const { account, address } = keys(key, username, ip);
    return address === undefined ? [prefix + account] : [prefix + account, prefix + address];
  };
  return {
    refused: async (username, ip) => {
      const names = named(username, ip);
      const budgets = [PASSWORD_FAILURES_PER_ACCOUNT, PASSWORD_FAILURES_PER_IP].slice(0, names.length).map(String);
      const ms = Number(await client.eval(REFUSED_SCRIPT, { keys: names, arguments: budgets }));
      return ms > 0 ? Math.ceil(ms / 1000) : undefined;
    },
    failed: async (username, ip) => {
      await client.eval(FAIL_SCRIPT, { keys: named(username, ip), arguments: [String(PASSWORD_WINDOW_MS)] });
    },
    succeeded: async (username) => {
      await client.del(named(username, undefined));
    },
  };
}
