// Per-describe wiring: a real sandbox over HTTP on 127.0.0.1, a clock shared with it, and
// strategies built with a real provider against it: DingProvider on the sandbox's V1 endpoints or
// PreludeProvider on its V2 ones (`provider`). Strategies are closed after each test.
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { DingOtpStrategy } from 'passport-ding';
import type { DingOtpStrategyOptions, DingOtpStrategyOptionsWithRequest, VerifyFunction, VerifyFunctionWithRequest } from 'passport-ding';
import { startDingSandbox } from 'passport-ding/sandbox';
import type { AnyOperation, DingSandbox, DingSandboxOptions } from 'passport-ding/sandbox';
import type { AppSetup, ExpressFactory, TestApp } from './app.js';
import { createApp, EXPRESS_VERSIONS } from './app.js';
import type { TestClock } from './clock.js';
import { testClock } from './clock.js';
import { Users } from './users.js';

/** The OTP APIs the strategy suite runs against. */
export type ProviderName = 'ding' | 'prelude';
export const PROVIDERS: ProviderName[] = ['ding', 'prelude'];

/** Every Express major with every provider: rows of `[express name, provider, express]` (names first, for titles). */
export const MATRIX: Array<[string, ProviderName, ExpressFactory]> = EXPRESS_VERSIONS.flatMap(([name, express]) =>
  PROVIDERS.map((provider): [string, ProviderName, ExpressFactory] => [name, provider, express]),
);

/** An upstream call as the strategy makes it; Prelude's resend is its create again. */
/**
 * `it` or `describe` for a behaviour only one provider has, registered only where it applies: a
 * case that cannot happen on a provider is not a skipped test (skips in CI must mean something).
 */
export function onlyWhen<T extends (...args: never[]) => unknown>(applies: boolean, register: T): T {
  return (applies ? register : () => undefined) as T;
}

export type CallKind = 'send' | 'check' | 'resend';
const OPERATIONS: Record<ProviderName, Record<CallKind, AnyOperation>> = {
  ding: { send: 'createAuthentication', check: 'check', resend: 'retry' },
  prelude: { send: 'createVerification', check: 'checkVerification', resend: 'createVerification' },
};

export interface Harness {
  readonly provider: ProviderName;
  readonly sandbox: DingSandbox;
  readonly clock: TestClock;
  readonly users: Users;
  /** Sandbox credentials, base URL and the shared clock, to spread into strategy options. */
  credentials(): Pick<DingOtpStrategyOptions, 'provider' | 'apiKey' | 'customerUuid' | 'baseUrl' | 'now'>;
  /**
   * The sandbox operation behind a kind of call (for `sandbox.fail({ operation })`). With
   * Prelude, `send` and `resend` are the same operation.
   */
  op(kind: CallKind): AnyOperation;
  /** Upstream calls of that kind since the test began. With Prelude, `send` and `resend` count together. */
  calls(kind: CallKind): number;
  /** A counter of upstream calls of that kind from now on. */
  counter(kind: CallKind): () => number;
  /** A strategy on the sandbox; the default verify finds or creates the user by phone. */
  strategy(options?: Partial<DingOtpStrategyOptions>, verify?: VerifyFunction): DingOtpStrategy;
  strategyWithRequest(options: Partial<DingOtpStrategyOptionsWithRequest>, verify: VerifyFunctionWithRequest): DingOtpStrategy;
  /** Closes `strategy` after the test (for strategies built by hand). */
  own<T extends DingOtpStrategy>(strategy: T): T;
  /** An app whose `ding` strategy is `strategy()` unless given. */
  app(setup?: Partial<AppSetup>): TestApp;
  /** The latest code the sandbox "sent" to `phone` (fails the test when there is none). */
  code(phone: string): string;
}

export function harness(express: ExpressFactory, sandboxOptions: DingSandboxOptions = {}, provider: ProviderName = 'ding'): Harness {
  let sandbox: DingSandbox | undefined;
  const clock: TestClock = testClock();
  let users = new Users();
  const open: DingOtpStrategy[] = [];

  beforeAll(async () => {
    sandbox = await startDingSandbox({ ...sandboxOptions, now: clock.providerNow });
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(() => {
    sandbox?.reset();
    clock.reset();
    users = new Users();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  const h: Harness = {
    provider,
    get sandbox() {
      if (!sandbox) throw new Error('sandbox not started');
      return sandbox;
    },
    get clock() {
      return clock;
    },
    get users() {
      return users;
    },
    credentials() {
      const sb = h.sandbox;
      const c = h.clock;
      return provider === 'prelude'
        ? { provider: 'prelude', apiKey: sb.apiKey, baseUrl: sb.preludeUrl, now: () => c.now() }
        : { apiKey: sb.apiKey, customerUuid: sb.customerUuid, baseUrl: sb.url, now: () => c.now() };
    },
    op(kind) {
      return OPERATIONS[provider][kind];
    },
    calls(kind) {
      return h.sandbox.stats().byOperation[h.op(kind)] ?? 0;
    },
    counter(kind) {
      const start = h.calls(kind);
      return () => h.calls(kind) - start;
    },
    strategy(options = {}, verify) {
      const s = new DingOtpStrategy({ ...h.credentials(), ...options, passReqToCallback: false }, verify ?? (async (phone) => users.findOrCreate(phone)));
      open.push(s);
      return s;
    },
    strategyWithRequest(options, verify) {
      const s = new DingOtpStrategy({ ...h.credentials(), ...options, passReqToCallback: true }, verify);
      open.push(s);
      return s;
    },
    own(strategy) {
      open.push(strategy);
      return strategy;
    },
    app(setup = {}) {
      return createApp({ express, users, ...setup, strategies: setup.strategies ?? { ding: h.strategy() } });
    },
    code(phone) {
      const code = h.sandbox.latestCode(phone);
      if (code === undefined) throw new Error('the sandbox sent no code to that number');
      return code;
    },
  };
  return h;
}
