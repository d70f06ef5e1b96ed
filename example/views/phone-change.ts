// The first step of changing the account's phone number: the number on file and a field for the
// new one. The code step is the shared code page (./code.ts), posting to /account/phone/code.
import { html } from './html.js';
import { csrfField, layout, messages, type PageContext } from './layout.js';

export function phoneChangePage(
  ctx: PageContext,
  options: {
    /** The number on file, formatted for its owner (see formatPhone). */
    currentPhone: string | undefined;
    /** What the user typed, to fill the field again after a refusal. */
    phoneNumber?: string | undefined;
    message?: string | undefined;
    notice?: string | undefined;
  },
): string {
  return layout(ctx, 'Change your phone number', html`
<h1>Change your phone number</h1>
<p>Your number now: <strong class="current-phone">${options.currentPhone ?? 'none'}</strong>.
We text a code to the new number; it replaces this one once you type the code.</p>
${messages(options)}
<form method="post" action="/account/phone" novalidate>
  ${csrfField(ctx)}
  <label for="phoneNumber">New phone number</label>
  <input id="phoneNumber" name="phoneNumber" type="tel" autocomplete="tel" inputmode="tel" required
    placeholder="+1 201 555 0142" value="${options.phoneNumber ?? ''}" aria-describedby="phone-hint">
  <p class="hint" id="phone-hint">International format, starting with + and the country code.</p>
  <button type="submit">Text a code to the new number</button>
</form>
<p class="hint"><a href="/account">Back to your account</a></p>`);
}
