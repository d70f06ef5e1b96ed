// Runs the app's verify callback once the provider said "valid". The callback may call
// `done(err, user, info)` as in every Passport strategy, or return a promise of a user, `false`,
// or `decline(info)`. Whichever answers first wins; later answers are ignored.

import type { Request } from 'express';
import type { VerificationDetails, VerifyDone, VerifyFunction, VerifyFunctionWithRequest, VerifyInfo } from '../options.js';
import { isDeclined } from '../options.js';

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
    if (!isThenable(returned)) return; // callback style: wait for done

    // An async function that declares `done` and resolves with nothing is callback style too.
    const takesDone = verify.length >= (passReq ? 4 : 3);
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
