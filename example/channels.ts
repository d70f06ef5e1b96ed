// How the example's codes may go out. Prelude V2 can also call and read the code out, so the code
// page offers "Call me instead" once the resend wait is over; Ding V1 sends by SMS only (the
// library refuses any other channel with it at start). One list for the strategies and the pages.
import type { Request } from 'express';
import { pendingVerification, type DeliveryChannel } from 'passport-ding';
import type { DingCredentials } from './auth.js';

export function exampleChannels(api: DingCredentials): DeliveryChannel[] {
  return api.provider === 'prelude' ? ['sms', 'voice'] : ['sms'];
}

/** Whether this app's strategies accept `channel: 'voice'` (set in app.locals by createApp). */
export function canCall(req: Request): boolean {
  const channels: unknown = req.app.locals.channels;
  return Array.isArray(channels) && channels.includes('voice');
}

/** The notice after a resend: a call says so (the user should expect the phone to ring, not an SMS). */
export function resentNotice(req: Request, sessionKey?: string): string {
  const pending = sessionKey === undefined ? pendingVerification(req) : pendingVerification(req, sessionKey);
  return pending?.channel === 'voice' ? 'We are calling you now with a new code.' : 'A new code is on its way.';
}
