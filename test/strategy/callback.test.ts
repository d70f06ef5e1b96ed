// The verify callback's answer (lib/actions/callback.ts) in the styles a login test does not
// reach: an async function that declares `done` and resolves before calling it, the same with
// passReqToCallback, an async function without `done` resolving with nothing, and a thenable
// that is a function. Called directly: the callback gets a request it never reads.
import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { decline, OtpConfigurationError } from 'passport-ding';
import type { VerificationDetails, VerifyDone } from 'passport-ding';
import { runVerifyCallback } from '../../lib/actions/callback.js';

const PHONE = '+14155552671';
const DETAILS: VerificationDetails = { id: 'v1', phoneNumber: PHONE, method: 'sms_otp', provider: 'fake', createdAt: new Date(0), secondFactor: false };
const REQ = {} as Request;
const USER = { id: 'u1' };

describe('runVerifyCallback', () => {
  it('an async function declaring done that resolves with nothing first: done answers', async () => {
    const verify = async (_phone: string, _details: VerificationDetails, done: VerifyDone): Promise<void> => {
      setImmediate(() => done(null, USER, { method: 'sms_otp' }));
    };
    expect(await runVerifyCallback(verify, false, REQ, PHONE, DETAILS)).toEqual({ ok: true, user: USER, info: { method: 'sms_otp' } });
  });

  it('an async function declaring done that resolves with a user without calling done: the user', async () => {
    const verify = async (_phone: string, _details: VerificationDetails, _done: VerifyDone): Promise<unknown> => USER;
    expect(await runVerifyCallback(verify as never, false, REQ, PHONE, DETAILS)).toEqual({ ok: true, user: USER, info: undefined });
  });

  it('with passReqToCallback, done is the fourth parameter', async () => {
    const verify = async (_req: Request, _phone: string, _details: VerificationDetails, done: VerifyDone): Promise<void> => {
      setImmediate(() => done(null, USER));
    };
    expect(await runVerifyCallback(verify, true, REQ, PHONE, DETAILS)).toEqual({ ok: true, user: USER, info: undefined });
    // Three parameters there take no done: resolving with nothing declines.
    const noDone = async (_req: Request, _phone: string, _details: VerificationDetails): Promise<undefined> => undefined;
    expect(await runVerifyCallback(noDone as never, true, REQ, PHONE, DETAILS)).toEqual({ ok: false, info: undefined, status: undefined });
  });

  it('an async function without done resolving with nothing declines', async () => {
    const verify = async (_phone: string, _details: VerificationDetails): Promise<undefined> => undefined;
    expect(await runVerifyCallback(verify as never, false, REQ, PHONE, DETAILS)).toEqual({ ok: false, info: undefined, status: undefined });
  });

  it('decline(info, status) and done(null, false, info) decline with what they give', async () => {
    const declined = async (): Promise<unknown> => decline({ code: 'locked', message: 'Locked.' }, 403);
    expect(await runVerifyCallback(declined as never, false, REQ, PHONE, DETAILS)).toEqual({ ok: false, info: { code: 'locked', message: 'Locked.' }, status: 403 });
    const viaDone = (_phone: string, _details: VerificationDetails, done: VerifyDone): void => done(null, false, { message: 'No.' });
    expect(await runVerifyCallback(viaDone, false, REQ, PHONE, DETAILS)).toEqual({ ok: false, info: { message: 'No.' }, status: undefined });
  });

  // Mutation testing (issue 20): only a thenable is awaited; any other return value of a
  // callback-style function (an arrow function's timer, a null) means "wait for done".
  it('a callback returning something that is not a thenable (a timer, a function, null) waits for done', async () => {
    const returns: unknown[] = [null, { then: 'not a function' }, () => undefined];
    for (const value of returns) {
      const verify = (_phone: string, _details: VerificationDetails, done: VerifyDone): unknown => {
        setImmediate(() => done(null, USER));
        return value;
      };
      expect(await runVerifyCallback(verify as never, false, REQ, PHONE, DETAILS)).toEqual({ ok: true, user: USER, info: undefined });
    }
    // The usual case: an arrow function whose body is the timer call returns the timer.
    const arrow = (_phone: string, _details: VerificationDetails, done: VerifyDone) => setImmediate(() => done(null, USER));
    expect(await runVerifyCallback(arrow as never, false, REQ, PHONE, DETAILS)).toEqual({ ok: true, user: USER, info: undefined });
  });

  it('a plain function without done that returns a value (a user, false, a query) is a configuration error; returning nothing, or answering done first, is not', async () => {
    for (const value of [USER, false, null, 0, { then: 'not a function' }]) {
      const verify = (): unknown => value;
      await expect(runVerifyCallback(verify as never, false, REQ, PHONE, DETAILS)).rejects.toThrow(OtpConfigurationError);
    }
    const withReq = (_req: Request, _phone: string, _details: VerificationDetails): unknown => USER;
    await expect(runVerifyCallback(withReq as never, true, REQ, PHONE, DETAILS)).rejects.toThrow(/`done` as its fourth parameter/);
    // done called before returning: done's answer stands.
    const answeredFirst = (...args: unknown[]): unknown => {
      (args[2] as VerifyDone)(null, USER);
      return 'ignored';
    };
    expect(await runVerifyCallback(answeredFirst as never, false, REQ, PHONE, DETAILS)).toEqual({ ok: true, user: USER, info: undefined });
    // Returning nothing: a callback-style function that takes done through a rest parameter.
    const restDone = (...args: unknown[]): void => {
      setImmediate(() => (args[2] as VerifyDone)(null, USER));
    };
    expect(await runVerifyCallback(restDone as never, false, REQ, PHONE, DETAILS)).toEqual({ ok: true, user: USER, info: undefined });
  });

  it('a thenable that is a function is awaited like a promise', async () => {
    const thenable = Object.assign(() => undefined, { then: (resolve: (value: unknown) => void) => resolve(USER) });
    const verify = (): unknown => thenable;
    expect(await runVerifyCallback(verify as never, false, REQ, PHONE, DETAILS)).toEqual({ ok: true, user: USER, info: undefined });
  });
});
