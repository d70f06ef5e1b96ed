// verify: check the code the user typed against the pending verification of this session. The
// provider's id and the phone number come from the session only; a phone posted with the code is
// ignored. Everything that can be refused locally is refused before any API call.

import { DingUnavailableError } from '../errors.js';
import { readField } from '../fields.js';
import { clearPending, readPending, saveSession, writePending } from '../pending.js';
import { normalizePhone } from '../phone.js';
import type { ActionContext, ActionResult } from './context.js';
import { refuse, unexpected } from './context.js';

// Longer input is not a code; do not run a pattern over it.
const MAX_CODE_INPUT = 64;

/** The code with spaces and dashes removed, if it matches the pattern. */
export function cleanCode(input: string, pattern: RegExp): string | undefined {
  if (input.length > MAX_CODE_INPUT) return undefined;
  const code = input.replace(/[\s-]/g, '');
  return pattern.test(code) ? code : undefined;
}

export async function verify(ctx: ActionContext): Promise<ActionResult> {
  const { req, session, settings, provider } = ctx;
  const key = settings.sessionKey;
  const input = readField(req.body, settings.codeField);
  if (input === undefined || input.trim() === '') return refuse(ctx, 'missing_code');
  const code = cleanCode(input, settings.codePattern);
  if (code === undefined) return refuse(ctx, 'invalid_code');

  const pending = readPending(session, key);
  if (!pending) return refuse(ctx, 'no_pending_verification');

  // Drop the pending verification and say why, saving before the reply.
  const drop = async (code: 'expired' | 'too_many_attempts' | 'no_pending_verification'): Promise<ActionResult> => {
    clearPending(session, key);
    await saveSession(session);
    return refuse(ctx, code);
  };

  if (settings.secondFactor) {
    // The code must be for the number of whoever is logged in now, not for whoever asked for it.
    const current = normalizePhone((await settings.secondFactor(req)) ?? undefined, settings.defaultCountry);
    if (!current.ok || current.e164 !== pending.phoneNumber) return drop('no_pending_verification');
  }
  if (settings.now() >= pending.expiresAt) return drop('expired');
  if (pending.attemptsLeft <= 0) return drop('too_many_attempts');

  const { status } = await provider.check({ id: pending.id, phoneNumber: pending.phoneNumber, code });
  switch (status) {
    case 'valid':
      // Gone before success(): a replay of this code finds nothing to check.
      clearPending(session, key);
      await saveSession(session);
      return { type: 'verified', phoneNumber: pending.phoneNumber, id: pending.id, createdAt: pending.createdAt };
    case 'invalid': {
      // Concurrent wrong guesses from one session may each start from the same count; the
      // provider's own attempt limit is what holds under a race, this budget is the early stop.
      const attemptsLeft = Math.max(0, pending.attemptsLeft - 1);
      writePending(session, key, { ...pending, attemptsLeft });
      await saveSession(session);
      return refuse(ctx, 'invalid_code', { attemptsLeft });
    }
    case 'expired':
      return drop('expired');
    case 'too_many_attempts':
      return drop('too_many_attempts');
    // The provider has nothing left to check: validated already (a replay or a lost race),
    // never sent, or unknown to it. From the user's side there is no code waiting.
    case 'already_validated':
    case 'no_attempt':
    case 'not_found':
      return drop('no_pending_verification');
    case 'unknown':
      // The provider could not say: a fault, never a login. The pending state stays for a retry.
      throw new DingUnavailableError('server_error', `The ${provider.name} provider could not say whether the code is valid`);
    default:
      return unexpected(provider, 'check', status);
  }
}
