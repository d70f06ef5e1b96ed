// The code step, shared by the phone login (/login), the second factor (/2fa) and the phone change
// (/account/phone): the masked number, the code field, attempts left, and a resend button with a
// countdown. With Prelude V2, "Call me instead" (a resend by voice) appears once the wait is over;
// where the browser has the WebOTP API, the code from the SMS is filled in and sent without typing.
import { codePageExtras, type CodePageExtras } from './code-extras.js';
import { html, SafeHtml } from './html.js';
import { csrfField, layout, messages, type PageContext } from './layout.js';

/** The public view of a pending verification, as `pendingVerification(req)` gives it. */
export interface PendingView {
  phoneNumber: string;
  expiresAt?: Date | string | number | undefined;
  nextRetryAt?: Date | string | number | undefined;
  remainingRetries?: number | undefined;
  attemptsLeft?: number | undefined;
  /** How the latest code went out (`sms`, `voice`, `whatsapp`, ...), when known. */
  channel?: string | undefined;
}

const CHANNEL_NAMES: Record<string, string> = { sms: 'SMS', whatsapp: 'WhatsApp', rcs: 'RCS', viber: 'Viber', telegram: 'Telegram', zalo: 'Zalo' };

/** The first sentence of the page: how the code reached the user. */
function sentText(pending: PendingView): SafeHtml {
  const phone = html`<strong class="masked-phone">${pending.phoneNumber}</strong>`;
  if (pending.channel === 'voice') return html`We are calling ${phone} to read you a code.`;
  return html`We sent a code by ${CHANNEL_NAMES[pending.channel ?? 'sms'] ?? 'message'} to ${phone}.`;
}

/** Whole seconds from now until `when` (0 when past or unknown). */
export function secondsUntil(when: Date | string | number | undefined, now = Date.now()): number {
  if (when === undefined) return 0;
  const ms = new Date(when).getTime() - now;
  return Number.isFinite(ms) && ms > 0 ? Math.ceil(ms / 1000) : 0;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function expiryText(pending: PendingView, now: number): string {
  const seconds = secondsUntil(pending.expiresAt, now);
  if (pending.expiresAt === undefined) return '';
  if (seconds === 0) return 'It has expired.';
  return seconds >= 120 ? `It expires in ${Math.round(seconds / 60)} minutes.` : `It expires in ${plural(seconds, 'second')}.`;
}

// Counts the wait down and enables the button at zero. Without JavaScript the button stays
// enabled and the server answers "too soon" with the wait, so nothing depends on this script.
const COUNTDOWN = `
(function () {
  var button = document.getElementById('resend');
  var hint = document.getElementById('resend-hint');
  if (!button || !hint) return;
  var left = Number(hint.getAttribute('data-wait')) || 0;
  function tick() {
    if (left <= 0) {
      button.disabled = false;
      hint.textContent = 'You can ask for a new code now.';
      var call = document.getElementById('call-me');
      if (call) call.hidden = false;
      return;
    }
    button.disabled = true;
    hint.textContent = 'You can ask for a new code in ' + left + (left === 1 ? ' second.' : ' seconds.');
    left -= 1;
    setTimeout(tick, 1000);
  }
  tick();
})();`;

// WebOTP (progressive enhancement): where the browser has the API (Chrome on Android), it offers
// the code of an SMS whose last line is `@<this host> #<code>`; with the user's tap it is filled
// in and sent. Where the API is absent (desktop, headless browsers, other engines) this does
// nothing and the page works as without it; autocomplete="one-time-code" still lets iOS and
// macOS suggest the code. Typing and submitting first cancels the request.
const WEB_OTP = `
(function () {
  if (!('OTPCredential' in window) || !navigator.credentials) return;
  var input = document.getElementById('code');
  var form = input && input.form;
  if (!input || !form) return;
  var ac = new AbortController();
  form.addEventListener('submit', function () { ac.abort(); });
  navigator.credentials.get({ otp: { transport: ['sms'] }, signal: ac.signal }).then(function (otp) {
    if (!otp || !otp.code) return;
    input.value = otp.code;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }).catch(function () {
    // Dismissed, timed out or aborted: the user types the code.
  });
})();`;

export function codePage(
  ctx: PageContext,
  options: {
    /** '/login' or '/2fa': the forms post to `${base}/code` and `${base}/resend`. */
    base: string;
    pending: PendingView;
    message?: string | undefined;
    notice?: string | undefined;
    /** Offer "Call me instead" (a resend with `channel: 'voice'`) once the wait is over. */
    canCall?: boolean | undefined;
  } & CodePageExtras,
): string {
  const { base, pending } = options;
  const wait = secondsUntil(pending.nextRetryAt, ctx.now);
  const retries = pending.remainingRetries;
  const canResend = retries === undefined || retries > 0;
  // Shown from the start when the wait is already over; otherwise the countdown reveals it (and
  // without JavaScript, the page after the wait has it).
  const callMe = options.canCall === true && pending.channel !== 'voice';
  const source = pending.channel === 'voice' ? 'read out on the call' : pending.channel === undefined || pending.channel === 'sms' ? 'from the SMS' : 'from the message';
  const title = base === '/2fa' ? 'Confirm it is you' : 'Enter your code';
  return layout(ctx, title, html`
<h1>${title}</h1>
<p>${sentText(pending)} ${expiryText(pending, ctx.now)}</p>
${messages(options)}
<form method="post" action="${base}/code">
  ${csrfField(ctx)}
  <label for="code">Code</label>
  <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*"
    maxlength="10" required autofocus aria-describedby="code-hint">
  <p class="hint" id="code-hint">${pending.attemptsLeft === undefined ? `The digits ${source}.` : `The digits ${source}. ${plural(pending.attemptsLeft, 'attempt')} left.`}</p>
  ${codePageExtras(ctx, options)}
  <button type="submit">Verify</button>
</form>
<script nonce="${ctx.nonce}">${new SafeHtml(WEB_OTP)}</script>
${canResend
    ? html`<form method="post" action="${base}/resend">
  ${csrfField(ctx)}
  <div class="row">
    <button class="secondary" id="resend" type="submit">Send a new code</button>
    ${callMe ? html`<button class="secondary" id="call-me" type="submit" name="channel" value="voice"${wait > 0 ? new SafeHtml(' hidden') : ''}>Call me instead</button>` : ''}
    <p class="hint" id="resend-hint" data-wait="${wait}" aria-live="polite">${wait > 0 ? `You can ask for a new code in ${plural(wait, 'second')}.` : 'You can ask for a new code now.'}</p>
  </div>
  ${retries === undefined ? '' : html`<p class="hint">${plural(retries, 'resend')} left.</p>`}
</form>
<script nonce="${ctx.nonce}">${new SafeHtml(COUNTDOWN)}</script>`
    : html`<p class="hint">No more new codes for this sign-in.</p>`}
${base === '/login' ? html`<p class="hint"><a href="/login">Use a different number</a></p>` : ''}`);
}
