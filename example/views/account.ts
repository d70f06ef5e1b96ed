// Pages for a signed-in user: the profile, the page that needs both factors, and the start of
// the second-factor step.
import { html, type SafeHtml } from './html.js';
import { csrfField, layout, messages, type PageContext } from './layout.js';

export interface ProfileView {
  name: string;
  phone: string | undefined;
  signedInWith: string;
  secondFactorAt: Date | undefined;
  /** This browser is a remembered device of this user ("Remember this device"). */
  trustedDevice: boolean;
  /** A password account: the only kind whose sign-in has a second factor to remember. */
  hasPassword: boolean;
}

export function profilePage(ctx: PageContext, profile: ProfileView, notice?: string): string {
  return layout(ctx, 'Your account', html`
<h1>Hello, ${profile.name}</h1>
${messages({ notice })}
<dl>
  <dt>Phone</dt><dd>${profile.phone ?? 'none'}</dd>
  <dt>Signed in with</dt><dd>${profile.signedInWith}</dd>
  <dt>Second factor</dt><dd>${profile.secondFactorAt ? `verified at ${profile.secondFactorAt.toISOString()}` : 'not verified in this session'}</dd>
</dl>
<p><a href="/account/phone">Change your phone number</a> (after a fresh SMS code to the current one).</p>
${profile.phone && profile.hasPassword ? devicesSection(ctx, profile) : ''}
<p><a href="/account/security">Security settings</a> need both a password or phone sign-in and a fresh SMS code.</p>`);
}

export function securityPage(ctx: PageContext, profile: ProfileView): string {
  return layout(ctx, 'Security settings', html`
<h1>Security settings</h1>
<p class="notice" role="status">You passed the second factor at ${profile.secondFactorAt?.toISOString() ?? 'an unknown time'}.</p>
<p>This page sits behind the <code>requireSecondFactor</code> guard: only a session that passed
the SMS step sees it.</p>
<p><a href="/account">Back to your account</a></p>`);
}

export function secondFactorStartPage(
  ctx: PageContext,
  options: { maskedPhone: string | undefined; message?: string | undefined },
): string {
  return layout(ctx, 'Confirm it is you', html`
<h1>Confirm it is you</h1>
${messages(options)}
${options.maskedPhone
    ? html`<p>We will text a code to <strong class="masked-phone">${options.maskedPhone}</strong>, the phone on your account.</p>
<form method="post" action="/2fa/send">
  ${csrfField(ctx)}
  <button type="submit">Text me a code</button>
</form>`
    : html`<p>Your account has no phone number, so it cannot use the second factor.</p>`}`);
}

export function errorPage(ctx: PageContext, title: string, message: string, back: { href: string; label: string }): string {
  return layout(ctx, title, html`
<h1>${title}</h1>
<p class="explain">${message}</p>
<p><a class="back" href="${back.href}">${back.label}</a></p>`);
}

// "Remember this device": the state of this browser and the two ways to undo it.
function devicesSection(ctx: PageContext, profile: ProfileView): SafeHtml {
  return html`<h2>Remembered devices</h2>
<p id="device-state">${profile.trustedDevice
    ? 'This device is remembered: a password sign-in here skips the SMS code.'
    : 'This device is not remembered: a password sign-in here asks for an SMS code.'}</p>
<div class="row">
${profile.trustedDevice
    ? html`<form method="post" action="/account/devices/forget">
  ${csrfField(ctx)}
  <button class="secondary" type="submit">Forget this device</button>
</form>`
    : ''}
<form method="post" action="/account/devices/forget-all">
  ${csrfField(ctx)}
  <button class="secondary" type="submit">Forget all my devices</button>
</form>
</div>`;
}
