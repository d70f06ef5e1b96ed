// The sandbox's API key check, for V1's `x-api-key` and V2's Bearer token alike. Both sides are
// hashed before a constant-time compare, so the time taken says nothing about the key, its
// length included.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** A test of a candidate against `apiKey`. */
export function keyMatcher(apiKey: string): (candidate: string) => boolean {
  const keyDigest = digest(apiKey);
  return (candidate) => timingSafeEqual(digest(candidate), keyDigest);
}
