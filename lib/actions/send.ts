// send: read the phone (the form, or the signed-in user in second-factor mode), normalise it,
// run the gates, ask the provider to send a code, remember the pending verification, save the
// session, pass. Cheap local refusals come first; nothing is spent until the limits admit the
// send, and the provider is not called until everything local has said yes:
//
//   phone -> country allow-list -> signals -> beforeSend -> limits -> line-type lookup -> send

import type { SendRequest, SendResult } from '../providers/provider.js';
import type { SendContext } from '../options.js';
import { defaultSignals } from '../options.js';
import { bodyOf, NOT_A_STRING, readFieldValue } from '../fields.js';
import { writePending, saveSession } from '../pending.js';
import type { PendingState } from '../pending.js';
import { normalizePhone } from '../phone.js';
import { countryAllowed } from '../gates/country.js';
import { checkLine } from '../gates/line-type.js';
import type { ActionContext, ActionResult } from './context.js';
import { admitSend, PASS, refuse, requiredUserKey, secondFactorPhone, unexpected } from './context.js';
import { failedAfterSend } from '../limits/limits.js';
import { claimWindow, restartAttempts } from '../limits/window.js';
import { nothingSent } from './nothing-sent.js';
import { boundedRetryAfter } from '../http.js';
import { checkedSendContext } from '../send-context.js';
import { chosenChannel, withDelivery } from './channel.js';

// Control and format characters (NUL, line breaks, bidi overrides) have no place inside a phone
// number. libphonenumber-js would skip over some of them; refusing keeps what was typed and what
// is sent the same thing. Unicode digits (full-width, Arabic-Indic) are fine: they are digits.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
// Printable ASCII has none of them: what nearly everyone types skips the Unicode class.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export async function send(ctx: ActionContext): Promise<ActionResult> {
  const { req, session, settings, provider } = ctx;
  const input = settings.secondFactor ? await secondFactorPhone(ctx) : readFieldValue(bodyOf(req), settings.phoneField);
  if (input === NOT_A_STRING) return refuse(ctx, 'malformed_phone_number');
  if (input !== undefined && !PRINTABLE_ASCII.test(input) && INVISIBLE.test(input.trim())) return refuse(ctx, 'invalid_phone_number');
  const phone = normalizePhone(input, settings.defaultCountry);
  if (!phone.ok) return refuse(ctx, phone.reason);
  if (ctx.record) {
    ctx.record.phone = phone.e164;
    // The event's country without a second parse (a shared calling code such as +1 needs one).
    if (phone.country !== undefined) ctx.record.country = phone.country;
  }
  if (!countryAllowed(phone.country, settings.allowedCountries)) return refuse(ctx, 'blocked', undefined, 'allowedCountries');
  // Phone change to a test number: its fixed code is in the review notes, so whoever read them
  // could log in to the account it is bound to (../test-numbers.ts). Even after `expiresAt`.
  if (settings.phoneChange && settings.testNumbersListed.has(phone.e164)) return refuse(ctx, 'blocked', undefined, 'testNumbers');
  const chosen = chosenChannel(ctx);
  if ('refused' in chosen) return chosen.refused;
  // Second-factor and phone-change modes: the code will be for this user only. Read before
  // anything is spent.
  const user = settings.secondFactor || settings.phoneChange ? await requiredUserKey(ctx) : undefined;
  // The app's signals before anything is spent: if they throw, nothing was. A field of the wrong
  // shape is left out (../send-context.ts): a client's header must not break its own login. The
  // library's own default needs no check and no await (see checkedSendContext).
  const context = settings.signals === defaultSignals ? defaultSignals(req) : checkedSendContext(await settings.signals(req), provider.name);

  const admitted = await admitSend(ctx, phone.e164, { action: 'send' }, phone.country);
  if ('refused' in admitted) return admitted.refused;
  if (settings.lineTypes) {
    // A lookup is paid for: one that answered keeps the points and the cooldown, whatever the gate
    // then says, and so does one that failed after the provider may have done it (a timeout, a
    // reset once the request was written, an unreadable reply: as for a send, ./nothing-sent.ts).
    // So the send budgets bound the lookups too.
    const line = await checkLine(provider, phone.e164, settings.lineTypes).catch(async (err: unknown) => {
      if (nothingSent(err)) await admitted.release();
      throw err;
    });
    if (line === 'refused') return refuse(ctx, 'blocked', undefined, 'lineTypes');
    if (line === 'invalid_phone_number') return refuse(ctx, 'invalid_phone_number');
  }

  // Nothing sent (refused, or the request never left): the points and the number's resend
  // cooldown come back. A fault that may have come after the code went out keeps them (./nothing-sent.ts).
  // Awaited in a try rather than chained with .catch(): a closure and a promise fewer per send.
  const sending = provider.send(withDelivery(sendRequest(phone.e164, context), ctx, chosen.channel));
  let result: SendResult;
  try {
    result = await sending;
  } catch (err) {
    if (nothingSent(err)) await admitted.release();
    throw err;
  }
  if (result.status !== 'sent') await admitted.release();
  switch (result.status) {
    case 'sent': {
      const now = settings.now();
      // The provider's lifetime, measured on its own clock, then anchored to ours: a skewed
      // server clock does not shorten or stretch the code's life. `ttlSeconds` caps it: a
      // provider window of an hour (or a bogus expiry 30 days out) never makes a code live longer
      // than the app allows.
      const created = result.createdAt.getTime();
      const lifetime = result.expiresAt ? result.expiresAt.getTime() - created : NaN;
      const ttl = Number.isFinite(lifetime) && lifetime > 0 ? Math.min(lifetime, settings.ttlMs) : settings.ttlMs;
      let owner: string | undefined;
      try {
        owner = await claimWindow(ctx.limits, provider, phone.e164, undefined, ttl);
        await restartAttempts(ctx.limits, ctx.checks, provider, result.id);
      } catch (err) {
        throw failedAfterSend(err);
      }
      // Replaces any earlier pending verification: the newest code is the one the user expects.
      const state: PendingState = {
        id: result.id,
        phoneNumber: phone.e164,
        createdAt: now,
        expiresAt: now + ttl,
        nextRetryAt: now + settings.resendCooldownMs,
        attemptsLeft: settings.maxAttempts,
      };
      if (result.riskFactors) state.riskFactors = result.riskFactors;
      if (user !== undefined) state.user = user;
      if (owner !== undefined) state.owner = owner;
      const channel = result.channel ?? chosen.channel;
      if (channel !== undefined) state.channel = channel;
      writePending(session, settings.sessionKey, state);
      await saveSession(session);
      return PASS;
    }
    case 'rate_limited':
      // The provider's wait when it gave one (never one of ours: the provider's limit is not ours).
      return refuse(ctx, 'rate_limited', providerWait(result.retryAfter));
    case 'blocked':
      return refuse(ctx, 'blocked');
    case 'invalid_phone_number':
      return refuse(ctx, 'invalid_phone_number');
    default:
      return unexpected(provider, 'send', result);
  }
}

/** A provider's `retryAfter` as the answer's (../http.ts), when it gave a usable one. */
function providerWait(seconds: unknown): { retryAfter: number } | undefined {
  const retryAfter = boundedRetryAfter(seconds);
  return retryAfter === undefined ? undefined : { retryAfter };
}

/** `signals(req)`'s answer as a provider request: the fraud signals apart from the message settings. */
export function sendRequest(phoneNumber: string, context: SendContext): SendRequest {
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
