// Type augmentations, so `{ action }` type-checks in passport.authenticate() and the pending
// verification is known to express-session's SessionData. Types only: import it with
// `import type` (a bare import of a module with no side effects is dropped by the bundler, with
// a warning); index.ts re-exports DingAction, which keeps these blocks in dist/index.d.ts.
//
// The reference directive makes express-session's global `req.session` part of these types for an
// app compiled with `types: []` (preserve="true": TypeScript 5.5+ drops it from declarations
// otherwise). tsup 8.5.1's declaration bundler loses it on the way to dist/index.d.ts (it files
// the directive under augment.d.ts and looks it up under augment.ts), so tsup.config.ts must
// write it there as a `dts.banner` too.
/// <reference types="express-session" preserve="true" />

import type {} from 'passport';
import type {} from 'express-session';
import type { StoredPending } from './pending.js';

/** The three steps of a phone login (see the README), as a value for narrowing a route parameter. */
export const DING_ACTIONS = ['send', 'verify', 'retry'] as const;

/** The three steps of a phone login (see the README). */
export type DingAction = (typeof DING_ACTIONS)[number];

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
