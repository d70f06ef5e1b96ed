// Limit keys. A phone number or an IP address is personal data, and a limit store (Redis above
// all) is easy to dump, so keys are keyed hashes (HMAC-SHA-256): the same input and secret always
// give the same key, and the key does not give the number back to someone reading the store.
// A plain hash would: E.164 numbers are few enough (about 10^10 per country code) to hash them
// all. Without the secret, which never goes to the store, there is nothing to enumerate against.
//
// IPv6 clients are keyed by their /64 network: one subscriber usually holds a whole /64, and
// keying single addresses would let them rotate through 2^64 of them.

import { createHmac } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/** A secret for HMAC keys: a non-empty string or bytes. */
export type KeySecret = string | Buffer;

function hash(secret: KeySecret, kind: string, value: string): string {
  // 128 bits of HMAC-SHA-256: collisions are not a concern at any realistic number of keys.
  return createHmac('sha256', secret).update(`${kind}:${value}`).digest('hex').slice(0, 32);
}

/** The limit key of an E.164 phone number. */
export function phoneKey(e164: string, secret: KeySecret): string {
  return hash(secret, 'phone', e164);
}

/** The limit key of a client address (`req.ip`); one shared key when there is none. */
export function ipKey(ip: string | undefined, secret: KeySecret): string {
  return hash(secret, 'ip', ipNetwork(ip));
}

/**
 * The network an address is limited as: an IPv4 address as it is (IPv4-mapped IPv6 included),
 * an IPv6 address as its /64 prefix, anything else (no address, a Unix socket) as `unknown`.
 */
export function ipNetwork(ip: string | undefined): string {
  if (typeof ip !== 'string') return 'unknown';
  const address = ip.trim().toLowerCase().replace(/%.*$/, '');
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return 'unknown';
  const groups = ipv6Groups(address);
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    // ::ffff:a.b.c.d, an IPv4 client on a dual-stack socket.
    const hi = groups[6] ?? 0;
    const lo = groups[7] ?? 0;
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
