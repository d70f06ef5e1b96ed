// The request being handled, for code that runs deep inside the library without it: the
// strategy's `onEvent` hook gets only the event, but the example must remember, in the session of
// the request that caused it, which verification the session's code page belongs to (see
// ./otp-events.ts). AsyncLocalStorage follows the request through every await and callback.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Request, RequestHandler } from 'express';

const current = new AsyncLocalStorage<Request>();

/** Mounted first: everything this request runs afterwards can ask for it. */
export const requestContext: RequestHandler = (req, _res, next) => {
  current.run(req, next);
};

/** The request whose handling is running now, if any. */
export function currentRequest(): Request | undefined {
  return current.getStore();
}
