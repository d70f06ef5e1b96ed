// DingOtpStrategy: Passport glue only. It picks the step (send, verify, retry), runs it, and maps
// the result onto exactly one of pass(), fail(info, status), success(user, info) or error(err).
//
// Passport calls authenticate() on a per-request copy (Object.create(strategy)), so everything
// that outlives a request, the provider and its connection pool above all, is built here in the
// constructor and nothing is stored on `this` inside authenticate().

import type { AuthenticateOptions } from 'passport';
import type { Request, Response } from 'express';
import { Strategy } from 'passport-strategy';
import type { DingAction } from './augment.js';
import { DING_ACTIONS } from './augment.js';
import { OtpConfigurationError } from './errors.js';
import { bodyOf, readFieldValue } from './fields.js';
import type { DingOtpStrategyOptions, DingOtpStrategyOptionsWithRequest, Settings } from './options.js';
import type {
  PhoneChangeVerifyFunction,
  PhoneChangeVerifyFunctionWithRequest,
  VerificationDetails,
  VerifyFunction,
  VerifyFunctionWithRequest,
} from './verify-callback.js';
import { resolveOptions } from './options.js';
import type { FailureInfo } from './outcomes.js';
import { declinedOutcome, outcome } from './outcomes.js';
import type { PublicPendingVerification } from './pending.js';
import { pendingVerification, sessionOf } from './pending.js';
import { providerFromOptions } from './providers/index.js';
import { checkDeliveryOptions } from './providers/delivery.js';
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
import { Production } from './production.js';
import { webhookSecrets } from './webhooks/callback-url.js';
import { TrustedDevices, rememberAfter } from './trusted-devices/index.js';
import { currentUserId, missingPassportSessionHint } from './actions/context.js';
import { PHONE_CHANGE_INFO, verifiedPhoneChange } from './phone-change.js';

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

const NO_REGENERATE =
  'passport-ding needs a session Passport can regenerate at login (req.session.regenerate()), and this one cannot: ' +
  'use express-session (cookie-session and hand-made session objects lack regenerate() and save())';

const NO_USER =
  'secondFactor without a verify callback needs req.user (a logged-in user): sign the user in first, ' +
  'and put this route behind a guard that sends a signed-out visitor to your login page';

/**
 * An error thrown by what a Passport action ran (a custom callback, a flash call with no flash
 * middleware, req.logIn()) after this login was decided. It is not a second outcome of the login,
 * and Passport's error() would run the custom callback again, so it goes straight to the app's
 * error handlers through Express's next: a 500, never an uncaught exception that ends the process.
 * Outside Express (no req.next) the request is answered 500, or closed if an answer has begun.
 */
function afterDecision(req: Request, err: unknown): void {
  const next: unknown = (req as { next?: unknown }).next;
  try {
    if (typeof next === 'function') {
      (next as (err: unknown) => void)(err);
      return;
    }
  } catch {
    // Express's own next does not throw; anything that does falls through to the plain answer.
  }
  const res = (req as { res?: { headersSent?: boolean; statusCode: number; end(body?: string): unknown } }).res;
  try {
    if (res && !res.headersSent) {
      res.statusCode = 500;
      res.end('Internal Server Error');
      return;
    }
  } catch {
    // fall through: close the connection
  }
  req.socket?.destroy();
}

/**
 * `DingOtpStrategy` authenticates a user by a one-time code sent to their phone, in two requests:
 * `send` (phone number in, code out by SMS) and `verify` (code in, user out), plus `retry` to
 * resend. The pending verification lives in the session between them.
 *
 * The verify callback gets the verified E.164 phone number and details, and answers with
 * `done(err, user, info)` or a promise of a user (`false` to refuse).
 *
 * Two more modes, one instance each: `secondFactor` texts the signed-in user's number on file;
 * `phoneChange` verifies a new number for the signed-in user and logs nobody in (the route gets a
 * VerifiedPhoneChange, see ./phone-change.ts).
 *
 *     passport.use(new DingOtpStrategy(
 *       { apiKey: process.env.PRELUDE_API_KEY },
 *       async (phoneNumber) => users.findOrCreateByPhone(phoneNumber),
 *     ));
 */
export class DingOtpStrategy extends Strategy {
  name: string;
  private readonly _settings: Settings;
  private readonly _provider: OtpProvider;
  // A phone-change callback is kept here too: its answer is read the same way (truthy accepts).
  private readonly _verify: VerifyFunction | VerifyFunctionWithRequest | undefined;
  // Shared by every request (Passport's per-request copies see the same objects): limit counters
  // and the per-verification check queue must outlive a request to mean anything.
  // With `limits: false` too: the resend cooldown and Prelude's window owners live in its store.
  private readonly _limits: Limits;
  private readonly _checks: CheckSerializer;
  // Test numbers, webhook URL and events (onEvent, telemetry): see ./production.ts.
  private readonly _production: Production;
  private readonly _devices: TrustedDevices | undefined;

