// retry: resend the code of the pending verification. Refused without an API call when the
// cooldown has not passed or no resends are left, so an impatient user cannot spend SMS. A resend
// is an SMS like any other: it passes `beforeSend` and the send limits too.

import type { PendingState } from '../pending.js';
import type { ResendState } from '../serialize.js';
import type { ActionContext, ActionResult } from './context.js';
import { nothingSent } from './nothing-sent.js';
import { admitSend, PASS, refuse, secondsUntil, unexpected } from './context.js';
import type { OpenPending } from './pending-session.js';
import { openPending } from './pending-session.js';
import { sendRequest } from './send.js';
import { failedAfterSend } from '../limits/limits.js';
import { claimWindow, windowState } from '../limits/window.js';
import { chosenChannel, withDelivery } from './channel.js';
import type { DeliveryChannel } from '../providers/delivery.js';
import type { ResendResult } from '../providers/provider.js';
import { boundedRetryAfter, MAX_RETRY_AFTER_SECONDS } from '../http.js';
import { checkedSendContext } from '../send-context.js';
import { defaultSignals } from '../options.js';

export async function retry(ctx: ActionContext): Promise<ActionResult> {
  const { settings } = ctx;
  const opened = await openPending(ctx);
  if ('refused' in opened) return opened.refused;
  const { pending } = opened;
  // A channel the app does not offer is refused before the queue: nothing spent, nothing changed.
  const chosen = chosenChannel(ctx);
  if ('refused' in chosen) return chosen.refused;

  // One resend of a verification at a time in this process (a double-click pays for one SMS), and
  // each decides from what earlier ones left, not from this request's copy of the session.
  const { checks } = ctx;
  return checks.run(pending.id, async (): Promise<ActionResult> => {
    const now = settings.now();
    // No code can be tried any more (a wrong-code budget spent here or in a request this process
    // saw): a resend would be paid for and useless.
    const left = checks.attemptsLeft(pending.id, pending.attemptsLeft, now);
    // Ended by a request queued ahead of this one, most often a right code whose login
    // regenerated the session: refused without touching this copy of it (as in ./verify.ts).
    if (left === 'finished') return refuse(ctx, 'no_pending_verification');
    // Prelude: another session has sent to this number since; its window, not ours (no provider
    // call). Asked here, when the resend runs: a send may take the window while this one queues.
    // Given back: a right code of this session ended it on another instance (as in ./verify.ts).
    const window = await windowState(ctx.limits, ctx.provider, pending);
    if (window === 'given back') return refuse(ctx, 'no_pending_verification');
    if (window === 'lost') return opened.drop('no_pending_verification');
    // Alive when this request arrived (openPending), maybe not after the resends queued ahead of
    // it: a resend now would pay for an SMS of a code the next verify answers `expired`.
    if (now >= pending.expiresAt) return opened.drop('expired');
    if (left <= 0) return opened.drop('too_many_attempts');
    const seen = checks.resendState(pending.id, pending, now);
    const current: PendingState = { ...pending, nextRetryAt: seen.nextRetryAt };
    if (seen.remainingRetries !== undefined) current.remainingRetries = seen.remainingRetries;
    // Exhausted first: waiting would not help. Before the provider has given a count (always, with
    // Prelude), ours applies, so `maxResends: 0` means no resend at all.
    if ((current.remainingRetries ?? settings.maxResends) <= 0) return refuse(ctx, 'retries_exhausted');
    if (now < current.nextRetryAt) {
      return refuse(ctx, 'retry_too_soon', { retryAfter: secondsUntil(current.nextRetryAt, now) });
    }
    return resend(ctx, current, now, opened, chosen.channel);
  });
}

