// Who owns a verification window. Prelude Verify V2 keeps one verification per number: a send for
// session B renews the window session A opened, and a code checked from either session is checked
// against the number. So a code sent for B would log A in, and A's wrong codes would spend B's
// attempts. Ding V1 keeps one authentication per send, so this does not arise there.
//
// The session whose send opened or last renewed the window owns it: a random token in its pending
// state and the same token in the limits' store (memory or Redis, so it holds across instances),
// for the code's lifetime. A check or resend from any other session finds no pending verification,
// with no provider call. With `limits: false` the store is still there (in memory), for this.

import { randomBytes } from 'node:crypto';
import type { CheckSerializer } from '../serialize.js';
import type { Limits } from './limits.js';

/** Providers whose verifications belong to the number, not to one send. */
export function ownsWindows(provider: { readonly name: string }): boolean {
  return provider.name === 'prelude';
}

/**
 * A send or resend went out for this session: it owns the number's window for `ttlMs`. Returns
 * the token to keep in the pending state (`owner`, if the session had one, is kept), or undefined
 * when the provider needs none.
 */
export async function claimWindow(limits: Limits, provider: { readonly name: string }, phoneNumber: string, owner: string | undefined, ttlMs: number): Promise<string | undefined> {
  if (!ownsWindows(provider)) return undefined;
  const token = owner ?? randomBytes(12).toString('base64url');
  await limits.takeWindow(phoneNumber, token, ttlMs);
  return token;
}

/**
 * A send (not a resend: that keeps its pending state and count) got `id` back. Where the provider
 * keeps one verification per number, that may be the id of earlier sends in the window, whose
 * wrong codes must not count against the code just sent: without this, a user who spent
 * `maxAttempts` (set below the provider's own limit) and asked for a new code got one that could
 * never be checked, each new send a paid SMS, until the window ended. The guessing budgets per
 * number and address still bound every guess.
 */
export async function restartAttempts(limits: Limits, checks: CheckSerializer, provider: { readonly name: string }, id: string): Promise<void> {
  if (!ownsWindows(provider)) return;
  checks.restart(id);
  await limits.restartVerification(id);
}

/**
 * Whether this session's pending verification still owns its window (always, where windows are
 * per send): 'held'; 'given back' by a right code of this session (releaseWindow()), which may be
 * a double tap's other request, on another instance, whose login is regenerating this session; or
 * 'lost': another session's send took it since, or its mark is gone (lapsed with the code, a
 * limits store that restarted empty, another instance's memory store).
 */
export async function windowState(limits: Limits, provider: { readonly name: string }, pending: { phoneNumber: string; owner?: string | undefined }): Promise<'held' | 'given back' | 'lost'> {
  if (!ownsWindows(provider)) return 'held';
  // A pending state without an owner token owns nothing (Limits.windowHolder: 'other' or 'none').
  if (pending.owner === undefined) return 'lost';
  const holder = await limits.windowHolder(pending.phoneNumber, pending.owner);
  return holder === 'owner' ? 'held' : holder === 'given back' ? 'given back' : 'lost';
}

/** A right code spent the window: its mark says so (best effort; it expires with the code anyway). */
export function releaseWindow(limits: Limits, provider: { readonly name: string }, pending: { phoneNumber: string; owner?: string | undefined }): Promise<void> {
  if (!ownsWindows(provider) || pending.owner === undefined) return Promise.resolve();
  return limits.leaveWindow(pending.phoneNumber, pending.owner).catch(() => undefined);
}
