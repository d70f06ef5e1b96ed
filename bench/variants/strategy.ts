// The library as an app uses it: Passport with DingOtpStrategy, JSON routes, a user found or
// created by the verified number, Passport's session login (regenerate + save).
import passport from 'passport';
import type { Request } from 'express';
import type { OtpProvider } from 'passport-ding';
import { loadPassportDing } from '../dist.js';
import { FLOOR_POOL_SIZE } from './floor.js';
import { createShell, type BenchApp, type DingTarget, type User } from './shell.js';

// lib/http.ts DEFAULT_CONNECTIONS: the strategy has no option for it, so this is its pool.
const STRATEGY_POOL_SIZE = 16;

/** `provider` replaces the built-in Ding provider (for the ablation variants only). */
export async function strategyApp(ding: DingTarget, provider?: OtpProvider): Promise<BenchApp> {
  const { DingOtpStrategy } = await loadPassportDing();
  const { app, users, finish } = createShell('passport-ding');
  const auth = new passport.Passport();
  const verify = async (phoneNumber: string) => users.findOrCreate(phoneNumber);
  const strategy = provider
    ? new DingOtpStrategy({ provider }, verify)
    : new DingOtpStrategy({ apiKey: ding.apiKey, customerUuid: ding.customerUuid, baseUrl: ding.url }, verify);
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
  return { app, poolSize: provider ? FLOOR_POOL_SIZE : STRATEGY_POOL_SIZE, close: () => strategy.close() };
}
