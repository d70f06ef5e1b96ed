// The code page's parts for delivery reports and trusted devices, kept out of ./code.ts (which
// holds the code form itself): the delivery status of this session's verification, refreshed by
// a small script until it is final, and the "Remember this device" checkbox of the second factor.
import { html, SafeHtml } from './html.js';
import type { PageContext } from './layout.js';

export interface CodePageExtras {
  /** Delivery reports are on (the webhooks are wired): where to ask, and the status known now. */
  delivery?: { url: string; status: string | undefined } | undefined;
  /** Second factor with trusted devices: the checkbox, for this many days. */
  rememberDeviceDays?: number | undefined;
}

/** The words for each status a webhook reports (docs/webhooks.md). */
export const DELIVERY_TEXT: Record<string, string> = {
  created: 'accepted by the provider',
  sent: 'sent',
  submitted: 'on its way',
  in_transit: 'on its way',
  delivered: 'delivered',
  undeliverable: 'undeliverable',
  unknown: 'unknown',
};

export function deliveryText(status: string | undefined): string {
  return status === undefined ? 'waiting for the report' : DELIVERY_TEXT[status] ?? 'unknown';
}

/** Final statuses: the page stops asking. */
const FINAL = ['delivered', 'undeliverable', 'unknown'];

// Asks every 2 seconds, for at most a minute, until the status is final. Without JavaScript
// (or where fetch fails) the status shown is the one of the page load; a reload refreshes it.
const POLL = `
(function () {
  var box = document.getElementById('delivery');
  var out = document.getElementById('delivery-status');
  if (!box || !out || !window.fetch) return;
  var final = ${JSON.stringify(FINAL)};
  var words = ${JSON.stringify(DELIVERY_TEXT)};
  var tries = 0;
  function ask() {
    if (final.indexOf(box.getAttribute('data-status')) >= 0 || tries++ >= 30) return;
    fetch(box.getAttribute('data-url'), { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (body && typeof body.status === 'string') {
          box.setAttribute('data-status', body.status);
          out.textContent = words[body.status] || 'unknown';
        }
        setTimeout(ask, 2000);
      }, function () { setTimeout(ask, 2000); });
  }
  setTimeout(ask, 1000);
})();`;

export function codePageExtras(ctx: PageContext, extras: CodePageExtras): SafeHtml {
  const { delivery, rememberDeviceDays } = extras;
  return html`${rememberDeviceDays
    ? html`<p class="hint"><label class="inline"><input type="checkbox" id="rememberDevice" name="rememberDevice" value="on">
    Remember this device for ${rememberDeviceDays} days</label></p>`
    : ''}
  ${delivery
    ? html`<p class="hint" id="delivery" data-url="${delivery.url}" data-status="${delivery.status ?? ''}" aria-live="polite">SMS delivery: <strong id="delivery-status">${deliveryText(delivery.status)}</strong></p>
  <script nonce="${ctx.nonce}">${new SafeHtml(POLL)}</script>`
    : ''}`;
}
