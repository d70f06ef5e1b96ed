// The page shell: head, a small inline stylesheet, the header with the sign-out form, and the
// sandbox banner. Inline style and script carry the per-response CSP nonce (see ../security.ts).
import { html, SafeHtml } from './html.js';

/** What every page needs from the request. Built by `pageContext()` in ../routes/render.ts. */
export interface PageContext {
  csrfToken: string;
  nonce: string;
  sandbox: boolean;
  /** Epoch ms: "now" for countdowns (the app's clock). */
  now: number;
  /** Set when someone is signed in. */
  user?: { name: string };
}

const STYLE = `
:root { color-scheme: light dark; --accent: #2f5bd3; --bad: #b3261e; --ok: #1d7a3a; --muted: #666; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #f4f5f7; color: #1c1c1e; }
@media (prefers-color-scheme: dark) { body { background: #18191b; color: #eee; } .card { background: #232427 !important; } :root { --muted: #aaa; } }
header { display: flex; justify-content: space-between; align-items: center; max-width: 30rem; margin: 0 auto; padding: 1rem; }
header a { color: inherit; font-weight: 600; text-decoration: none; }
main.card { max-width: 30rem; margin: 0 auto 2rem; padding: 1.5rem 1.75rem; background: #fff; border-radius: 12px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
h1 { font-size: 1.4rem; margin: 0 0 .75rem; }
label { display: block; font-weight: 600; margin: 1rem 0 .3rem; }
input[type=text], input[type=tel], input[type=password], input:not([type]) { width: 100%; font: inherit; padding: .6rem .7rem; border: 1px solid #999; border-radius: 8px; }
input#code { font-size: 1.5rem; letter-spacing: .3em; text-align: center; font-variant-numeric: tabular-nums; }
input:focus, button:focus { outline: 3px solid var(--accent); outline-offset: 1px; }
button { font: inherit; font-weight: 600; padding: .6rem 1.1rem; margin-top: 1rem; border: 0; border-radius: 8px; background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: transparent; color: var(--accent); border: 1px solid var(--accent); }
button.link { background: none; color: inherit; padding: 0; margin: 0; text-decoration: underline; font-weight: normal; }
button:disabled { opacity: .5; cursor: not-allowed; }
.hint { color: var(--muted); font-size: .9rem; margin: .4rem 0 0; }
.alert { padding: .7rem .9rem; border-radius: 8px; margin: .75rem 0; border-left: 4px solid var(--bad); background: rgba(179,38,30,.08); }
.notice { padding: .7rem .9rem; border-radius: 8px; margin: .75rem 0; border-left: 4px solid var(--ok); background: rgba(29,122,58,.08); }
.sandbox { max-width: 30rem; margin: 0 auto 1rem; padding: .6rem .9rem; border-radius: 8px; background: #fff4ce; color: #5c4400; font-size: .9rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; } dt { font-weight: 600; } dd { margin: 0; }
.row { display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; }
`;

export function layout(ctx: PageContext, title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · passport-ding example</title>
<style nonce="${ctx.nonce}">${new SafeHtml(STYLE)}</style>
</head>
<body>
<header>
  <a href="/">passport-ding example</a>
  ${ctx.user ? html`<form method="post" action="/logout"><input type="hidden" name="_csrf" value="${ctx.csrfToken}"><span>${ctx.user.name}</span> · <button class="link" type="submit">Sign out</button></form>` : ''}
</header>
${ctx.sandbox ? html`<p class="sandbox" role="note"><strong>Sandbox mode:</strong> no SMS is sent. Each code is printed in the terminal running <code>npm start</code>.</p>` : ''}
<main class="card">
${body}
</main>
</body>
</html>`.value;
}

/** Hidden CSRF field for every form (../csrf.ts reads `_csrf` from the body). */
export function csrfField(ctx: PageContext): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrfToken}">`;
}

/** A message box: failures are announced to screen readers as alerts. */
export function messages(options: { message?: string | undefined; notice?: string | undefined }): SafeHtml {
  return html`${options.message ? html`<p class="alert" role="alert">${options.message}</p>` : ''}${
    options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : ''
  }`;
}
