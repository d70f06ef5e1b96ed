// Per-describe wiring: a real sandbox over HTTP on 127.0.0.1, a clock shared with it, and
// strategies built with the real DingProvider against it. Strategies are closed after each test.
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { DingOtpStrategy } from 'passport-ding';
import type { DingOtpStrategyOptions, DingOtpStrategyOptionsWithRequest, VerifyFunction, VerifyFunctionWithRequest } from 'passport-ding';
import { startDingSandbox } from 'passport-ding/sandbox';
import type { DingSandbox, DingSandboxOptions } from 'passport-ding/sandbox';
import type { AppSetup, ExpressFactory, TestApp } from './app.js';
import { createApp } from './app.js';
import type { TestClock } from './clock.js';
import { testClock } from './clock.js';
import { Users } from './users.js';

export interface Harness {
  readonly sandbox: DingSandbox;
  readonly clock: TestClock;
  readonly users: Users;
  /** Sandbox credentials, base URL and the shared clock, to spread into strategy options. */
  credentials(): Pick<DingOtpStrategyOptions, 'apiKey' | 'customerUuid' | 'baseUrl' | 'now'>;
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

export function harness(express: ExpressFactory, sandboxOptions: DingSandboxOptions = {}): Harness {
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
      return { apiKey: sb.apiKey, customerUuid: sb.customerUuid, baseUrl: sb.url, now: () => c.now() };
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
