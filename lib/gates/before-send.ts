// The `beforeSend(req, phoneNumber, { action })` hook: the app's last word before a code is sent
// (a CAPTCHA or bot check, a per-account rule). It runs for send and resend, after the number is
// read and the country allowed, before any limit is spent or the provider is called.
//
//   - resolves to anything but `false` or a decline: go on and send
//   - `false`: refused with `challenge_failed` (403)
//   - `decline({ code, message }, status)`: refused with that info (status defaults to 403)
//   - throws or rejects: error(), nothing sent

import type { Request } from 'express';
import type { Declined } from '../verify-callback.js';
import { isDeclined } from '../verify-callback.js';

/** What `beforeSend` is told besides the request and the number. */
export interface BeforeSendContext {
  /** `send` for a first code, `retry` for a resend. */
  action: 'send' | 'retry';
}

/** The `beforeSend` hook: `false` refuses with `challenge_failed`, a `decline(...)` with its own code. */
export type BeforeSend = (req: Request, phoneNumber: string, context: BeforeSendContext) => unknown;

export type BeforeSendVerdict = { ok: true } | { ok: false; declined: Declined | undefined };

export async function runBeforeSend(hook: BeforeSend, req: Request, phoneNumber: string, context: BeforeSendContext): Promise<BeforeSendVerdict> {
  const answer: unknown = await hook(req, phoneNumber, context);
  if (answer === false) return { ok: false, declined: undefined };
  if (isDeclined(answer)) return { ok: false, declined: answer };
  return { ok: true };
}
