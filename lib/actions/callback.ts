// Runs the app's verify callback once the provider said "valid". The callback may call
// `done(err, user, info)` as in every Passport strategy, or return a promise of a user, `false`,
// or `decline(info)`. Whichever answers first wins; later answers are ignored.

import type { Request } from 'express';
import type { VerificationDetails, VerifyDone, VerifyFunction, VerifyFunctionWithRequest, VerifyInfo } from '../verify-callback.js';
import { OtpConfigurationError } from '../errors.js';
import { isDeclined } from '../verify-callback.js';

export type CallbackResult =
  | { ok: true; user: Express.User; info: VerifyInfo | string | undefined }
  | { ok: false; info: VerifyInfo | string | undefined; status: number | undefined };

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

export function runVerifyCallback(
  verify: VerifyFunction | VerifyFunctionWithRequest,
  passReq: boolean,
  req: Request,
  phoneNumber: string,
  details: VerificationDetails,
): Promise<CallbackResult> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
    };
    const done: VerifyDone = (err, user, info) =>
      settle(() => {
        if (err) reject(err);
        else if (user) resolve({ ok: true, user, info });
        else resolve({ ok: false, info, status: undefined });
      });

    let returned: unknown;
    try {
      returned = passReq
        ? (verify as VerifyFunctionWithRequest)(req, phoneNumber, details, done)
        : (verify as VerifyFunction)(phoneNumber, details, done);
    } catch (err) {
      settle(() => reject(err));
      return;
    }
    // An async function that declares `done` and resolves with nothing is callback style too.
    const takesDone = verify.length >= (passReq ? 4 : 3);
    if (!isThenable(returned)) {
      // Callback style: wait for done. A plain function that declares no `done` and returned a
      // value (`(phone) => users.get(phone)`, which plain JavaScript allows) never calls it, and
      // the request would wait forever: say so instead. Its value is not taken as the user: it
      // may be something of the function's own (a query, a timer), and a user wrongly read from
      // it would sign someone in. (A function that answers later through a rest parameter, length
      // 0, and returns a value is refused too: it can declare `done`.)
      if (returned !== undefined && !takesDone) {
        settle(() =>
          reject(
            new OtpConfigurationError(
              `The verify callback returned a value that is not a promise and declares no \`done\` parameter, so it can never answer: make it async (return a promise of the user, or false), or take \`done\` as its ${passReq ? 'fourth' : 'third'} parameter and call it.`,
            ),
          ),
        );
      }
      return;
    }

    returned.then(
      (value) => {
        if (value === undefined && takesDone) return;
        settle(() => {
          if (isDeclined(value)) resolve({ ok: false, info: value.info, status: value.status });
          else if (value) resolve({ ok: true, user: value as Express.User, info: undefined });
          else resolve({ ok: false, info: undefined, status: undefined });
        });
      },
      (err: unknown) => settle(() => reject(err)),
    );
  });
}
