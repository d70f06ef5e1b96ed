// The device token: 256 random bits, base64url, kept only in the browser's cookie. The store keeps
// its SHA-256 digest, which is enough for a token this random (nothing to brute-force, so no slow
// hash or secret is needed), and a stolen store copy holds no usable token.
//
// The phone number is kept as a tag bound to the token, SHA-256(token, number): the store can only
// tell whether a number is the one the device was remembered with when the cookie is presented,
// and a copy of the store does not give phone numbers away (a plain digest of a number would fall
// to hashing every number).

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN_BYTES = 32;
/** What a token looks like in the cookie: 43 base64url characters. */
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** `value` if it can be a token we issued, else `undefined` (forged, cut, padded). */
export function wellFormedToken(value: string | undefined): string | undefined {
  return value !== undefined && TOKEN_FORMAT.test(value) ? value : undefined;
}

/** The store's key for a token. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** The phone number as the store keeps it: tied to the token, not reversible without it. */
export function phoneTag(token: string, e164: string): string {
  return createHash('sha256').update(token).update('\0').update(e164).digest('base64url');
}

/** Equal tags, compared in constant time. */
export function sameTag(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
