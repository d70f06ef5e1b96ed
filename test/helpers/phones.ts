// Fresh phone numbers for tests that log in many times. Each number sits in a number block of its
// own (the `sendsPerNumberBlock` limit counts numbers that share all but their last 3 digits), so a
// suite of many logins is not refused as a pumping run. `start` keeps suites that may share a Redis
// store on different numbers.

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
