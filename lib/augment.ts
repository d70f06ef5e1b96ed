// Type augmentations, so `{ action }` type-checks in passport.authenticate() and the pending
// verification is known to express-session's SessionData. Types only.

import type {} from 'passport';
import type {} from 'express-session';
import type { StoredPending } from './pending.js';

/** The three steps of a phone login (see the README). */
export type DingAction = 'send' | 'verify' | 'retry';

declare module 'passport' {
  interface AuthenticateOptions {
    /** passport-ding: which step this route runs. Inferred from the body when absent. */
    action?: DingAction | undefined;
  }
}

declare module 'express-session' {
  interface SessionData {
    /** passport-ding's pending verification (default `sessionKey`); read it with pendingVerification(req). */
    'passport-ding': StoredPending;
    /** Messages Passport stores with `failureMessage` / `successMessage`. */
    messages: string[];
  }
}
