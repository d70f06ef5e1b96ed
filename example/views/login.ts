// The first step of each login: a phone number, or (second-factor demo) a username and password.
import { html, type SafeHtml } from './html.js';
import { csrfField, layout, messages, type PageContext } from './layout.js';

export function phonePage(
  ctx: PageContext,
  options: {
    message?: string | undefined;
    notice?: string | undefined;
    phoneNumber?: string | undefined;
    /** Where to go after signing in (already checked by safeReturnTo). */
    returnTo?: string | undefined;
    /** The number belongs to an account with a password: point at the password form. */
    passwordHint?: boolean | undefined;
  } = {},
): string {
  const passwordLink = options.returnTo ? `/login/password?${new URLSearchParams({ returnTo: options.returnTo }).toString()}` : '/login/password';
  return layout(ctx, 'Sign in', html`
<h1>Sign in with your phone</h1>
<p>We will text you a one-time code.</p>
${messages(options)}
${options.passwordHint ? html`<p><a href="${passwordLink}">Sign in with your password</a></p>` : ''}
<form method="post" action="/login/phone" novalidate>
  ${csrfField(ctx)}
  ${returnToField(options.returnTo)}
  <label for="phoneNumber">Phone number</label>
  <input id="phoneNumber" name="phoneNumber" type="tel" autocomplete="tel" inputmode="tel" required
    placeholder="+1 201 555 0142" value="${options.phoneNumber ?? ''}" aria-describedby="phone-hint">
  <p class="hint" id="phone-hint">International format, starting with + and the country code.</p>
  <button type="submit">Text me a code</button>
</form>
<p class="hint">Have a password? <a href="${passwordLink}">Sign in with a password and an SMS code</a> (second-factor demo).</p>`);
}

export function passwordPage(
  ctx: PageContext,
  options: { message?: string | undefined; username?: string | undefined; demoHint?: string | undefined; returnTo?: string | undefined } = {},
): string {
  return layout(ctx, 'Sign in with a password', html`
<h1>Sign in with a password</h1>
<p>After your password we text a code to the phone on your account.</p>
${messages(options)}
<form method="post" action="/login/password">
  ${csrfField(ctx)}
  ${returnToField(options.returnTo)}
  <label for="username">Username</label>
  <input id="username" name="username" type="text" autocomplete="username" required value="${options.username ?? ''}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Continue</button>
</form>
${options.demoHint ? html`<p class="hint">${options.demoHint}</p>` : ''}
<p class="hint"><a href="/login">Sign in with your phone instead</a></p>`);
}

/** Carries where to go after signing in through the form (an anonymous page keeps no session). */
function returnToField(returnTo: string | undefined): SafeHtml | string {
  return returnTo ? html`<input type="hidden" name="returnTo" value="${returnTo}">` : '';
}
