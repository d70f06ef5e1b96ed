// The pending verification as verify and retry open it: read from the session, still for the
// signed-in user in second-factor and phone-change modes (and, for the second factor, still for
// their number on file), not expired. Plus the three ways they change it: keep a new state or drop
// it and say why, each saved before the reply; or spend it (a right code).

import { clearPending, readPending, saveSession, writePending } from '../pending.js';
import type { PendingState } from '../pending.js';
import { normalizePhone } from '../phone.js';
import type { ActionContext, ActionResult } from './context.js';
import { currentUserKey, refuse, secondFactorPhone } from './context.js';

export type DropReason = 'expired' | 'too_many_attempts' | 'no_pending_verification';

export interface OpenPending {
  pending: PendingState;
  /** Writes `state` and saves the session. */
  keep(state: PendingState): Promise<void>;
  /** Removes the pending verification, saves, and refuses with `reason`. */
  drop(reason: DropReason): Promise<ActionResult>;
  /**
   * The provider (or the number's window) says the verification is over, and this request cannot
   * tell whether a right code of this same session ended it on another instance, whose login is
   * regenerating the session (a double tap behind a load balancer: the check queue that answers it
   * on one instance is per process). `drop(reason)` unless express-session's store no longer holds
   * this session: then a login regenerated it away (destroyed it), and this request refuses with
   * `no_pending_verification` without touching its copy. Changed, that copy would be saved back to
   * the store (the old session again, signed in with the first factor only in second-factor mode)
   * and sent as a cookie with the old id, signing the user out when it arrives after the login's
   * answer. One store read, on this path only. A store read that fails is taken as "gone":
   * refusing without a write is the side that cannot undo a login. Without express-session's
   * store (another session middleware) there is nothing to ask, and it drops as before.
   */
  dropUnlessLoggedIn(reason: DropReason): Promise<ActionResult>;
  /**
   * A right code: removes the pending verification from the session, without a store write of
   * its own. The login writes it: Passport's req.logIn() regenerates the session, which deletes
   * the old record from the store, and express-session saves a changed session before the reply
   * leaves (a declined user, `session: false`, a custom callback). Until then a replay is refused
   * all the same: in this process by the check queue, which has marked the id finished, and
   * anywhere by the provider, which accepts a code once. That saves a store round trip per login.
   */
  spend(): void;
}

/** This session's pending verification if it may still be used, else the refusal to answer with. */
export async function openPending(ctx: ActionContext): Promise<{ refused: ActionResult } | OpenPending> {
  const { session, settings } = ctx;
  const key = settings.sessionKey;
  const pending = readPending(session, key);
  if (!pending) return { refused: refuse(ctx, 'no_pending_verification') };
  if (ctx.record) Object.assign(ctx.record, { phone: pending.phoneNumber, verificationId: pending.id });

  const clear = async (): Promise<void> => {
    clearPending(session, key);
    await saveSession(session);
  };
  const open: OpenPending = {
    pending,
    keep: async (state) => {
      writePending(session, key, state);
      await saveSession(session);
    },
    drop: async (reason) => {
      await clear();
      return refuse(ctx, reason);
    },
    spend: () => clearPending(session, key),
    dropUnlessLoggedIn: async (reason) => ((await stillStored(ctx.req)) ? open.drop(reason) : refuse(ctx, 'no_pending_verification')),
  };

  if (settings.secondFactor || settings.phoneChange) {
    // A code is checked, or resent, only for whoever is signed in now, and only if it was sent
    // for them: the same user (by id, so another account with the same phone number in this
    // session, after a login with keepSessionInfo, finds nothing; nobody after a logout).
    const user = await currentUserKey(ctx);
    if (user === undefined || user !== pending.user) return { refused: await open.drop('no_pending_verification') };
  }
  if (settings.secondFactor) {
    // ...and, for the second factor, still the number on file.
    const current = normalizePhone(await secondFactorPhone(ctx), settings.defaultCountry);
    if (!current.ok || current.e164 !== pending.phoneNumber) return { refused: await open.drop('no_pending_verification') };
  }
  if (settings.now() >= pending.expiresAt) return { refused: await open.drop('expired') };
  return open;
}

/**
 * Whether express-session's store still holds this request's session (`req.sessionStore.get`):
 * Passport's login regenerates the session, and express-session's regenerate() destroys the old
 * record. `true` without such a store (nothing to ask: drop as before), `false` when the read fails.
 */
function stillStored(req: unknown): Promise<boolean> {
  const { sessionStore: store, sessionID: sid } = req as { sessionStore?: { get?: unknown }; sessionID?: unknown };
  const get = store?.get;
  if (typeof get !== 'function' || typeof sid !== 'string') return Promise.resolve(true);
  return new Promise((resolve) => {
    try {
      (get as (sid: string, callback: (err: unknown, session?: unknown) => void) => void).call(store, sid, (err, found) => resolve(!err && found !== null && found !== undefined));
    } catch {
      resolve(false);
    }
  });
}
