// The `channel` field of a send or resend: how the user wants this code (`sms`, `whatsapp`,
// `voice`, ...), checked against the `channels` option before anything is spent. An absent or
// empty field is no choice: the provider routes as it would without one.

import { bodyOf, NOT_A_STRING, readFieldValue } from '../fields.js';
import type { DeliveryChannel } from '../providers/delivery.js';
import { isDeliveryChannel } from '../providers/delivery.js';
import type { SendRequest } from '../providers/provider.js';
import type { ActionContext, ActionResult } from './context.js';
import { refuse } from './context.js';

/** The body field a send or resend names its channel in. */
export const CHANNEL_FIELD = 'channel';

const NO_CHANNEL: { channel: undefined } = { channel: undefined };

/** The channel the request asks for (undefined: none), or the refusal when it is not allowed. */
export function chosenChannel(ctx: ActionContext): { channel: DeliveryChannel | undefined } | { refused: ActionResult } {
  const value = readFieldValue(bodyOf(ctx.req), CHANNEL_FIELD);
  if (value === undefined || value === '') return NO_CHANNEL;
  if (value === NOT_A_STRING || !isDeliveryChannel(value) || !ctx.settings.channels.has(value)) {
    return { refused: refuse(ctx, 'channel_not_allowed') };
  }
  return { channel: value };
}

/** What the strategy adds to every send and resend, set on `request`: the chosen channel and the WebOTP domain. */
export function withDelivery<R extends SendRequest>(request: R, ctx: ActionContext, channel: DeliveryChannel | undefined): R {
  if (channel !== undefined) request.channel = channel;
  if (ctx.settings.webOtpDomain !== undefined) request.webOtpDomain = ctx.settings.webOtpDomain;
  return request;
}
