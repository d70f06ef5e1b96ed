// The last middleware: turns any error into a page or a JSON body without internals. Upstream
// faults (the OTP API down, slow or refusing our key) are the operator's problem, not the
// user's: they get a short "try again", the log gets the error's name and stable code.
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { PassportDingError } from 'passport-ding';
import type { Logger } from './logger.js';
import { pageContext, sendPage } from './routes/render.js';
import { isCsrfError } from './security.js';
import { errorPage } from './views/account.js';

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
    return { status: 403, code: 'invalid_csrf_token', title: 'This form has expired', message: 'Go back, reload the page and try again.' };
  }
  if (err instanceof PassportDingError && err.code !== 'DING_CONFIGURATION_ERROR') {
    return { status: 503, code: 'otp_unavailable', title: 'Codes are unavailable right now', message: 'We could not send or check a code just now. Please try again in a minute.' };
  }
  // body-parser: malformed JSON (400) or a body over the limit (413).
  const status = (err as { status?: unknown } | null)?.status;
  if (status === 400 || status === 413) {
    return { status, code: 'bad_request', title: 'Bad request', message: 'The request could not be read.' };
  }
  return { status: 500, code: 'internal_error', title: 'Something went wrong', message: 'Please try again.' };
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
    // The session may be what failed; render without touching it when it is missing.
    const page = req.session ? errorPage(pageContext(req, res), answer.title, answer.message) : answer.title;
    sendPage(res, answer.status, page);
  };
}

export const notFound: RequestHandler = (req, res) => {
  if (wantsJson(req)) return void res.status(404).json({ code: 'not_found', message: 'No such endpoint.' });
  sendPage(res, 404, errorPage(pageContext(req, res), 'Page not found', 'There is nothing at this address.'));
};
