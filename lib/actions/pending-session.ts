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
   * A right code: removes the pending verification from the session, without a store write of
   * its own. The login writes it: Passport's req.logIn() regenerates the session, which deletes
   * the old record from the store, and express-session saves a changed session before the reply
   * leaves (a declined user, `session: false`, a custom callback). Until then a replay is refused
   * all the same: in this process by the check queue, which has marked the id finished, and
   * anywhere by the provider, which accepts a code once. That saves a store round trip per login.
   */
  spend(): void;
}

/**
 * OpenPending as one object per request: its methods on the prototype, not four closures made
 * for every verify and resend. Call them on the object (`opened.drop(...)`), never detached.
 */
class OpenedPending implements OpenPending {
  constructor(
    readonly pending: PendingState,
    private readonly ctx: ActionContext,
  ) {}

  async keep(state: PendingState): Promise<void> {
    const { session, settings } = this.ctx;
    writePending(session, settings.sessionKey, state);
    await saveSession(session);
  }

  async drop(reason: DropReason): Promise<ActionResult> {
    const { session, settings } = this.ctx;
    clearPending(session, settings.sessionKey);
    await saveSession(session);
    return refuse(this.ctx, reason);
  }

  spend(): void {
    clearPending(this.ctx.session, this.ctx.settings.sessionKey);
  }
}

/** This session's pending verification if it may still be used, else the refusal to answer with. */
export async function openPending(ctx: ActionContext): Promise<{ refused: ActionResult } | OpenPending> {
  const { session, settings } = ctx;
  const pending = readPending(session, settings.sessionKey);
  if (!pending) return { refused: refuse(ctx, 'no_pending_verification') };
  if (ctx.record) Object.assign(ctx.record, { phone: pending.phoneNumber, verificationId: pending.id });
  const open = new OpenedPending(pending, ctx);

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
