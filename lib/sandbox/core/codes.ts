// What both sandbox state machines (Ding V1 and Prelude V2) do with codes.
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

/** A random code of `length` digits, from the CSPRNG (leading zeros kept). */
export function newCode(length: number): string {
  return randomInt(0, 10 ** length).toString().padStart(length, '0');
}

/** Constant-time comparison (of digests, so lengths may differ). */
export function sameCode(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}
