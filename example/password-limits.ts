// Wrong passwords are limited, per account and per client address, as SECURITY.md asks of every
// app ("limit password attempts per account as well"). Without it anyone could try passwords for
// the demo user without end, and every try costs the server a scrypt hash (tens of milliseconds of
// CPU and 16 MB), so a flood of them is also a cheap way to take the server down.
//
// - Per account: PASSWORD_FAILURES_PER_ACCOUNT wrong passwords for one username in a window of
//   PASSWORD_WINDOW_MS, counted for any username typed, known or not, so the refusal does not tell
//   which usernames exist. A right password clears the account's count.
// - Per address (`req.ip`: set `trust proxy` behind a proxy; an IPv6 address by its /64):
//   PASSWORD_ATTEMPTS_PER_IP attempts across usernames, right ones included (a client that owns
//   an account must not buy more guesses at others with logins of its own), so one client cannot
//   walk through many accounts either.
//
// Each attempt is counted before the password is hashed, in one step (so a burst of concurrent
// guesses cannot all pass a check made before any of them was counted), and a refused attempt
// costs no scrypt. Past either budget the answer is 429 with Retry-After, even for the right
// password, until the window ends.
// Whoever knows a username can hold its password login for a window this way: the usual trade-off
// of a per-account limit, and the reason it is counted per window, not until an unlock.
//
// In memory (bounded, least recently used out first) or, with Redis, shared by every instance.
import { createHmac } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { LRUCache } from 'lru-cache';
import type { RedisClient } from './redis.js';

export const PASSWORD_FAILURES_PER_ACCOUNT = 10;
export const PASSWORD_ATTEMPTS_PER_IP = 100;
export const PASSWORD_WINDOW_MS = 15 * 60 * 1000;
/** The most counters kept in memory (accounts and addresses together, about 100 bytes each). */
export const PASSWORD_LIMIT_MAX_KEYS = 50_000;

export interface PasswordLimits {
  /**
   * Counts this attempt for the account and the address before the password is checked, in one
   * step, so concurrent attempts cannot all slip under the budget. Seconds to wait when it is
   * over either budget (refuse it then, without checking the password); undefined to go on.
   */
  reserve(username: string, ip: string | undefined): Promise<number | undefined>;
  /**
   * A right password: the account's count starts again. The address keeps its count (a right
   * password is an attempt too): giving its point back would let a client that owns one account
   * buy a guess at other accounts with each login of its own.
   */
  succeeded(username: string): Promise<void>;
}

interface Counter {
  count: number;
  resetAt: number;
}

/**
 * The address a client is counted by: an IPv4 address as it is (also when Express gives it as
 * `::ffff:1.2.3.4`), an IPv6 address by its /64, the block one subscriber gets (a host picks
 * new addresses in it at will, so counting each one would count nothing).
 */
export function addressKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip); // an IPv4-mapped address: the IPv4 client it is
  if (address.kind() === 'ipv4') return address.toString();
  return `${address.toNormalizedString().split(':').slice(0, 4).join(':')}::/64`;
}

/** Counter keys: the username as a keyed hash (no usernames in Redis or memory dumps), the address by addressKey(). */
function keys(key: Buffer, username: string, ip: string | undefined): { account: string; address: string | undefined } {
  return {
    account: `a:${createHmac('sha256', key).update(username).digest('base64url').slice(0, 22)}`,
    address: ip ? `i:${addressKey(ip)}` : undefined,
  };
}

function waitSeconds(resetAt: number, now: number): number {
  return Math.max(1, Math.ceil((resetAt - now) / 1000));
}

export function memoryPasswordLimits(secret: string, now: () => number): PasswordLimits {
  const key = createHmac('sha256', secret).update('passport-ding example password limits').digest();
  const counters = new LRUCache<string, Counter>({ max: PASSWORD_LIMIT_MAX_KEYS });
  /** One more on `name`'s counter (a new window when there is none or it ended); the counter after it. */
  const bump = (name: string, at: number): Counter => {
    const c = counters.get(name);
    const next = c && c.resetAt > at ? { count: c.count + 1, resetAt: c.resetAt } : { count: 1, resetAt: at + PASSWORD_WINDOW_MS };
    counters.set(name, next);
    return next;
  };
  return {
    // Synchronous inside: nothing else runs between reading and writing a counter.
    reserve: async (username, ip) => {
      const at = now();
      const { account, address } = keys(key, username, ip);
      const waits: number[] = [];
      const a = bump(account, at);
      if (a.count > PASSWORD_FAILURES_PER_ACCOUNT) waits.push(waitSeconds(a.resetAt, at));
      if (address !== undefined) {
        const i = bump(address, at);
        if (i.count > PASSWORD_ATTEMPTS_PER_IP) waits.push(waitSeconds(i.resetAt, at));
      }
      return waits.length === 0 ? undefined : Math.max(...waits);
    },
    succeeded: async (username) => {
      counters.delete(keys(key, username, undefined).account);
    },
  };
}

// KEYS: the counters; ARGV: the window (ms), then each key's budget. Each key: INCR (the window's
// expiry on the first of a window). Answers the longest wait (ms) among the keys now past their
// budget, 0 for none.
const RESERVE_SCRIPT = `
local wait = 0
for i, name in ipairs(KEYS) do
  local count = redis.call('INCR', name)
  if count == 1 then redis.call('PEXPIRE', name, ARGV[1]) end
  if count > tonumber(ARGV[i + 1]) then
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
    reserve: async (username, ip) => {
      const names = named(username, ip);
      const budgets = [PASSWORD_FAILURES_PER_ACCOUNT, PASSWORD_ATTEMPTS_PER_IP].slice(0, names.length).map(String);
      const ms = Number(await client.eval(RESERVE_SCRIPT, { keys: names, arguments: [String(PASSWORD_WINDOW_MS), ...budgets] }));
      return ms > 0 ? Math.ceil(ms / 1000) : undefined;
    },
    succeeded: async (username) => {
      await client.del(named(username, undefined));
    },
  };
}
