// The load client: full logins against one server, over loopback. A login is
//   POST /login/phone {phoneNumber}  ->  read the code the sandbox "sent"  ->  POST /login/code {code}
// with the session cookie of the first answer, each login a new visitor (no cookie to start).
// `concurrency` workers run logins back to back, one phone number each, until `logins` are done
// or the time limit passes. Latency is the whole login, send to verified.
import { Pool } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';

export interface CodeSource {
  latestCode(phoneNumber: string): string | undefined;
}

export interface LoadResult {
  concurrency: number;
  /** Logins asked for, and finished with both steps answering 200. */
  requested: number;
  completed: number;
  failed: number;
  /** The first few failures, e.g. `POST /login/code: HTTP 401`. */
  failures: string[];
  elapsedMs: number;
  /** Per completed login, in milliseconds. */
  latenciesMs: number[];
  /** True when the time limit stopped the run before `requested` logins. */
  timedOut: boolean;
}

export interface RunOptions {
  logins: number;
  /** Stop starting logins after this long. */
  maxMs: number;
  /** Log out after each login (the session is destroyed), for the leak run. */
  logout?: boolean;
  /**
   * Every login a new phone number and client address (X-Forwarded-For; the server must trust
   * loopback), for the memory bench: what the limits keep per distinct sender.
   */
  distinct?: boolean;
}

/**
 * The n-th distinct sender: a valid US number (16 area codes, numbers 1,009 apart, so a block of
 * 1,000 numbers gets few) and an address, each in a /24 of its own (the most keys per sender).
 */
export function distinctSender(n: number): { phone: string; ip: string } {
  const areas = [201, 202, 212, 305, 312, 415, 503, 512, 617, 702, 713, 808, 917, 206, 303, 404];
  const phone = `+1${areas[n % 16]}${2_000_000 + ((Math.floor(n / 16) * 1009) % 7_000_000)}`;
  const ip = `${11 + ((n >> 16) & 127)}.${(n >> 8) & 255}.${n & 255}.${1 + (n % 200)}`;
  return { phone, ip };
}

/** Fictional US numbers (555-01xx), one per worker, valid for libphonenumber. */
export const phoneFor = (worker: number): string => `+1201555${String(100 + worker).padStart(4, '0')}`;

export const MAX_FAILURES_KEPT = 5;

function sessionCookie(headers: IncomingHttpHeaders): string | undefined {
  const raw = headers['set-cookie'];
  const first = Array.isArray(raw) ? raw[0] : raw;
  return first?.split(';', 1)[0];
}

export class LoadClient {
  readonly #pool: Pool;
  readonly #codes: CodeSource;
  readonly concurrency: number;
  #senders = 0;

  constructor(origin: string, codes: CodeSource, concurrency: number) {
    if (!origin.startsWith('http://127.0.0.1:')) throw new Error('the load client talks to loopback only');
    this.#pool = new Pool(origin, { connections: concurrency, keepAliveTimeout: 60_000 });
    this.#codes = codes;
    this.concurrency = concurrency;
  }

  /** POSTs JSON; returns the session cookie set, or throws with the path and status. */
  async #post(path: string, body: object | undefined, cookie: string | undefined, ip?: string): Promise<string | undefined> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (cookie) headers.cookie = cookie;
    if (ip) headers['x-forwarded-for'] = ip;
    const res = await this.#pool.request({ method: 'POST', path, headers, body: body ? JSON.stringify(body) : null });
    await res.body.dump();
    if (res.statusCode !== 200 && res.statusCode !== 204) throw new Error(`POST ${path}: HTTP ${res.statusCode}`);
    return sessionCookie(res.headers) ?? cookie;
  }

  async #login(phoneNumber: string, logout: boolean, ip?: string): Promise<number> {
    const start = performance.now();
    const cookie = await this.#post('/login/phone', { phoneNumber }, undefined, ip);
    if (!cookie) throw new Error('POST /login/phone: no session cookie');
    const code = this.#codes.latestCode(phoneNumber);
    if (!code) throw new Error('the sandbox sent no code');
    const loggedIn = await this.#post('/login/code', { code }, cookie, ip);
    const ms = performance.now() - start;
    if (logout) await this.#post('/logout', undefined, loggedIn);
    return ms;
  }

  async run(options: RunOptions): Promise<LoadResult> {
    const latenciesMs: number[] = [];
    const failures: string[] = [];
    let started = 0;
    let failed = 0;
    const begin = performance.now();
    const deadline = begin + options.maxMs;

    const worker = async (index: number): Promise<void> => {
      const phone = phoneFor(index);
      while (started < options.logins && performance.now() < deadline) {
        started += 1;
        const sender = options.distinct ? distinctSender(this.#senders++) : undefined;
        try {
          latenciesMs.push(await this.#login(sender?.phone ?? phone, options.logout === true, sender?.ip));
        } catch (err) {
          failed += 1;
          if (failures.length < MAX_FAILURES_KEPT) failures.push(err instanceof Error ? err.message : String(err));
        }
      }
    };
    await Promise.all(Array.from({ length: this.concurrency }, (_, i) => worker(i)));

    return {
      concurrency: this.concurrency,
      requested: options.logins,
      completed: latenciesMs.length,
      failed,
      failures,
      elapsedMs: performance.now() - begin,
      latenciesMs,
      timedOut: started < options.logins,
    };
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
