// verify: check the code the user typed against the pending verification of this session. The
// provider's id and the phone number come from the session only; a phone posted with the code is
// ignored. Everything that can be refused locally is refused before any API call.
//
// Checks of one verification run one at a time in this process (../serialize.ts), and each
// reserves a point of the per-phone failed-check budget first: kept for a wrong code, given back
// for any other answer, cleared by a right one. With a Redis limit store the same reservation
// counts the verification's own wrong codes there, which the check queue cannot see on other
// instances. So concurrent wrong codes cannot spend more provider attempts than the session's
// budget (`maxAttempts`), on one instance or several, nor more than the phone's budget across
// verifications.

import { OtpUnavailableError } from '../errors.js';
import { bodyOf, NOT_A_STRING, readFieldValue } from '../fields.js';
import type { CheckStatus } from '../providers/provider.js';
import type { ActionContext, ActionResult } from './context.js';
import { ignore, limitRefused, refuse, unexpected } from './context.js';
import { cleanCode } from './code-input.js';
import { openPending } from './pending-session.js';
import { releaseWindow, windowState } from '../limits/window.js';

export async function verify(ctx: ActionContext): Promise<ActionResult> {
  const { req, settings, provider } = ctx;
  const input = readFieldValue(bodyOf(req), settings.codeField);
  if (input === undefined || (input !== NOT_A_STRING && input.trim() === '')) return refuse(ctx, 'missing_code');
  // Not a code at all (letters, the wrong length, a JSON number): say what a code looks like.
  // Nothing was checked, so no attempt is spent and the provider is not called.
  const code = input === NOT_A_STRING ? undefined : cleanCode(input, settings.codePattern);
  if (code === undefined) return refuse(ctx, 'malformed_code');

  const opened = await openPending(ctx);
  if ('refused' in opened) return opened.refused;
  const { pending } = opened;

  const { checks, limits } = ctx;
  const { id, phoneNumber, expiresAt } = pending;
  return checks.run(id, async (): Promise<ActionResult> => {
    // What earlier checks in this process learned beats this request's copy of the session (a
    // session never holds 0 attempts: the last wrong code clears it; the ledger may).
    const now = settings.now();
    const left = checks.attemptsLeft(id, pending.attemptsLeft, now);
    // A concurrent request already ended this verification (a double tap, a double submit, a
    // client's retry): most often a right code, whose login regenerated the session this
    // request's copy was loaded from. Refused without touching that copy, and before the window
    // check (the login gives the window back): changed, express-session would save it, writing
    // the destroyed session back to the store, and set a cookie with the old id, which, arriving
    // after the login's answer, signs the user out. The request that ended it removed the state.
    if (left === 'finished') return refuse(ctx, 'no_pending_verification');
    // Prelude: another session has sent to this number since; its window, not ours (no provider
    // call). Asked here, when the check runs: a send may take the window while this one queues.
    // Given back instead: a right code of this session ended the verification, on another
    // instance, whose queue this one cannot see (a double tap behind a load balancer). Refused
    // without touching this copy, as just above: that login may not have regenerated the
    // session yet, and a save now would write it back after.
    const window = await windowState(limits, provider, pending);
    if (window === 'given back') return refuse(ctx, 'no_pending_verification');
    if (window === 'lost') return opened.drop('no_pending_verification');
    if (left <= 0) return opened.drop('too_many_attempts');
    // openPending() saw the code alive when this request arrived; a check queued behind slow ones
    // may run after its expiry, and a provider window longer than ttlSeconds would still take it.
    if (now >= expiresAt) {
      checks.finish(id, expiresAt, now);
      return opened.drop('expired');
    }

    const grant = await limits.reserveFailedCheck(phoneNumber, req.ip, { id, maxAttempts: settings.maxAttempts, windowMs: expiresAt - now });
    if (!grant.ok) {
      if (!('attemptsSpent' in grant)) return limitRefused(ctx, grant);
      // Another instance checked the rest of the budget: what this one's queue would have said.
      checks.recordLeft(id, 0, expiresAt, now);
      return opened.drop('too_many_attempts');
    }
    let status: CheckStatus;
    try {
      ({ status } = await provider.check({ id, phoneNumber, code }));
    } catch (err) {
      // A fault is not a wrong code: the point comes back and the same code may be tried again.
      await grant.release().catch(ignore);
      throw err;
    }
    // A right code clears the count below, the reserved point with it.
    if (status !== 'invalid' && status !== 'valid') await grant.release().catch(ignore);

    switch (status) {
      case 'valid': {
        checks.finish(id, expiresAt, now);
        // Gone from the session before success(): a replay of this code finds nothing to check.
        opened.spend();
        // The owner of the phone is back: their wrong-code count starts again. In the background
        // and best effort: the code is already spent at the provider, so a slow or failing store
        // must neither hold nor cost the login.
        void grant.clear().catch(ignore);
        void releaseWindow(limits, provider, pending);
        const verified: ActionResult = { type: 'verified', phoneNumber, id, createdAt: pending.createdAt };
        if (pending.riskFactors) verified.riskFactors = pending.riskFactors;
        return verified;
      }
      case 'invalid': {
        // The fewer of this session's count and the verification's, counted on every instance.
        const attemptsLeft = Math.min(left - 1, grant.attemptsLeft ?? left - 1);
        // Requests queued behind this one read the ledger: at 0 they answer too_many_attempts too.
        checks.recordLeft(id, attemptsLeft, expiresAt, now);
        // The budget is spent: nothing is left to check or to resend, so say so now rather than
        // keep a state whose only use would be a paid resend of a code that can never be tried.
        if (attemptsLeft <= 0) return opened.drop('too_many_attempts');
        await opened.keep({ ...pending, attemptsLeft });
        return refuse(ctx, 'invalid_code', { attemptsLeft });
      }
      case 'expired':
        checks.finish(id, expiresAt, now);
        // Prelude says so, before our expiry (checked above), of a verification a right code
        // closed: a double tap's other request, on another instance, which gave the window back
        // as soon as its check answered (before its login). Refused without touching this copy.
        if ((await windowState(limits, provider, pending)) === 'given back') return refuse(ctx, 'no_pending_verification');
        return opened.drop('expired');
      case 'too_many_attempts':
        checks.finish(id, expiresAt, now);
        return opened.drop('too_many_attempts');
      // Validated already. The id lives in this session alone, so by a right code of this
      // session: a double tap's other request, on another instance (on this one the queue answers
      // first, above), whose login removes the state or regenerates the session away. Refused
      // without touching this copy: saved, it would undo that login whether or not it is done.
      case 'already_validated':
        checks.finish(id, expiresAt, now);
        return refuse(ctx, 'no_pending_verification');
      // Never sent, or unknown to the provider. From the user's side there is no code waiting.
      case 'no_attempt':
      case 'not_found':
        checks.finish(id, expiresAt, now);
        return opened.drop('no_pending_verification');
      case 'unknown':
        // The provider could not say: a fault, never a login. The pending state stays for a retry.
        throw new OtpUnavailableError('server_error', `The ${provider.name} provider could not say whether the code is valid`);
      default:
        return unexpected(provider, 'check', status);
    }
  });
}
