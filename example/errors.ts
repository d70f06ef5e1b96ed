// The last middleware: turns any error into a page or a JSON body without internals. Every page
// says what happened, what to do, and links back to the page the visitor came from (a full page
// in the app's layout, also when the error came before the session was loaded, as a body over the
// size limit does). Upstream faults (the OTP API down, slow or refusing our key) are the
// operator's problem, not the user's: they get a short "try again", the log gets the error's name
// and stable code.
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { PassportDingError } from 'passport-ding';
import { isCsrfError } from './csrf.js';
import type { Logger } from './logger.js';
import { pageContext, sendPage } from './routes/render.js';
import { errorPage } from './views/account.js';

/** The body size the parsers accept (app.ts); said on the 413 page. */
export const BODY_LIMIT = '8kb';

function wantsJson(req: Request): boolean {
  return req.originalUrl.startsWith('/api/') || req.originalUrl === '/api';
}

interface Answer {
  status: number;
  code: string;
  title: string;
  message: string;
}

function classify(err: unknown): Answer {
  if (isCsrfError(err)) {
    return {
      status: 403,
      code: 'invalid_csrf_token',
      title: 'This form has expired',
      message: 'The page you sent it from is out of date (perhaps you signed in or out in another tab). Go back, reload the page and send it again.',
    };
  }
  if (err instanceof PassportDingError && err.code !== 'DING_CONFIGURATION_ERROR') {
    return { status: 503, code: 'otp_unavailable', title: 'Codes are unavailable right now', message: 'We could not send or check a code just now. Please try again in a minute.' };
  }
  // body-parser: a body over the limit (413), malformed JSON or a damaged body (400), an
  // encoding or character set it does not read (415).
  const status = (err as { status?: unknown } | null)?.status;
  if (status === 413) {
    return {
      status,
      code: 'too_large',
      title: 'That was too long',
      message: `What you sent is more than this form accepts (${BODY_LIMIT.toUpperCase()}). A phone number is at most 15 digits and a code a few: go back and send the form again with less in it.`,
    };
  }
  if (status === 400 || status === 415) {
    return {
      status,
      code: 'bad_request',
      title: 'We could not read that',
      message: 'The form arrived damaged or in a format this site does not read. Go back and send it again from the page.',
    };
  }
  return {
    status: 500,
    code: 'internal_error',
    title: 'Something went wrong',
    message: 'That did not work, and it is not something you did. Go back and try again in a moment.',
  };
}

/** The page a visitor most likely came from, for the link back. */
export function backLink(req: Request): { href: string; label: string } {
  const path = req.path;
  if (path === '/login/password') return { href: '/login/password', label: 'Back to the password form' };
  if (path === '/login/code' || path === '/login/resend') return { href: '/login/code', label: 'Back to the code page' };
  if (path.startsWith('/login')) return { href: '/login', label: 'Back to the sign-in page' };
  if (path.startsWith('/2fa')) return { href: '/2fa', label: 'Back to the code step' };
  if (path === '/logout' || path.startsWith('/account')) return { href: '/account', label: 'Back to your account' };
  return { href: '/', label: 'Back to the start' };
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const answer = classify(err);
    if (answer.code === 'internal_error') {
      // Fail closed on the unexpected, a session store that failed above all: Passport has already
      // put a new login in the in-memory session, and express-session would try to save it again
      // when the response ends. An upstream fault (503 above) keeps the session as it is.
      const passportData = (req.session as { passport?: { user?: unknown } } | undefined)?.passport;
      if (passportData) delete passportData.user;
    }
    const e = err instanceof Error ? (err as Error & { code?: unknown }) : undefined;
    logger[answer.status >= 500 ? 'error' : 'warn']('request.error', {
      path: req.path,
      status: answer.status,
      error: e?.name,
      // Named `kind`, not `code`: the logger drops any field whose name says code.
      kind: typeof e?.code === 'string' ? e.code : undefined,
    });
    if (wantsJson(req)) return void res.status(answer.status).json({ code: answer.code, message: answer.message });
    sendPage(res, answer.status, errorPage(pageContext(req, res), answer.title, answer.message, backLink(req)));
  };
}

export const notFound: RequestHandler = (req, res) => {
  if (wantsJson(req)) return void res.status(404).json({ code: 'not_found', message: 'No such endpoint.' });
  sendPage(res, 404, errorPage(pageContext(req, res), 'Page not found', 'There is nothing at this address. Check the link, or start again from the sign-in page.', { href: '/', label: 'Back to the start' }));
};
