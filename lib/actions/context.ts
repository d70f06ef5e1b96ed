// What every action gets, and the three ways an action can end. The strategy maps these onto
// Passport: `pass` -> pass(), `fail` -> fail(info, status), `verified` -> the verify callback and
// then success() or fail(). A thrown error is an upstream fault -> error().

import type { Request } from 'express';
import { DingUnavailableError } from '../errors.js';
import type { Settings } from '../options.js';
import type { Outcome, OutcomeCode } from '../outcomes.js';
import { outcome } from '../outcomes.js';
import type { SessionLike } from '../pending.js';
import type { OtpProvider } from '../providers/provider.js';

export interface ActionContext {
  req: Request;
  session: SessionLike;
  settings: Settings;
  provider: OtpProvider;
}

export type ActionResult =
  | { type: 'pass' }
  | { type: 'fail'; outcome: Outcome }
  | { type: 'verified'; phoneNumber: string; id: string; createdAt: number };

export const PASS: ActionResult = { type: 'pass' };

export function refuse(
  ctx: ActionContext,
  code: OutcomeCode,
  extra?: { retryAfter?: number; attemptsLeft?: number },
): ActionResult {
  return { type: 'fail', outcome: outcome(code, extra, ctx.settings.messages) };
}

/** Whole seconds until `at`, at least 1 (a client told to wait 0 s would just retry at once). */
export function secondsUntil(at: number, now: number): number {
  return Math.max(1, Math.ceil((at - now) / 1000));
}

/** A provider answered outside its interface: a fault, never a login decision. */
export function unexpected(provider: OtpProvider, what: string, value: never): never {
  throw new DingUnavailableError(
    'malformed_response',
    `The ${provider.name} provider returned an unknown ${what} status: ${String((value as { status?: unknown } | undefined)?.status ?? value)}`,
  );
}
