// Small helpers the page routes share: the page context, reading a strategy's refusal, and
// one-shot notices.
import type { Request, Response } from 'express';
import { currentUser } from '../auth.js';
import { clock, isSignedIn } from '../guards.js';
import { csrfToken } from '../csrf.js';
import type { PageContext } from '../views/layout.js';

export function pageContext(req: Request, res: Response): PageContext {
  const user = currentUser(req);
  return {
    csrfToken: csrfToken(req, res),
    nonce: String(res.locals.nonce ?? ''),
    sandbox: req.app.locals.sandbox === true,
    now: clock(req),
    ...(user && isSignedIn(req) ? { user: { name: user.name } } : {}),
  };
}

export function sendPage(res: Response, status: number, page: string): void {
  res.status(status).type('html').send(page);
}

/** The `{ code, message, retryAfter?, attemptsLeft? }` a strategy fails with. */
export interface Refusal {
  code: string;
  message: string;
  retryAfter?: number;
  attemptsLeft?: number;
}

export function refusal(info: unknown): Refusal {
  const i = (info && typeof info === 'object' ? info : {}) as Partial<Record<keyof Refusal, unknown>>;
  const out: Refusal = {
    code: typeof i.code === 'string' ? i.code : 'refused',
    message: typeof i.message === 'string' ? i.message : 'That did not work. Try again.',
  };
  if (typeof i.retryAfter === 'number') out.retryAfter = i.retryAfter;
  if (typeof i.attemptsLeft === 'number') out.attemptsLeft = i.attemptsLeft;
  return out;
}

/** The message for the page, with the wait spelled out when there is one. */
export function refusalText(r: Refusal): string {
  if (r.retryAfter === undefined || r.retryAfter <= 0) return r.message;
  return `${r.message} You can try again in ${waitText(r.retryAfter)}.`;
}

/** 30 -> `30 seconds`, 3400 -> `57 minutes`. */
export function waitText(seconds: number): string {
  if (seconds < 120) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

/** Reads and clears the one-shot notice (kept only in sessions that exist anyway). */
export function takeNotice(req: Request): string | undefined {
  const notice = req.session?.notice;
  if (notice !== undefined) delete req.session.notice;
  return notice;
}
