// What every variant shares, so they differ only in how the two Ding calls and the pending state
// are done: Express 5, JSON bodies, express-session with the memory store, a user store, logout,
// and two probe routes the bench reads (pending-state size, session count).
import express from 'express';
import type { ErrorRequestHandler, Express, Request } from 'express';
import session from 'express-session';

/** The sandbox the variant talks to. */
export interface DingTarget {
  url: string;
  apiKey: string;
  customerUuid: string;
}

/** A variant: the app, its upstream pool size (undefined: unbounded), and how to close it. */
export interface BenchApp {
  app: Express;
  poolSize: number | undefined;
  close(): Promise<void>;
}

export interface User {
  id: string;
  phone: string;
}

/** Phone -> user, found or created at login, as an app's user table would be. */
export class Users {
  readonly #byPhone = new Map<string, User>();
  readonly #byId = new Map<string, User>();

  findOrCreate(phone: string): User {
    let user = this.#byPhone.get(phone);
    if (!user) {
      user = { id: `u${this.#byPhone.size + 1}`, phone };
      this.#byPhone.set(phone, user);
      this.#byId.set(user.id, user);
    }
    return user;
  }

  get(id: string): User | undefined {
    return this.#byId.get(id);
  }
}

export interface Shell {
  app: Express;
  users: Users;
  store: session.MemoryStore;
  /** Adds logout, the probes and the error handler; call after the variant's routes. */
  finish(): void;
}

/** `pendingKey` is where the variant keeps its pending state in the session (for the size probe). */
export function createShell(pendingKey: string): Shell {
  const app = express();
  app.disable('x-powered-by');
  const store = new session.MemoryStore();
  const users = new Users();
  app.use(express.json({ limit: '8kb' }));
  app.use(
    session({
      name: 'sid',
      secret: 'bench secret',
      store,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', maxAge: 60 * 60 * 1000 },
    }),
  );

  const finish = (): void => {
    // The leak run logs out after each login, so a steady state holds no sessions at all.
    app.post('/logout', (req, res, next) => {
      req.session.destroy((err) => (err ? next(err) : res.status(204).end()));
    });
    app.get('/bench/pending', (req: Request, res) => {
      const pending = (req.session as unknown as Record<string, unknown>)[pendingKey];
      const json = pending === undefined ? undefined : JSON.stringify(pending);
      res.json({
        bytes: json === undefined ? null : Buffer.byteLength(json),
        keys: pending && typeof pending === 'object' ? Object.keys(pending) : [],
        sessionBytes: Buffer.byteLength(JSON.stringify(req.session)),
      });
    });
    app.get('/bench/sessions', (_req, res, next) => {
      store.length((err, n) => (err ? next(err) : res.json({ sessions: n })));
    });
    const onError: ErrorRequestHandler = (err: { name?: string; code?: string }, _req, res, _next) => {
      res.status(500).json({ error: err.name ?? 'Error', code: err.code ?? null });
    };
    app.use(onError);
  };

  return { app, users, store, finish };
}

// Session fields the hand-written variants use.
declare module 'express-session' {
  interface SessionData {
    userId: string;
    pending: { id: string; phone: string; expiresAt: number; attemptsLeft: number };
  }
}