  /** Phone-change mode (`phoneChange: true`): the callback accepts with any truthy value (`true`), it answers no user. */
  constructor(options: DingOtpStrategyOptionsWithRequest & { phoneChange: true }, verify: PhoneChangeVerifyFunctionWithRequest);
  constructor(options: DingOtpStrategyOptions & { phoneChange: true }, verify: PhoneChangeVerifyFunction);
  constructor(options: DingOtpStrategyOptionsWithRequest, verify: VerifyFunctionWithRequest);
  constructor(options: DingOtpStrategyOptions, verify: VerifyFunction);
  /** Second-factor mode (`secondFactor` set): without a verify callback, success is `req.user`. */
  constructor(options: (DingOtpStrategyOptions | DingOtpStrategyOptionsWithRequest) & { secondFactor: NonNullable<DingOtpStrategyOptions['secondFactor']> });
  constructor(
    options: DingOtpStrategyOptions | DingOtpStrategyOptionsWithRequest,
    verify?: VerifyFunction | VerifyFunctionWithRequest | PhoneChangeVerifyFunction | PhoneChangeVerifyFunctionWithRequest,
  ) {
    super();
    if (options === null || typeof options !== 'object') throw new TypeError('DingOtpStrategy requires an options object');
    this._settings = resolveOptions(options);
    if (verify !== undefined && typeof verify !== 'function') throw new TypeError('DingOtpStrategy: the verify callback must be a function');
    if (verify === undefined && this._settings.phoneChange) {
      throw new TypeError('DingOtpStrategy: `phoneChange` requires a verify callback: it decides whether the number may become this account\'s (decline() when another account has it)');
    }
    if (verify === undefined && !this._settings.secondFactor) throw new TypeError('DingOtpStrategy requires a verify callback as its second argument: async (phoneNumber, verification) => user, or false to refuse');
    this._provider = providerFromOptions(options, webhookSecrets(options.webhookUrl));
    checkDeliveryOptions(this._settings, this._provider);
    if (this._settings.lineTypes && typeof this._provider.lookup !== 'function') {
      throw new TypeError(`DingOtpStrategy: option \`lineTypes\` needs a provider with lookup() (the ${this._provider.name} provider has none)`);
    }
    this._limits = new Limits(this._settings.limits ?? noLimits(), this._settings.now);
    this._checks = new CheckSerializer();
    this._production = new Production(options, this._provider, this._settings);
    this._devices = this._settings.trustedDevices ? new TrustedDevices(this._settings, this._settings.trustedDevices) : undefined;
    // A phone-change callback is run only with details.userId set (see _decide): its narrower
    // details type holds.
    this._verify = verify as VerifyFunction | VerifyFunctionWithRequest | undefined;
    this.name = 'ding';
    // Last, once nothing can refuse this strategy any more: a shared memory store takes the
    // secret of the first strategy built on it (see resolveLimits()).
    const limits = this._settings.limits;
    if (limits?.store.kind === 'memory') limits.store.shared?.takeSecret(limits.keySecret);
  }

  /** The provider this strategy talks to (built from the credentials, or the one given). */
  get provider(): OtpProvider {
    return this._provider;
  }

  /** The public view of this session's pending verification (see `pendingVerification`). */
  pendingVerification(req: Request): PublicPendingVerification | undefined {
    return pendingVerification(req, this._settings.sessionKey);
  }

  /** `trustedDevices`: true when this device may skip the code for the signed-in user (see TrustedDevices.isTrusted). */
  isTrustedDevice(req: Request): Promise<boolean> {
    return this._trusted().then((d) => d.isTrusted(req));
  }

  /** `trustedDevices`: forgets this request's device and clears its cookie; resolves with whether one was remembered. */
  forgetDevice(req: Request, res?: Response): Promise<boolean> {
    return this._trusted().then((d) => d.forget(req, res));
  }

