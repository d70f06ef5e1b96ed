// Phone-change mode (`phoneChange: true`): a strategy instance that verifies a new number for the
// signed-in user instead of logging anyone in. Send reads the number from the form and binds the
// pending code to `userId(req)` (the binding second-factor mode uses); verify and resend refuse it
// for anyone else (see ./actions/pending-session.ts). What a right code hands the route is built
// here: never a user to log in, so nothing about the session changes unless the app changes it.

import type { VerificationDetails } from './verify-callback.js';

/**
 * What a right code in phone-change mode hands the route, after the verify callback accepted:
 * the first argument of Passport's `success()`, so `req[assignProperty]` with
 * `passport.authenticate(name, { action: 'verify', assignProperty: 'verifiedPhone' })`, or the
 * `user` argument of a custom callback. It has no `id` on purpose: it is not a user, and must
 * never reach `req.logIn()`.
 */
export interface VerifiedPhoneChange {
  /** The new number, E.164, as verified. */
  readonly phoneNumber: string;
  /** The account it was verified for: `userId(req)` at verify time, a string or a number as your option answers it. */
  readonly userId: string | number;
  /** The verification, as the verify callback saw it (`details.phoneChange` is `true`). */
  readonly details: VerificationDetails;
}

/** `req.authInfo` after a right code in phone-change mode when the verify callback gave no info of its own. */
export const PHONE_CHANGE_INFO = { method: 'sms_otp', phoneChange: true } as const;

/** The default `declined` message in phone-change mode: no sign-in is refused, a number is. */
export const PHONE_CHANGE_DECLINED_MESSAGE = 'This phone number cannot be added to your account.';

export function verifiedPhoneChange(userId: string | number, details: VerificationDetails): VerifiedPhoneChange {
  return { phoneNumber: details.phoneNumber, userId, details };
}
