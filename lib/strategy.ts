// DingOtpStrategy: Passport glue only. It picks the step (send, verify, retry), runs it, and maps
// the result onto exactly one of pass(), fail(info, status), success(user, info) or error(err).
//
// Passport calls authenticate() on a per-request copy (Object.create(strategy)), so everything
// that outlives a request, the provider and its connection pool above all, is built here in the
// constructor and nothing is stored on `this` inside authenticate().

import type { AuthenticateOptions } from 'passport';
import type { Request } from 'express';
import { Strategy } from 'passport-strategy';
import './augment.js';
import type { DingAction } from './augment.js';
import { DingConfigurationError } from './errors.js';
import { readField } from './fields.js';
import type {
  DingOtpStrategyOptions,
  DingOtpStrategyOptionsWithRequest,
  Settings,
  VerificationDetails,
  VerifyFunction,
  VerifyFunctionWithRequest,
} from './options.js';
import { resolveOptions } from './options.js';
import type { FailureInfo } from './outcomes.js';
import { declinedOutcome } from './outcomes.js';
import type { PublicPendingVerification } from './pending.js';
import { pendingVerification, sessionOf } from './pending.js';
import { DingProvider } from './providers/ding-provider.js';
import { PreludeProvider } from './providers/prelude.js';
import type { OtpProvider } from './providers/provider.js';
import { Limits } from './limits/limits.js';
import { noLimits } from './limits/options.js';
import { normalizePhone } from './phone.js';
import { CheckSerializer } from './serialize.js';
import type { ActionContext, ActionResult } from './actions/context.js';
import { runVerifyCallback } from './actions/callback.js';
import { retry } from './actions/retry.js';
import { send } from './actions/send.js';
import { verify } from './actions/verify.js';

/** The one Passport action a request ends with. */
type Decision =
  | { type: 'pass' }
  | { type: 'fail'; info: FailureInfo; status: number }
  | { type: 'success'; user: Express.User; info: object | string }
  | { type: 'error'; err: Error };

const ACTIONS: Record<DingAction, (ctx: ActionContext) => Promise<ActionResult>> = { send, verify, retry };

/** A pass or a refusal as its Passport action (a verified code goes through the verify callback). */
function plainDecision(result: Exclude<ActionResult, { type: 'verified' }>): Decision {
  return result.type === 'pass' ? { type: 'pass' } : { type: 'fail', info: result.outcome.info, status: result.outcome.status };
}

const NO_SESSION =
  'passport-ding keeps the pending verification in req.session, but there is none: ' +
  'add express-session (app.use(session({ ... }))) before passport.authenticate()';

const NO_USER = 'secondFactor without a verify callback needs req.user (a logged-in user)';

function isProvider(value: unknown): value is OtpProvider {
  if (value === null || typeof value !== 'object') return false;
  const p = value as Record<string, unknown>;
  return typeof p.send === 'function' && typeof p.check === 'function' && typeof p.resend === 'function' && typeof p.close === 'function';
}

function buildProvider(options: DingOtpStrategyOptions | DingOtpStrategyOptionsWithRequest): OtpProvider {
  const { provider, apiKey, customerUuid, baseUrl, timeoutMs } = options;
  if (provider !== undefined && provider !== 'ding' && provider !== 'prelude') {
    if (apiKey !== undefined || customerUuid !== undefined) {
      throw new TypeError('DingOtpStrategy takes either `provider` or `apiKey` + `customerUuid`, not both');
    }
    // The instance has its own connection settings; these would be silently ignored.
    if (baseUrl !== undefined || timeoutMs !== undefined) {
      throw new TypeError('DingOtpStrategy: `baseUrl` and `timeoutMs` belong to the provider; pass them to its constructor, not with a `provider` instance');
    }
    if (!isProvider(provider)) throw new TypeError('DingOtpStrategy: `provider` must implement send, check, resend and close');
    return provider;
  }
  // `baseUrl` and `timeoutMs` are checked by the provider's constructor (lib/http.ts): one set of rules.
  if (provider === 'prelude') {
    if (typeof apiKey !== 'string' || apiKey === '') throw new TypeError("DingOtpStrategy with provider 'prelude' requires `apiKey` (a Prelude V2 key)");
    // A leftover V1 setting: Prelude V2 has no customer UUID, and silently ignoring it would hide a half-done migration.
    if (customerUuid !== undefined) throw new TypeError("DingOtpStrategy: Prelude V2 takes no `customerUuid`; remove it with provider 'prelude'");
    return new PreludeProvider({ apiKey, baseUrl, timeoutMs });
  }
  if (typeof apiKey !== 'string' || apiKey === '' || typeof customerUuid !== 'string' || customerUuid === '') {
    throw new TypeError('DingOtpStrategy requires `apiKey` and `customerUuid` (or a `provider`)');
  }
  return new DingProvider({ apiKey, customerUuid, baseUrl, timeoutMs });
}

