// The code step, shared by the phone login (/login) and the second factor (/2fa): the masked
// number, the code field, attempts left, and a resend button with a countdown.
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
    if (left <= 0) { button.disabled = false; hint.textContent = 'You can ask for a new code now.'; return; }
    button.disabled = true;
    hint.textContent = 'You can ask for a new code in ' + left + (left === 1 ? ' second.' : ' seconds.');
    left -= 1;
    setTimeout(tick, 1000);
  }
  tick();
})();`;

export function codePage(
  ctx: PageContext,
  options: {
    /** '/login' or '/2fa': the forms post to `${base}/code` and `${base}/resend`. */
    base: string;
    pending: PendingView;
    message?: string | undefined;
    notice?: string | undefined;
  } & CodePageExtras,
): string {
  const { base, pending } = options;
  const wait = secondsUntil(pending.nextRetryAt, ctx.now);
  const retries = pending.remainingRetries;
  const canResend = retries === undefined || retries > 0;
  const title = base === '/2fa' ? 'Confirm it is you' : 'Enter your code';
  return layout(ctx, title, html`
<h1>${title}</h1>
<p>We sent a code by SMS to <strong class="masked-phone">${pending.phoneNumber}</strong>. ${expiryText(pending, ctx.now)}</p>
${messages(options)}
<form method="post" action="${base}/code">
  ${csrfField(ctx)}
  <label for="code">Code</label>
  <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*"
    maxlength="10" required autofocus aria-describedby="code-hint">
  <p class="hint" id="code-hint">${pending.attemptsLeft === undefined ? 'The digits from the SMS.' : `The digits from the SMS. ${plural(pending.attemptsLeft, 'attempt')} left.`}</p>
  ${codePageExtras(ctx, options)}
  <button type="submit">Verify</button>
</form>
${canResend
    ? html`<form method="post" action="${base}/resend">
  ${csrfField(ctx)}
  <div class="row">
    <button class="secondary" id="resend" type="submit">Send a new code</button>
    <p class="hint" id="resend-hint" data-wait="${wait}" aria-live="polite">${wait > 0 ? `You can ask for a new code in ${plural(wait, 'second')}.` : 'You can ask for a new code now.'}</p>
  </div>
  ${retries === undefined ? '' : html`<p class="hint">${plural(retries, 'resend')} left.</p>`}
</form>
<script nonce="${ctx.nonce}">${new SafeHtml(COUNTDOWN)}</script>`
    : html`<p class="hint">No more new codes for this sign-in.</p>`}
${base === '/login' ? html`<p class="hint"><a href="/login">Use a different number</a></p>` : ''}`);
}
