// send: read the phone (the form, or the logged-in user in second-factor mode), normalise it,
// ask the provider to send a code, remember the pending verification, save the session, pass.

import type { SendRequest } from '../providers/provider.js';
import type { SendContext } from '../options.js';
import { readField } from '../fields.js';
import { writePending, saveSession } from '../pending.js';
import { normalizePhone } from '../phone.js';
import type { ActionContext, ActionResult } from './context.js';
import { PASS, refuse, unexpected } from './context.js';

export async function send(ctx: ActionContext): Promise<ActionResult> {
  const { req, session, settings, provider } = ctx;
  const input = settings.secondFactor
    ? ((await settings.secondFactor(req)) ?? undefined)
    : readField(req.body, settings.phoneField);
  const phone = normalizePhone(input, settings.defaultCountry);
  if (!phone.ok) return refuse(ctx, phone.reason);

  const result = await provider.send(sendRequest(phone.e164, await settings.signals(req)));
  switch (result.status) {
    case 'sent': {
      const now = settings.now();
      // The provider's lifetime, measured on its own clock, then anchored to ours: a skewed
      // server clock does not shorten or stretch the code's life.
      const created = result.createdAt.getTime();
      const lifetime = result.expiresAt ? result.expiresAt.getTime() - created : NaN;
      const ttl = Number.isFinite(lifetime) && lifetime > 0 ? lifetime : settings.ttlMs;
      // Replaces any earlier pending verification: the newest code is the one the user expects.
      writePending(session, settings.sessionKey, {
        id: result.id,
        phoneNumber: phone.e164,
        createdAt: now,
        expiresAt: now + ttl,
        nextRetryAt: now + settings.resendCooldownMs,
        attemptsLeft: settings.maxAttempts,
      });
      await saveSession(session);
      return PASS;
    }
    case 'rate_limited':
      return refuse(ctx, 'rate_limited');
    case 'blocked':
      return refuse(ctx, 'blocked');
    case 'invalid_phone_number':
      return refuse(ctx, 'invalid_phone_number');
    default:
      return unexpected(provider, 'send', result);
  }
}

function sendRequest(phoneNumber: string, context: SendContext): SendRequest {
  const { locale, correlationId, templateId, senderId, callbackUrl, appRealm, ...signals } = context;
  const request: SendRequest = { phoneNumber, signals };
  if (locale !== undefined) request.locale = locale;
  if (correlationId !== undefined) request.correlationId = correlationId;
  if (templateId !== undefined) request.templateId = templateId;
  if (senderId !== undefined) request.senderId = senderId;
  if (callbackUrl !== undefined) request.callbackUrl = callbackUrl;
  if (appRealm !== undefined) request.appRealm = appRealm;
  return request;
}
