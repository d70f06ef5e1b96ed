// What every action gets, and the three ways an action can end. The strategy maps these onto
// Passport: `pass` -> pass(), `fail` -> fail(info, status), `verified` -> the verify callback and
// then success() or fail(). A thrown error is an upstream fault -> error().

import type { Request } from 'express';
import { DingConfigurationError, DingUnavailableError } from '../errors.js';
import type { BeforeSendContext } from '../gates/before-send.js';
import { runBeforeSend } from '../gates/before-send.js';
import type { LimitRefusal, Limits } from '../limits/limits.js';
import type { Settings } from '../options.js';
import type { Outcome, OutcomeCode } from '../outcomes.js';
import { declinedOutcome, outcome } from '../outcomes.js';
import type { SessionLike } from '../pending.js';
import type { OtpProvider } from '../providers/provider.js';
import type { CheckSerializer } from '../serialize.js';

export interface ActionContext {
  req: Request;
  session: SessionLike;
  settings: Settings;
  provider: OtpProvider;
  /** Abuse limits; undefined when turned off. Built once per strategy. */
  limits: Limits | undefined;
  /** Serialises checks per verification in this process. Built once per strategy. */
  checks: CheckSerializer;
}

export type ActionResult =
  | { type: 'pass' }
  /** `rule`: the limit that refused (for events; never in the client's answer). */
  | { type: 'fail'; outcome: Outcome; rule?: LimitRefusal['rule'] }
  | { type: 'verified'; phoneNumber: string; id: string; createdAt: number };

export const PASS: ActionResult = { type: 'pass' };

export function refuse(
  ctx: ActionContext,
  code: OutcomeCode,
  extra?: { retryAfter?: number; attemptsLeft?: number },
): ActionResult {
  return { type: 'fail', outcome: outcome(code, extra, ctx.settings.messages) };
}

/** A limit's refusal: `retry_too_soon` for the resend cooldown, else `rate_limited`; the rule rides along. */
export function limitRefused(ctx: ActionContext, refusal: LimitRefusal): ActionResult {
  const code = refusal.rule === 'resendCooldown' ? 'retry_too_soon' : 'rate_limited';
  return { type: 'fail', outcome: outcome(code, { retryAfter: refusal.retryAfter }, ctx.settings.messages), rule: refusal.rule };
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

/** Let through by `admitSend`; `release()` gives the send points back (at most once, best effort). */
export interface Admitted {
  release(): Promise<void>;
}

const NOTHING_TO_RELEASE: Admitted = { release: () => Promise.resolve() };

/**
 * The gates every SMS passes, send and resend alike: the app's `beforeSend`, then the send limits
 * (a point per phone and per IP, given back when refused). A refusal comes back as an
 * `ActionResult`; otherwise the points stay spent once the provider is reached, unless the caller
 * learns that nothing was sent and calls `release()`.
 */
export async function admitSend(ctx: ActionContext, phoneNumber: string, context: BeforeSendContext): Promise<{ refused: ActionResult } | Admitted> {
  const { settings, limits, req } = ctx;
  if (settings.beforeSend) {
    const verdict = await runBeforeSend(settings.beforeSend, req, phoneNumber, context);
    if (!verdict.ok) {
      if (!verdict.declined) return { refused: refuse(ctx, 'challenge_failed') };
      return { refused: { type: 'fail', outcome: declinedOutcome('challenge_failed', verdict.declined.info, verdict.declined.status, settings.messages) } };
    }
  }
  if (!limits) return NOTHING_TO_RELEASE;
  const decision = await limits.reserveSend(phoneNumber, req.ip, settings.resendCooldownMs);
  if (!decision.ok) return { refused: limitRefused(ctx, decision) };
  // A store error while giving points back must not turn a refusal into a fault.
  return { release: () => decision.release().catch(() => undefined) };
}

/**
 * The logged-in user's phone in second-factor mode: what `secondFactor(req)` answers, `undefined`
 * for nobody. Anything but a string (or null/undefined) is a bug in the app, not a bad number.
 */
export async function secondFactorPhone(ctx: ActionContext): Promise<string | undefined> {
  const { secondFactor } = ctx.settings;
  if (!secondFactor) return undefined;
  const value: unknown = await secondFactor(ctx.req);
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new DingConfigurationError(`secondFactor(req) must return the user's phone number as a string (or null/undefined), not a ${typeof value}`);
  }
  return value;
}
