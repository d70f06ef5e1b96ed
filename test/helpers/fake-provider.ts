// An in-process OtpProvider: codes in a Map, no HTTP. It behaves like a plain OTP API on its own
// (send makes an id and a code, check compares, resend sends a new code for the same id), and any
// call can be scripted to answer something else (a status the sandbox cannot easily produce, a
// fault), so every branch of send, verify and retry runs through the real strategy, Express and
// express-session in milliseconds. Every request it gets is recorded.
//
// `fakeLogin()` wires one up: a FakeProvider, a DingOtpStrategy on it with a test clock, and the
// test app of ./app.ts (Express 5, express-session, Passport).
import { randomInt } from 'node:crypto';
import { DingOtpStrategy } from 'passport-ding';
import type {
  CheckRequest,
  CheckResult,
  DingOtpStrategyOptions,
  OtpProvider,
  ResendRequest,
  ResendResult,
  SendRequest,
  SendResult,
  VerifyFunction,
} from 'passport-ding';
import express5 from 'express';
import type { AppSetup, TestApp } from './app.js';
import { createApp } from './app.js';
import type { TestClock } from './clock.js';
import { testClock } from './clock.js';
import { Users } from './users.js';

type Operation = 'send' | 'check' | 'resend';
interface Requests {
  send: SendRequest;
  check: CheckRequest;
  resend: ResendRequest;
}
interface Results {
  send: SendResult;
  check: CheckResult;
  resend: ResendResult;
}

/** A scripted answer: a result, an error to throw, or a function of the request giving either. */
export type Answer<O extends Operation> = Results[O] | Error | ((request: Requests[O]) => Results[O] | Promise<Results[O]>);

export interface FakeProviderOptions {
  /** The provider's clock (epoch ms) for `createdAt` and expiry. Default `Date.now`. */
  now?: () => number;
  /** The code lifetime a send reports; `null` reports none (as Prelude V2 does). Default 10 minutes. */
  expiresInMs?: number | null;
  /**
   * The provider's name. Default `'fake'`. `'prelude'` makes the strategy treat its verifications
   * as Prelude V2's, one per number, owned by the session that sent last (lib/limits/window.ts).
   */
  name?: string;
}

interface Verification {
  phoneNumber: string;
  code: string;
  validated: boolean;
}

export class FakeProvider implements OtpProvider {
  readonly name: string;
  /** Every request, per operation, in order. */
  readonly requests: { [O in Operation]: Array<Requests[O]> } = { send: [], check: [], resend: [] };
  closed = false;
  readonly #now: () => number;
  readonly #expiresInMs: number | null;
  readonly #verifications = new Map<string, Verification>();
  readonly #latest = new Map<string, string>();
  readonly #scripts: { [O in Operation]: Array<Answer<O>> } = { send: [], check: [], resend: [] };
  #ids = 0;

  constructor(options: FakeProviderOptions = {}) {
    this.name = options.name ?? 'fake';
    this.#now = options.now ?? Date.now;
    this.#expiresInMs = options.expiresInMs === undefined ? 10 * 60_000 : options.expiresInMs;
  }

  /** The next call of `operation` answers `answer` instead of behaving normally (queued in order). */
  next<O extends Operation>(operation: O, answer: Answer<O>): this {
    (this.#scripts[operation] as Array<Answer<O>>).push(answer);
    return this;
  }

  /** The latest code sent to `phone` (throws when none was). */
  code(phone: string): string {
    const code = this.#latest.get(phone);
    if (code === undefined) throw new Error(`the fake provider sent no code to ${phone}`);
    return code;
  }

  /** Calls of `operation` so far. */
  calls(operation: Operation): number {
    return this.requests[operation].length;
  }

  async send(request: SendRequest): Promise<SendResult> {
    this.requests.send.push(request);
    const scripted = await this.#scripted('send', request);
    if (scripted) return scripted.result;
    const id = `fake_${++this.#ids}`;
    this.#verifications.set(id, { phoneNumber: request.phoneNumber, code: this.#newCode(request.phoneNumber), validated: false });
    const createdAt = new Date(this.#now());
    const result: SendResult = { status: 'sent', id, createdAt };
    if (this.#expiresInMs !== null) result.expiresAt = new Date(createdAt.getTime() + this.#expiresInMs);
    return result;
  }

  async check(request: CheckRequest): Promise<CheckResult> {
    this.requests.check.push(request);
    const scripted = await this.#scripted('check', request);
    if (scripted) return scripted.result;
    const v = this.#verifications.get(request.id);
    if (!v || v.phoneNumber !== request.phoneNumber) return { status: 'not_found' };
    if (v.validated) return { status: 'already_validated' };
    if (v.code !== request.code) return { status: 'invalid' };
    v.validated = true;
    return { status: 'valid' };
  }

  async resend(request: ResendRequest): Promise<ResendResult> {
    this.requests.resend.push(request);
    const scripted = await this.#scripted('resend', request);
    if (scripted) return scripted.result;
    const v = this.#verifications.get(request.id);
    if (!v) return { status: 'not_found' };
    if (v.validated) return { status: 'already_validated' };
    v.code = this.#newCode(v.phoneNumber);
    return { status: 'sent' };
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** Replaces the code of verification `id` (for tests that need to know it in advance). */
  setCode(id: string, code: string): void {
    const v = this.#verifications.get(id);
    if (!v) throw new Error(`no verification ${id}`);
    v.code = code;
    this.#latest.set(v.phoneNumber, code);
  }

  #newCode(phone: string): string {
    const code = randomInt(0, 1_000_000).toString().padStart(6, '0');
    this.#latest.set(phone, code);
    return code;
  }

  async #scripted<O extends Operation>(operation: O, request: Requests[O]): Promise<{ result: Results[O] } | undefined> {
    const answer = (this.#scripts[operation] as Array<Answer<O>>).shift();
    if (answer === undefined) return undefined;
    if (answer instanceof Error) throw answer;
    const result = typeof answer === 'function' ? await answer(request) : answer;
    return { result };
  }
}

export interface FakeLogin {
  fake: FakeProvider;
  strategy: DingOtpStrategy;
  clock: TestClock;
  users: Users;
  /** The test app (Express 5) with `strategy` as `ding`. */
  t: TestApp;
}

/**
 * A login on a FakeProvider: the strategy gets `options` (and the clock), the app `setup`. Without
 * a verify callback the default finds or creates the user by phone.
 */
export function fakeLogin(
  options: Partial<DingOtpStrategyOptions> = {},
  setup: Partial<AppSetup> & { verify?: VerifyFunction; fake?: FakeProviderOptions } = {},
): FakeLogin {
  const clock = testClock();
  const users = setup.users ?? new Users();
  const fake = new FakeProvider({ now: clock.providerNow, ...setup.fake });
  const strategy = new DingOtpStrategy(
    { provider: fake, now: clock.now, ...options, passReqToCallback: false },
    setup.verify ?? (async (phone) => users.findOrCreate(phone)),
  );
  const t = createApp({ express: express5, users, ...setup, strategies: setup.strategies ?? { ding: strategy } });
  return { fake, strategy, clock, users, t };
}