  /** `trustedDevices`: forgets every device of the user with this id (the `userId` option's value). */
  forgetAllDevices(userId: string | number): Promise<number> {
    return this._trusted().then((d) => d.forgetAll(userId));
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

  private _trusted(): Promise<TrustedDevices> {
    return this._devices ? Promise.resolve(this._devices) : Promise.reject(new OtpConfigurationError('Remembered devices need the `trustedDevices` option'));
  }

  /** Releases the provider's pooled connections (also a provider passed in). */
  close(): Promise<void> {
    return this._provider.close();
  }

  override authenticate(req: Request, options?: AuthenticateOptions): void {
    const session = sessionOf(req);
    if (!session) return this.error(new OtpConfigurationError(NO_SESSION));
    // Passport's req.logIn() regenerates the session: without regenerate() a login would send
    // the SMS, check the code, and then fail. Say so before anything is sent.
    if (typeof session.regenerate !== 'function') return this.error(new OtpConfigurationError(NO_REGENERATE));
    const action = this._action(req, options?.action);
    if (action instanceof Error) return this.error(action);
    // Second-factor mode without a verify callback succeeds with req.user: without one, no step
    // of it makes sense, so say so before anything is sent or checked.
    if (!this._verify && !req.user) return this.error(new OtpConfigurationError(NO_USER + missingPassportSessionHint(req, session)));

    const production = this._production;
    const record = production.start();
    const ctx: ActionContext = {
      req,
      session,
      settings: this._settings,
      provider: production.providerFor(record),
      limits: this._limits,
      checks: this._checks,
      record,
    };
    // Decide first (the action and, after a valid code, the app's verify callback), then take
    // exactly one Passport action. What that action runs (a custom callback, the next strategy of
    // a chain, failureFlash) is app code: if it throws, that goes to the app's error handler
    // (afterDecision), never out of this promise chain as an uncaught exception.
    let acted = false;
    const apply = (decision: Decision): void => {
      if (acted) return;
      acted = true;
      production.emit(action, record, decision);
      try {
        this._apply(decision, options);
      } catch (err) {
        afterDecision(req, err);
      }
    };
    const failed = (err: unknown): void => apply({ type: 'error', err: err instanceof Error ? err : new Error(String(err)) });
    ACTIONS[action](ctx).then((result) => {
      if (record && result.type === 'fail' && result.rule !== undefined) record.rule = result.rule;
      if (result.type === 'verified') {
        const decided = this._decide(req, result);
        // Without trustedDevices there is nothing to remember: no step (and no promise) for it.
        const devices = this._devices;
        (devices ? decided.then((d) => rememberAfter(devices, req, result.phoneNumber, d, production.trustEndsAt(result.id))) : decided).then(apply, failed);
      }
      else apply(plainDecision(result));
    }, failed);
  }

  private _action(req: Request, requested: unknown): DingAction | OtpConfigurationError {
    if (requested === undefined) {
      // A code in the body means the user is answering; anything else starts (or restarts) a login.
      let body: unknown;
      try {
        body = bodyOf(req);
      } catch (err) {
        return err as OtpConfigurationError;
      }
      return readFieldValue(body, this._settings.codeField) === undefined ? 'send' : 'verify';
    }
    if ((DING_ACTIONS as readonly unknown[]).includes(requested)) return requested as DingAction;
    return new OtpConfigurationError(`Unknown passport-ding action ${JSON.stringify(requested)}: use 'send', 'verify' or 'retry'`);
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
      phoneChange: settings.phoneChange,
    };
    if (result.riskFactors) details.riskFactors = result.riskFactors;
    if (!this._verify) {
      // Second-factor mode without a callback: the same user, now with a verified phone.
      if (!req.user) return { type: 'error', err: new OtpConfigurationError(NO_USER) };
      return { type: 'success', user: req.user, info: { method: 'sms_otp' } };
    }
    // Phone change: the verify callback learns whose account the number is for; the same user the
    // code was bound to (openPending refused anyone else before the check).
    const userId = settings.phoneChange ? await currentUserId({ req, settings }) : undefined;
    if (userId !== undefined) details.userId = userId;
    else if (settings.phoneChange) {
      const gone = outcome('no_pending_verification', undefined, settings.messages);
      return { type: 'fail', info: gone.info, status: gone.status };
    }
    const answer = await runVerifyCallback(this._verify, settings.passReqToCallback, req, result.phoneNumber, details);
    // Phone change: never a user to log in, whatever the callback accepted with (see ./phone-change.ts).
    if (answer.ok && userId !== undefined) return { type: 'success', user: verifiedPhoneChange(userId, details) as unknown as Express.User, info: answer.info ?? { ...PHONE_CHANGE_INFO } };
    if (answer.ok) return { type: 'success', user: answer.user, info: answer.info ?? { method: 'sms_otp' } };
    const refused = declinedOutcome('declined', answer.info, answer.status, settings.messages);
    return { type: 'fail', info: refused.info, status: refused.status };
  }

  private _apply(decision: Decision, options: AuthenticateOptions | undefined): void {
    switch (decision.type) {
      case 'pass':
        // send and retry: the code is on its way. With `successRedirect` (as Passport users write
        // by habit) go there, 303 See Other: the answer to a POST that changed state, followed
        // with a GET by every client (302 is too in practice, but only 303 says so). Without it
        // the next handler runs.
        if (typeof options?.successRedirect === 'string') return this.redirect(options.successRedirect, 303);
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
