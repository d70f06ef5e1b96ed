// The library as an app uses it: Passport with DingOtpStrategy, JSON routes, a user found or
// created by the verified number, Passport's session login (regenerate + save).
//
// The abuse limits stay on (memory store, as by default) so their cost is counted, but with
// send budgets no bench reaches: every worker sends to one number (all in one number block, one
// country), all from 127.0.0.1. The resend cooldown stays at its default: each login's right code
// ends it, so a worker's next login sends at once.
import passport from 'passport';
import type { Request } from 'express';
import type { DingOtpStrategyOptions, OtpProvider } from 'passport-ding';
import { loadPassportDing } from '../dist.js';
import { FLOOR_POOL_SIZE } from './floor.js';
import { createShell, type BenchApp, type DingTarget, type User } from './shell.js';

// lib/http.ts DEFAULT_CONNECTIONS: the strategy has no option for it, so this is its pool.
const STRATEGY_POOL_SIZE = 16;

export const UNREACHABLE = { points: 1_000_000_000, durationSeconds: 3600 };
export const BENCH_LIMITS: DingOtpStrategyOptions['limits'] = {
  sendsPerPhone: UNREACHABLE,
  sendsPerIp: UNREACHABLE,
  sendsPerNetwork: UNREACHABLE,
  sendsPerNumberBlock: { ...UNREACHABLE, digits: 3 },
  sendsPerCountry: UNREACHABLE,
  // 64 checks at once from 127.0.0.1 hold 64 reservations until their right codes give them back.
  failedChecksPerIp: UNREACHABLE,
};

/**
 * The default limits, for the memory bench (every login a new number and address, so no budget is
 * reached) but the country budget: every bench number is a US one.
 */
export const DEFAULT_LIMITS_ONE_COUNTRY: DingOtpStrategyOptions['limits'] = { sendsPerCountry: UNREACHABLE };

export interface StrategyAppOptions {
  /** The package to take DingOtpStrategy from; default this checkout's built dist/ (baseline.ts: an earlier build). */
  load?: () => Promise<Pick<typeof import('passport-ding'), 'DingOtpStrategy'>>;
  /** Replaces the built-in Ding provider (ablation variants only). */
  provider?: OtpProvider;
  /** Default BENCH_LIMITS; `false` turns the limits off (ablation). */
  limits?: DingOtpStrategyOptions['limits'];
  /** Express `trust proxy` for loopback: the load client's X-Forwarded-For is the client address. */
  trustProxy?: boolean;
}

export async function strategyApp(ding: DingTarget, options: StrategyAppOptions = {}): Promise<BenchApp> {
  const { DingOtpStrategy } = await (options.load ?? loadPassportDing)();
  const { app, users, finish } = createShell('passport-ding');
  if (options.trustProxy) app.set('trust proxy', 'loopback');
  const auth = new passport.Passport();
  const verify = async (phoneNumber: string) => users.findOrCreate(phoneNumber);
  const limits = options.limits ?? BENCH_LIMITS;
  const strategy = options.provider
    ? new DingOtpStrategy({ provider: options.provider, limits }, verify)
    : new DingOtpStrategy({ apiKey: ding.apiKey, customerUuid: ding.customerUuid, baseUrl: ding.url, limits }, verify);
  auth.use('ding', strategy);
  auth.serializeUser<string>((user, done) => done(null, (user as User).id));
  auth.deserializeUser<string>((id, done) => done(null, users.get(id) ?? false));
  app.use(auth.session());

  app.post('/login/phone', auth.authenticate('ding', { action: 'send' }), (_req, res) => {
    res.json({ ok: true });
  });
  app.post('/login/code', auth.authenticate('ding', { action: 'verify' }), (req: Request, res) => {
    res.json({ user: { id: (req.user as User).id } });
  });
  finish();
  return { app, poolSize: options.provider ? FLOOR_POOL_SIZE : STRATEGY_POOL_SIZE, close: () => strategy.close() };
}
