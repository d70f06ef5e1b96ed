// Holds requests until `count` of them have arrived, then lets them all go at once: the way to
// make "concurrent" mean concurrent in a race test (after better-auth's phone-number tests).
import type { RequestHandler } from 'express';

export function barrier(count: number): RequestHandler {
  const waiting: Array<() => void> = [];
  return (_req, _res, next) => {
    waiting.push(() => next());
    if (waiting.length === count) for (const release of waiting.splice(0)) release();
  };
}