async function resend(
  ctx: ActionContext,
  pending: PendingState,
  now: number,
  opened: OpenPending,
  channel: DeliveryChannel | undefined,
): Promise<ActionResult> {
  const { settings, provider, checks } = ctx;
  // What queued resends of this verification must see, whatever this request's session holds.
  const remember = (state: PendingState): Promise<void> => {
    const seen: ResendState = { nextRetryAt: state.nextRetryAt };
    if (state.remainingRetries !== undefined) seen.remainingRetries = state.remainingRetries;
    checks.resent(pending.id, seen, Math.max(pending.expiresAt, state.expiresAt), now);
    return opened.keep(state);
  };
  // The resend's own signals (its IP, its user agent), read before anything is spent, as at send.
  // Prelude's resend is a create and sends them; Ding's /retry takes none. The library's own
  // default needs no check and no await (see checkedSendContext).
  const context = settings.signals === defaultSignals ? defaultSignals(ctx.req) : checkedSendContext(await settings.signals(ctx.req), provider.name);
  const admitted = await admitSend(ctx, pending.phoneNumber, { action: 'retry' });
  if ('refused' in admitted) return admitted.refused;

  // Nothing sent (refused, or the request never left): the points and the number's resend
  // cooldown come back. A fault that may have come after the code went out keeps them (./nothing-sent.ts).
  const resending = provider.resend({ ...withDelivery(sendRequest(pending.phoneNumber, context), ctx, channel), id: pending.id });
  let result: ResendResult;
  try {
    result = await resending;
  } catch (err) {
    if (nothingSent(err)) await admitted.release();
    throw err;
  }
  switch (result.status) {
    case 'sent': {
      const next: PendingState = {
        ...pending,
        id: result.id ?? pending.id,
        nextRetryAt: cappedRetryAt(result.nextRetryAt, now) ?? now + settings.resendCooldownMs,
      };
      if (result.id !== undefined && result.id !== pending.id) {
        // Ended by a right code of this session, on another instance, while this resend was on its
        // way (a double tap behind a load balancer): that code's login gave the window back. The
        // code just sent (paid for: the send points stay spent) belongs to no session; refused
        // without touching this copy, as in ./verify.ts, or the save would undo that login. One
        // store read, only when the provider opened a new verification.
        if ((await windowState(ctx.limits, provider, pending)) === 'given back') return refuse(ctx, 'no_pending_verification');
        // A new id: the provider's window had ended (Prelude V2 answers a resend then with a fresh
        // verification). The code just sent lives and may be tried as long as a first one. The
        // resend count carries over, so a login cannot renew itself forever.
        next.createdAt = now;
        next.expiresAt = now + settings.ttlMs;
        next.attemptsLeft = settings.maxAttempts;
      }
      // The provider's count wins (Ding); without one (Prelude), ours: maxResends per verification.
      const remaining = result.remainingRetries ?? Math.max(0, (pending.remainingRetries ?? settings.maxResends) - 1);
      next.remainingRetries = remaining;
      // The window is renewed (or new): this session still owns it, for the code's whole life.
      try {
        await claimWindow(ctx.limits, provider, next.phoneNumber, pending.owner, next.expiresAt - now);
      } catch (err) {
        throw failedAfterSend(err);
      }
      // How this code went: as the provider says, else as asked; a resend with no choice and no
      // word from the provider keeps the channel the last code went by.
      const used = result.channel ?? channel;
      if (used !== undefined) next.channel = used;
      await remember(next);
      return PASS;
    }
    // From here on the provider refused and no SMS went out: the send points come back.
    case 'too_soon': {
      await admitted.release();
      // The provider's cooldown (a time, or a wait in seconds) wins over ours; without one, start
      // ours from now.
      const said = cappedRetryAt(result.nextRetryAt, now) ?? waitUntil(result.retryAfter, now);
      const at = said !== undefined && said > now ? said : now + settings.resendCooldownMs;
      await remember({ ...pending, nextRetryAt: at });
      return refuse(ctx, 'retry_too_soon', { retryAfter: secondsUntil(at, now) });
    }
    case 'exhausted':
      await admitted.release();
      await remember({ ...pending, remainingRetries: 0 });
      return refuse(ctx, 'retries_exhausted');
    case 'expired':
      await admitted.release();
      return opened.drop('expired');
    // Validated by a right code of this session, on another instance: as in ./verify.ts.
    case 'already_validated':
      await admitted.release();
      return refuse(ctx, 'no_pending_verification');
    case 'no_attempt':
    case 'not_found':
      await admitted.release();
      return opened.drop('no_pending_verification');
    default:
      return unexpected(provider, 'resend', result.status);
  }
}

/** A provider's wait in seconds (Prelude's 429 `Retry-After`) as epoch ms on our clock (../http.ts). */
function waitUntil(seconds: unknown, now: number): number | undefined {
  const wait = boundedRetryAfter(seconds);
  return wait === undefined ? undefined : now + wait * 1000;
}

/**
 * The provider's next-resend time (Ding V1's `next_retry_at`) as epoch ms, no later than
 * MAX_RETRY_AFTER_SECONDS from now: it reaches users as `retryAfter`, and a wait of hours is a
 * broken or hostile upstream, as for its Retry-After header (../http.ts).
 */
function cappedRetryAt(at: Date | undefined, now: number): number | undefined {
  const time = at?.getTime();
  return time === undefined ? undefined : Math.min(time, now + MAX_RETRY_AFTER_SECONDS * 1000);
}
