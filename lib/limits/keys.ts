// Limit keys. A phone number or an IP address is personal data, and a shared limit store (Redis)
// is easy to dump, so there keys are keyed hashes (HMAC-SHA-256): the same input and secret always
// give the same key, and the key does not give the number back to someone reading the store.
// A plain hash would: E.164 numbers are few enough (about 10^10 per country code) to hash them
// all. Without the secret, which never goes to the store, there is nothing to enumerate against.
// The memory store's keys stay in the process, beside the sessions that hold the same numbers:
// without a secret they are plain, and cost no hash; they are short, since every byte of a key is
// kept once per sender (docs/limits.md, bytes per sender).
//
// IPv6 clients are keyed by their /64 network: one subscriber usually holds a whole /64, and
// keying single addresses would let them rotate through 2^64 of them. The wider network rule
// keys an IPv4 /24 and an IPv6 /48 (one site: 65,536 /64s).

import { createHmac } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { ipv4Prefix24, ipv6Prefix48, ipv6Prefix64, normalizeIp } from '../ip.js';
import { blockLength } from './block-length.js';

/** A secret for HMAC keys: a non-empty string or bytes; undefined for plain keys. */
export type KeySecret = string | Buffer | undefined;

function hash(secret: KeySecret, kind: string, value: string): string {
  if (secret === undefined) return `${kind}${value}`;
  // 128 bits of HMAC-SHA-256: collisions are not a concern at any realistic number of keys.
  return createHmac('sha256', secret).update(`${kind}:${value}`).digest('hex').slice(0, 32);
}

/**
 * The number the per-number rules count: an Argentine number typed without the mobile 9
 * (`+54 11 2345 6789`) counts as the mobile (`+54 9 11 2345 6789`). From abroad a mobile is
 * dialled with the 9, but the line's own number on the network has none, so an SMS to the form
 * without it can reach the same handset; and Argentina's plan never gives one ten-digit number to
 * a fixed line and a mobile both, so no two subscribers share a key. Otherwise one handset would
 * have two cooldowns, two send and wrong-code budgets and two window owners. The code still goes
 * to the number as typed; only the limits' key is the mobile's.
 */
export function countedNumber(e164: string): string {
  // +54, then ten national digits not starting with 9 (no area code does) or 0.
  return e164.length === 13 && e164.startsWith('+54') && e164.charCodeAt(3) > 48 && e164.charCodeAt(3) < 57 ? `+549${e164.slice(3)}` : e164;
}

/** The limit key of an E.164 phone number. */
export function phoneKey(e164: string, secret: KeySecret): string {
  return hash(secret, 'p', countedNumber(e164));
}

/** The key of one verification's wrong-code count: its provider id, hashed as the other keys are. */
export function verificationKey(id: string, secret: KeySecret): string {
  return hash(secret, 'v', id);
}

/** The limit key of a client address (`req.ip`); one shared key when there is none. */
export function ipKey(ip: string | undefined, secret: KeySecret): string {
  return hash(secret, 'i', ipNetwork(ip));
}

/** The limit key of a client's wider network (IPv4 /24, IPv6 /48). */
export function networkKey(ip: string | undefined, secret: KeySecret): string {
  return hash(secret, 'n', wideNetwork(ip));
}

/**
 * The limit key of a number block: the E.164 number without its last `digits` digits. A number
 * longer than its type's typical national length (variable-length plans: DE, AT, IT fixed lines,
 * premium ranges) is first cut to that length, so a range cannot open new blocks by adding digits
 * (block-length.ts); numbers up to that length, every number of a fixed-length plan, keep the key
 * they always had.
 */
export function blockKey(e164: string, digits: number, secret: KeySecret): string {
  const number = countedNumber(e164);
  return hash(secret, 'b', `${number.slice(0, blockLength(number) - digits)}/${digits}`);
}

/**
 * The network an address is limited as: an IPv4 address as it is (IPv4-mapped IPv6 included),
 * an IPv6 address as its /64 prefix, anything else (no address, a Unix socket) as `unknown`.
 */
export function ipNetwork(ip: string | undefined): string {
  const address = normalizeIp(ip);
  if (address === undefined) return 'unknown';
  return isIPv4(address) ? address : ipv6Prefix64(address);
}

/** The wider network of an address: an IPv4 /24, an IPv6 /48; `unknown` as above. */
export function wideNetwork(ip: string | undefined): string {
  const address = normalizeIp(ip);
  if (address === undefined) return 'unknown';
  return isIPv4(address) ? ipv4Prefix24(address) : ipv6Prefix48(address);
}