/**
 * `DingOtpStrategy` authenticates a user by a one-time code sent to their phone, in two requests:
 * `send` (phone number in, code out by SMS) and `verify` (code in, user out), plus `retry` to
 * resend. The pending verification lives in the session between them.
 *
 * The verify callback gets the verified E.164 phone number and details, and answers with
 * `done(err, user, info)` or a promise of a user (`false` to refuse).
 *
 *     passport.use(new DingOtpStrategy(
 *       { apiKey: process.env.DING_API_KEY, customerUuid: process.env.DING_CUSTOMER_UUID },
 *       async (phoneNumber) => users.findOrCreateByPhone(phoneNumber),
 *     ));
 */
export class DingOtpStrategy extends Strategy {
  name: string;
  private readonly _settings: Settings;
  private readonly _provider: OtpProvider;
  private readonly _verify: VerifyFunction | VerifyFunctionWithRequest | undefined;
  // Shared by every request (Passport's per-request copies see the same objects): limit counters
  // and the per-verification check queue must outlive a request to mean anything.
  // With `limits: false` too: the resend cooldown and Prelude's window owners live in its store.
  private readonly _limits: Limits;
  private readonly _checks: CheckSerializer;

  constructor(options: DingOtpStrategyOptionsWithRequest, verify: VerifyFunctionWithRequest);
  constructor(options: DingOtpStrategyOptions, verify: VerifyFunction);
  /** Second-factor mode (`secondFactor` set): without a verify callback, success is `req.user`. */
  constructor(options: (DingOtpStrategyOptions | DingOtpStrategyOptionsWithRequest) & { secondFactor: NonNullable<DingOtpStrategyOptions['secondFactor']> });
  constructor(options: DingOtpStrategyOptions | DingOtpStrategyOptionsWithRequest, verify?: VerifyFunction | VerifyFunctionWithRequest) {
    super();
    if (options === null || typeof options !== 'object') throw new TypeError('DingOtpStrategy requires an options object');
    this._settings = resolveOptions(options);
    if (verify !== undefined && typeof verify !== 'function') throw new TypeError('DingOtpStrategy: the verify callback must be a function');
    if (verify === undefined && !this._settings.secondFactor) throw new TypeError('DingOtpStrategy requires a verify callback');
    this._provider = buildProvider(options);
    if (this._settings.lineTypes && typeof this._provider.lookup !== 'function') {
      throw new TypeError(`DingOtpStrategy: option \`lineTypes\` needs a provider with lookup() (the ${this._provider.name} provider has none)`);
    }
    this._limits = new Limits(this._settings.limits ?? noLimits(), this._settings.now);
    this._checks = new CheckSerializer();
    this._verify = verify;
    this.name = 'ding';
  }

  /** The provider this strategy talks to (built from the credentials, or the one given). */
  get provider(): OtpProvider {
    return this._provider;
  }

  /** The public view of this session's pending verification (see `pendingVerification`). */
  pendingVerification(req: Request): PublicPendingVerification | undefined {
    return pendingVerification(req, this._settings.sessionKey);
  }

