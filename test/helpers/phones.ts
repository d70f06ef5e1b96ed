// Fresh phone numbers for tests that log in many times. Each number sits in a number block of its
// own (the `sendsPerNumberBlock` limit counts numbers that share all but their last 3 digits), so a
// suite of many logins is not refused as a pumping run. `start` keeps suites that may share a Redis
// store on different numbers. `validNumber()` checks a literal number as the send step would see it.
import { expect } from 'vitest';
import { normalizePhone } from '../../lib/phone.js';

/** A function returning a new valid US number (+1 201 NXX XXXX) at each call. */
export function phoneSequence(start: number): () => string {
  let n = start;
  return () => {
    const i = n++;
    const exchange = 200 + (i % 800);
    const line = String(Math.floor(i / 800) % 10_000).padStart(4, '0');
    return `+1201${exchange}${line}`;
  };
}

/** Checks that `e164` is a valid number of `country` (none for a network's code such as +800), as the send step would see it; returns it. */
export function validNumber(e164: string, country: string | undefined): string {
  expect(normalizePhone(e164)).toMatchObject({ ok: true, e164, country });
  return e164;
}
