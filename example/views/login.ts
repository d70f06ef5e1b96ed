// The first step of each login: a phone number, or (second-factor demo) a username and password.
import { html } from './html.js';
import { csrfField, layout, messages, type PageContext } from './layout.js';

export function phonePage(
  ctx: PageContext,
  options: { message?: string | undefined; notice?: string | undefined; phoneNumber?: string | undefined } = {},
): string {
  return layout(ctx, 'Sign in', html`
<h1>Sign in with your phone</h1>
<p>We will text you a one-time code.</p>
${messages(options)}
<form method="post" action="/login/phone" novalidate>
  ${csrfField(ctx)}
  <label for="phoneNumber">Phone number</label>
  <input id="phoneNumber" name="phoneNumber" type="tel" autocomplete="tel" inputmode="tel" required
    placeholder="+1 201 555 0142" value="${options.phoneNumber ?? ''}" aria-describedby="phone-hint">
  <p class="hint" id="phone-hint">International format, starting with + and the country code.</p>
  <button type="submit">Text me a code</button>
</form>
<p class="hint">Have a password? <a href="/login/password">Sign in with a password and an SMS code</a> (second-factor demo).</p>`);
}

export function passwordPage(
  ctx: PageContext,
  options: { message?: string | undefined; username?: string | undefined; demoHint?: string | undefined } = {},
): string {
  return layout(ctx, 'Sign in with a password', html`
<h1>Sign in with a password</h1>
<p>After your password we text a code to the phone on your account.</p>
${messages(options)}
<form method="post" action="/login/password">
  ${csrfField(ctx)}
  <label for="username">Username</label>
  <input id="username" name="username" type="text" autocomplete="username" required value="${options.username ?? ''}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Continue</button>
</form>
${options.demoHint ? html`<p class="hint">${options.demoHint}</p>` : ''}
<p class="hint"><a href="/login">Sign in with your phone instead</a></p>`);
}
