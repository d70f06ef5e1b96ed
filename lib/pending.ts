// The pending verification: what the strategy remembers in `req.session[sessionKey]` between
// "send me a code" and "here is the code". It is the only source of the provider's id and of the
// phone number at verify time; nothing of it comes from the client. Stored with short keys and
// epoch milliseconds so it stays small (about 150 bytes as JSON) in any session store:
//
//   v  format version (1)          i  provider id (Prelude's `vrf_` id, Ding's auth UUID)
//   p  E.164 phone number          c  created at
//   e  expires at                  r  next resend allowed at
//   n  resends left (absent when the provider has not said)
//   a  wrong codes still allowed (local budget)
//   f  the provider's risk factors from the send (absent when none)
//   u  the user the code is for (second-factor and phone-change modes): a digest of their id,
//      see userKey()
//   o  owner token of the provider's window (Prelude: see lib/limits/window.ts)
//   h  how the latest code went out: the channel (`sms`, `whatsapp`, `voice`), when known

import { createHash } from 'node:crypto';
import { maskPhone } from './phone.js';
import { channelName } from './providers/delivery.js';

/** The default key of the pending verification in `req.session`. */
export const DEFAULT_SESSION_KEY = 'passport-ding';

/** The pending verification as the strategy works with it. Times are epoch milliseconds. */
export interface PendingState {
  id: string;
  phoneNumber: string;
  createdAt: number;
  expiresAt: number;
  nextRetryAt: number;
  remainingRetries?: number;
  attemptsLeft: number;
  /** The provider's risk factors from the send, for the verify callback's details. */
  riskFactors?: readonly string[];
  /** Second-factor and phone-change modes: who the code is for, as `userKey(id)`. */
  user?: string;
  /** This session's claim on the number's verification window (Prelude), see lib/limits/window.ts. */
  owner?: string;
  /** The channel the latest code went by, as the provider said (or as asked, when it did not). */
  channel?: string;
}

/** The serialised form in the session (see the key list above). */
export interface StoredPending {
  v: 1;
  i: string;
  p: string;
  c: number;
  e: number;
  r: number;
  n?: number;
  a: number;
  f?: readonly string[];
  u?: string;
  o?: string;
  h?: string;
}

/** What `pendingVerification(req)` returns: safe to render or send as JSON. */
export interface PublicPendingVerification {
  /** Masked, e.g. `+1•••••7890`. */
  phoneNumber: string;
  /** After this the code is no longer accepted. */
  expiresAt: Date;
  /** The earliest time a resend (`action: 'retry'`) is accepted. */
  nextRetryAt: Date;
  /** Resends left, when the provider has said; absent before the first resend with Ding. */
  remainingRetries?: number;
  /** Wrong codes still allowed before the verification is dropped. */
  attemptsLeft: number;
  /**
   * How the latest code went out: `sms`, `whatsapp`, `voice` (a call), ... as the provider said;
   * absent when it did not say (a custom provider).
   */
  channel?: string;
}

/** The part of express-session's `Session` the strategy relies on. */
export interface SessionLike {
  save(callback: (err?: unknown) => void): unknown;
  [key: string]: unknown;
}

/** `req.session` when a session middleware is in front, else `undefined`. */
export function sessionOf(req: unknown): SessionLike | undefined {
  const session = (req as { session?: unknown }).session;
  if (session === null || typeof session !== 'object') return undefined;
  if (typeof (session as { save?: unknown }).save !== 'function') return undefined;
  return session as SessionLike;
}

const isTime = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

/** Reads the pending verification; anything malformed (old format, tampered store) is none. */
export function readPending(session: SessionLike, key: string): PendingState | undefined {
  const raw = session[key];
  if (raw === null || typeof raw !== 'object') return undefined;
  const s = raw as Partial<Record<keyof StoredPending, unknown>>;
  if (s.v !== 1 || typeof s.i !== 'string' || typeof s.p !== 'string') return undefined;
  if (!isTime(s.c) || !isTime(s.e) || !isTime(s.r) || !isCount(s.a)) return undefined;
  if (s.n !== undefined && !isCount(s.n)) return undefined;
  if (s.u !== undefined && typeof s.u !== 'string') return undefined;
  if (s.o !== undefined && typeof s.o !== 'string') return undefined;
  const state: PendingState = {
    id: s.i,
    phoneNumber: s.p,
    createdAt: s.c,
    expiresAt: s.e,
    nextRetryAt: s.r,
    attemptsLeft: s.a,
  };
  if (s.n !== undefined) state.remainingRetries = s.n;
  if (Array.isArray(s.f) && s.f.every((x) => typeof x === 'string')) state.riskFactors = s.f as string[];
  if (s.u !== undefined) state.user = s.u;
  if (s.o !== undefined) state.owner = s.o;
  const channel = channelName(s.h);
  if (channel !== undefined) state.channel = channel;
  return state;
}

/** Writes `state`, replacing any previous pending verification. */
export function writePending(session: SessionLike, key: string, state: PendingState): void {
  const stored: StoredPending = {
    v: 1,
    i: state.id,
    p: state.phoneNumber,
    c: state.createdAt,
    e: state.expiresAt,
    r: state.nextRetryAt,
    a: state.attemptsLeft,
  };
  if (state.remainingRetries !== undefined) stored.n = state.remainingRetries;
  if (state.riskFactors !== undefined) stored.f = state.riskFactors;
  if (state.user !== undefined) stored.u = state.user;
  if (state.owner !== undefined) stored.o = state.owner;
  if (state.channel !== undefined) stored.h = state.channel;
  session[key] = stored;
}

/**
 * What the pending verification keeps of a user id: a SHA-256 digest cut to 128 bits, base64url
 * (22 characters). The same size for any id, and no user id (an email, say) copied into the
 * session store; enough bits that two users' ids never meet.
 */
export function userKey(id: string): string {
  return createHash('sha256').update(id).digest('base64url').slice(0, 22);
}

export function clearPending(session: SessionLike, key: string): void {
  // undefined rather than delete: JSON (every session store) leaves the key out all the same,
  // and the session object keeps its fast shape for the saves and hashes that follow.
  session[key] = undefined;
}

/** Saves the session now, so the reply never races ahead of the store. */
export function saveSession(session: SessionLike): Promise<void> {
  return new Promise((resolve, reject) => {
    session.save((err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()));
  });
}

export function publicView(state: PendingState): PublicPendingVerification {
  const view: PublicPendingVerification = {
    phoneNumber: maskPhone(state.phoneNumber),
    expiresAt: new Date(state.expiresAt),
    nextRetryAt: new Date(state.nextRetryAt),
    attemptsLeft: state.attemptsLeft,
  };
  if (state.remainingRetries !== undefined) view.remainingRetries = state.remainingRetries;
  if (state.channel !== undefined) view.channel = state.channel;
  return view;
}

/**
 * The pending verification of this session, for rendering the code page or answering JSON:
 * `{ phoneNumber: '+1•••••7890', expiresAt, nextRetryAt, remainingRetries?, attemptsLeft, channel? }`, or
 * `undefined` when nothing is pending. Pass `sessionKey` when the strategy was given one.
 * Dates serialise to ISO 8601 strings with `res.json()`.
 */
export function pendingVerification(req: unknown, sessionKey: string = DEFAULT_SESSION_KEY): PublicPendingVerification | undefined {
  const session = sessionOf(req);
  const state = session && readPending(session, sessionKey);
  return state && publicView(state);
}