  /**
   * The operator's reset of a phone number's limits: its wrong-code counts (the lock after
   * `consecutiveFailuresPerPhone` too), sends and resend cooldown, in the limits' store (all
   * instances, with Redis). For a user who proved who they are another way. See docs/limits.md.
   */
  async resetPhone(phoneNumber: string): Promise<void> {
    const phone = normalizePhone(phoneNumber, this._settings.defaultCountry);
    if (!phone.ok) throw new TypeError('DingOtpStrategy.resetPhone: not a valid phone number');
    await this._limits.resetPhone(phone.e164);
  }

  /** Releases the provider's pooled connections (also a provider passed in). */
  close(): Promise<void> {
    return this._provider.close();
  }

  override authenticate(req: Request, options?: AuthenticateOptions): void {
    const session = sessionOf(req);
    if (!session) return this.error(new DingConfigurationError(NO_SESSION));
    const action = this._action(req, options?.action);
    if (action instanceof Error) return this.error(action);
    // Second-factor mode without a verify callback succeeds with req.user: without one, no step
    // of it makes sense, so say so before anything is sent or checked.
    if (!this._verify && !req.user) return this.error(new DingConfigurationError(NO_USER));

    const ctx: ActionContext = {
      req,
      session,
      settings: this._settings,
      provider: this._provider,
      limits: this._limits,
      checks: this._checks,
    };
    // Decide first (the action and, after a valid code, the app's verify callback), then take
    // exactly one Passport action. What that action runs (a custom callback, the next strategy of
    // a chain) is app code: if it throws, that is not a second outcome of this login, so it is
    // rethrown outside the promise, where it surfaces as in any other handler.
    let acted = false;
    const apply = (decision: Decision): void => {
      if (acted) return;
      acted = true;
      try {
        this._apply(decision);
      } catch (err) {
        process.nextTick(() => {
          throw err;
        });
      }
    };
    const failed = (err: unknown): void => apply({ type: 'error', err: err instanceof Error ? err : new Error(String(err)) });
    ACTIONS[action](ctx).then((result) => {
      if (result.type === 'verified') this._decide(req, result).then(apply, failed);
      else apply(plainDecision(result));
    }, failed);
  }

  private _action(req: Request, requested: unknown): DingAction | DingConfigurationError {
    if (requested === undefined) {
      // A code in the body means the user is answering; anything else starts (or restarts) a login.
      return readField(req.body, this._settings.codeField) === undefined ? 'send' : 'verify';
    }
    if (requested === 'send' || requested === 'verify' || requested === 'retry') return requested;
    return new DingConfigurationError(`Unknown passport-ding action ${JSON.stringify(requested)}: use 'send', 'verify' or 'retry'`);
  }

  /** What a verified code comes to, the verify callback included; no Passport action yet. */
  private async _decide(req: Request, result: Extract<ActionResult, { type: 'verified' }>): Promise<Decision> {
    const settings = this._settings;
    const details: VerificationDetails = {
      id: result.id,
      phoneNumber: result.phoneNumber,
      method: 'sms_otp',
      provider: this._provider.name,
      createdAt: new Date(result.createdAt),
      secondFactor: settings.secondFactor !== undefined,
    };
    if (!this._verify) {
      // Second-factor mode without a callback: the same user, now with a verified phone.
      if (!req.user) return { type: 'error', err: new DingConfigurationError(NO_USER) };
      return { type: 'success', user: req.user, info: { method: 'sms_otp' } };
    }
    const answer = await runVerifyCallback(this._verify, settings.passReqToCallback, req, result.phoneNumber, details);
    if (answer.ok) return { type: 'success', user: answer.user, info: answer.info ?? { method: 'sms_otp' } };
    const refused = declinedOutcome('declined', answer.info, answer.status, settings.messages);
    return { type: 'fail', info: refused.info, status: refused.status };
  }

  private _apply(decision: Decision): void {
    switch (decision.type) {
      case 'pass':
        return this.pass();
      case 'fail':
        return this.fail(decision.info, decision.status);
      case 'success':
        return this.success(decision.user, decision.info);
      case 'error':
        return this.error(decision.err);
    }
  }
}
