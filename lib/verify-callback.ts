// What the app's verify callback gets and may answer: the verification's details, `done`, a user,
// `false` or `decline(info)`. lib/actions/callback.ts runs it.

import type { Request } from 'express';
import type { FailureInfo } from './outcomes.js';

/** The second argument of the verify callback. */
export interface VerificationDetails {
  /** The provider's id for the verification (Prelude's `vrf_...`, Ding's authentication UUID). */
  id: string;
  /** E.164, as verified. */
  phoneNumber: string;
  method: 'sms_otp';
  /** The provider's short name: `prelude`, `ding`, or a custom provider's `name`. */
  provider: string;
  /** When the code was first sent. */
  createdAt: Date;
  /** True when the strategy runs in second-factor mode. */
  secondFactor: boolean;
  /** True when the strategy runs in phone-change mode (`phoneChange: true`). */
  phoneChange?: boolean | undefined;
  /**
   * Phone-change mode: the account the number was verified for, as `userId(req)` answers it at
   * verify time (the same user the code was sent for: anyone else is refused before the check).
   */
  userId?: string | number | undefined;
  /**
   * Why the provider scored the send as risky (Prelude V2's `risk_factors`, e.g.
   * `temporary_phone_number`), as opaque strings; absent when it named none. A login with risk
   * factors may deserve a second look (a step-up, a review) rather than a refusal.
   */
  riskFactors?: readonly string[] | undefined;
}

/** What a verify callback may pass to `done` or resolve with on success. */
export type VerifyInfo = object;

/** The `done` callback of a callback-style verify function, as in every Passport strategy. */
export type VerifyDone = (err?: unknown, user?: Express.User | false | null, info?: VerifyInfo | string) => void;

/** A promise-style verify callback resolves with a user, `false` (refused), or `decline(info)`. */
export type VerifyValue = Express.User | false | null | undefined | Declined;

/** The verify callback: gets the verified E.164 number and returns (or passes to `done`) the user, or `false` to refuse. */
export type VerifyFunction = (
  phoneNumber: string,
  details: VerificationDetails,
  done: VerifyDone,
) => void | Promise<VerifyValue | void>;

/** The verify callback with `passReqToCallback: true`: `req` comes first. */
export type VerifyFunctionWithRequest = (
  req: Request,
  phoneNumber: string,
  details: VerificationDetails,
  done: VerifyDone,
) => void | Promise<VerifyValue | void>;

/**
 * Phone-change mode (`phoneChange: true`): what the verify callback may pass to `done` or resolve
 * with. It decides whether the verified number may become the account's: any truthy value
 * accepts (`true`, the updated user), `false`, `null`, `undefined` or `decline(info)` refuses.
 * Nobody is logged in with it, so it need not be an `Express.User`.
 */
export type PhoneChangeVerifyValue = boolean | object | null | undefined;

/** The `done` callback of a callback-style phone-change verify function. */
export type PhoneChangeVerifyDone = (err?: unknown, accepted?: boolean | object | null, info?: VerifyInfo | string) => void;

/** The details a phone-change callback gets: whose account the number is for is always set. */
export type PhoneChangeVerificationDetails = VerificationDetails & { phoneChange: true; userId: string | number };

/** The verify callback in phone-change mode: gets the verified E.164 number and whose account it is for (`details.userId`). */
export type PhoneChangeVerifyFunction = (
  phoneNumber: string,
  details: PhoneChangeVerificationDetails,
  done: PhoneChangeVerifyDone,
) => void | Promise<PhoneChangeVerifyValue | void>;

/** The phone-change verify callback with `passReqToCallback: true`: `req` comes first. */
export type PhoneChangeVerifyFunctionWithRequest = (
  req: Request,
  phoneNumber: string,
  details: PhoneChangeVerificationDetails,
  done: PhoneChangeVerifyDone,
) => void | Promise<PhoneChangeVerifyValue | void>;

const DECLINED: unique symbol = Symbol('passport-ding.declined');

/** A refusal from a promise-style verify callback, with the info `fail()` gets. */
export interface Declined {
  readonly [DECLINED]: true;
  readonly info: Partial<FailureInfo> & Record<string, unknown>;
  readonly status: number | undefined;
}

/**
 * For promise-style verify callbacks: `return decline({ message: 'Account locked', code: 'locked' })`
 * refuses the login with that info (the same as `done(null, false, info)`). Status defaults to 401.
 */
export function decline(info: Partial<FailureInfo> & Record<string, unknown> = {}, status?: number): Declined {
  return { [DECLINED]: true, info, status };
}

export function isDeclined(value: unknown): value is Declined {
  return typeof value === 'object' && value !== null && (value as { [DECLINED]?: unknown })[DECLINED] === true;
}
