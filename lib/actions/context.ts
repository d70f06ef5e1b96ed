// What every action gets, and the three ways an action can end. The strategy maps these onto
// Passport: `pass` -> pass(), `fail` -> fail(info, status), `verified` -> the verify callback and
// then success() or fail(). A thrown error is an upstream fault -> error().

import type { Request } from 'express';
import { OtpConfigurationError, OtpUnavailableError } from '../errors.js';
import type { BeforeSendContext } from '../gates/before-send.js';
import { runBeforeSend } from '../gates/before-send.js';
import type { LimitRefusal, Limits } from '../limits/limits.js';
import type { Settings } from '../options.js';
import type { Outcome, OutcomeCode } from '../outcomes.js';
import { declinedOutcome, outcome } from '../outcomes.js';
import type { SessionLike } from '../pending.js';
import { userKey } from '../pending.js';
import type { OtpProvider } from '../providers/provider.js';
import type { CheckSerializer } from '../serialize.js';
import type { ActionRecord } from '../events.js';

export interface ActionContext {
  req: Request;
  session: SessionLike;
  settings: Settings;
  provider: OtpProvider;
  /**
   * Abuse limits, built once per strategy. With `limits: false` every rule is off, but the resend
   * cooldown and Prelude's window owners still live in their store.
   */
  limits: Limits;
  /** Serialises checks per verification in this process. Built once per strategy. */
  checks: CheckSerializer;
  /** What the step's event will say (the number before any provider call); only when events are on. */
  record?: ActionRecord | undefined;
}

export type ActionResult =
  | { type: 'pass' }
  // `rule`: the limit or gate that refused, for events only (never in the client's answer).
  | { type: 'fail'; outcome: Outcome; rule?: string }
  | { type: 'verified'; phoneNumber: string; id: string; createdAt: number; riskFactors?: readonly string[] };

export const PASS: ActionResult = { type: 'pass' };

export function refuse(
  ctx: ActionContext,
  code: OutcomeCode,
  extra?: { retryAfter?: number; attemptsLeft?: number },
  rule?: string,
): ActionResult {
  const result: ActionResult = { type: 'fail', outcome: outcome(code, extra, ctx.settings.messages) };
  if (rule !== undefined) result.rule = rule;
  return result;
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
  throw new OtpUnavailableError(
    'malformed_response',
    `The ${provider.name} provider returned an unknown ${what} status: ${String((value as { status?: unknown } | undefined)?.status ?? value)}`,
  );
}

/** A best-effort store call's rejection, dropped: one function for all, not a closure per call. */
export const ignore = (): undefined => undefined;

/** Let through by `admitSend`; `release()` gives the send points back (at most once, best effort). */
export interface Admitted {
  release(): Promise<void>;
}

/**
 * The gates every SMS passes, send and resend alike: the app's `beforeSend`, then the send limits
 * (a point of every send rule and the number's resend cooldown, all given back when one refuses). A
 * refusal comes back as an `ActionResult`; otherwise the points stay spent once the provider is
 * reached, unless the caller learns that nothing was sent and calls `release()`. `country` is the
 * number's, when the caller parsed it already (the per-country budget otherwise parses the number
 * again).
 */
export async function admitSend(ctx: ActionContext, phoneNumber: string, context: BeforeSendContext, country?: string): Promise<{ refused: ActionResult } | Admitted> {
  const { settings, limits, req } = ctx;
  if (settings.beforeSend) {
    const verdict = await runBeforeSend(settings.beforeSend, req, phoneNumber, context);
    if (!verdict.ok) {
      if (!verdict.declined) return { refused: refuse(ctx, 'challenge_failed', undefined, 'beforeSend') };
      return { refused: { type: 'fail', outcome: declinedOutcome('challenge_failed', verdict.declined.info, verdict.declined.status, settings.messages), rule: 'beforeSend' } };
    }
  }
  const decision = await limits.reserveSend(phoneNumber, req.ip, settings.resendCooldownMs, country);
  if (!decision.ok) return { refused: limitRefused(ctx, decision) };
  // A store error while giving points back must not turn a refusal into a fault.
  return { release: () => decision.release().catch(ignore) };
}

/**
 * The logged-in user's phone in second-factor mode: what `secondFactor(req)` answers, `undefined`
 * for nobody. Anything but a string (or null/undefined) is a bug in the app, not a bad number.
 */
export async function secondFactorPhone(ctx: Pick<ActionContext, 'req' | 'settings'>): Promise<string | undefined> {
  const { secondFactor } = ctx.settings;
  if (!secondFactor) return undefined;
  const value: unknown = await secondFactor(ctx.req);
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new OtpConfigurationError(`secondFactor(req) must return the user's phone number as a string (or null/undefined), not a ${typeof value}`);
  }
  return value;
}

/**
 * The signed-in user's id as the `userId(req)` option answers it (a number stays a number);
 * `undefined` when nobody is signed in. Anything but a non-empty string or a finite number is a
 * bug in the app.
 */
export async function currentUserId(ctx: Pick<ActionContext, 'req' | 'settings'>): Promise<string | number | undefined> {
  const value: unknown = await ctx.settings.userId(ctx.req);
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value !== '') return value;
  throw new OtpConfigurationError(`userId(req) must return the user's id as a non-empty string or a number (or null/undefined), not ${typeof value === 'string' ? 'an empty string' : `a ${typeof value}`}`);
}

/**
 * Who a second-factor (or phone-change) code is for, as the pending verification keeps it
 * (`userKey`), from the `userId(req)` option; `undefined` when nobody is signed in.
 */
export async function currentUserKey(ctx: Pick<ActionContext, 'req' | 'settings'>): Promise<string | undefined> {
  const id = await currentUserId(ctx);
  return id === undefined ? undefined : userKey(String(id));
}

/**
 * What a "no user" configuration error adds when the session holds a Passport login and yet
 * req.user is unset: the app has express-session but not `app.use(passport.session())`, which
 * restores req.user on each request after the login's. Empty otherwise.
 */
export function missingPassportSessionHint(req: Request, session: SessionLike): string {
  if (req.user) return '';
  const saved: unknown = session['passport'];
  const loggedIn = saved !== null && typeof saved === 'object' && (saved as { user?: unknown }).user !== undefined;
  return loggedIn
    ? '; this session holds a Passport login but req.user is not set: add app.use(passport.session()) after the session middleware, so that each request restores req.user'
    : '';
}

/** `currentUserKey`, required: a second-factor or phone-change send for nobody is a bug in the app's wiring. */
export async function requiredUserKey(ctx: ActionContext): Promise<string> {
  const key = await currentUserKey(ctx);
  if (key !== undefined) return key;
  const mode = ctx.settings.phoneChange ? 'phoneChange' : 'secondFactor';
  throw new OtpConfigurationError(
    `${mode} binds each code to the signed-in user, but there is no user id: sign the user in first (req.user with an \`id\`), or set the \`userId\` option to where your app keeps it${missingPassportSessionHint(ctx.req, ctx.session)}`,
  );
}
