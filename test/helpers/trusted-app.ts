// A second-factor app with trusted devices, on the FakeProvider and the test app of ./app.ts
// (Express 5, express-session, Passport). The guard is written as an app would write it:
// POST /2fa/start skips the SMS for a trusted device, else sends the code.
import express5 from 'express';
import { DingOtpStrategy } from 'passport-ding';
import type { DingOtpStrategyOptions, TrustedDevicesOptions } from 'passport-ding';
import { createApp } from './app.js';
import type { TestApp } from './app.js';
import type { TestClock } from './clock.js';
import { testClock } from './clock.js';
import { FakeProvider } from './fake-provider.js';
import type { TestUser } from './users.js';
import { Users } from './users.js';

/** The device cookie's default name on plain HTTP to this machine, and on a Secure origin. */
export const COOKIE = 'passport-ding.device';
export const SECURE_COOKIE = '__Host-passport-ding.device';

export interface TrustedApp {
  strategy: DingOtpStrategy;
  fake: FakeProvider;
  t: TestApp;
  users: Users;
  clock: TestClock;
}

export function trustedApp(
  trustedDevices: TrustedDevicesOptions | boolean = true,
  shared: { users?: Users; clock?: TestClock; fake?: FakeProvider; options?: Partial<DingOtpStrategyOptions> } = {},
): TrustedApp {
  const clock = shared.clock ?? testClock();
  const fake = shared.fake ?? new FakeProvider({ now: clock.providerNow });
  const users = shared.users ?? new Users();
  const { secondFactor = (req) => (req.user as TestUser | undefined)?.phoneNumber, ...options }: Partial<DingOtpStrategyOptions> = shared.options ?? {};
  const strategy = new DingOtpStrategy({
    provider: fake,
    now: clock.now,
    secondFactor,
    trustedDevices,
    limits: false,
    ...options,
  });
  const t = createApp({
    express: express5,
    users,
    strategies: { 'ding-2fa': strategy },
    routes: (app, auth) => {
      // The app's guard: a trusted device skips the SMS; any other goes on to send the code.
      app.post(
        '/2fa/start',
        (req, res, next) => {
          strategy.isTrustedDevice(req).then((trusted) => {
            if (!trusted) return next();
            req.session.secondFactor = true;
            res.json({ skipped: true });
          }, next);
        },
        auth.authenticate('ding-2fa', { action: 'send' }),
        (_req, res) => res.json({ skipped: false }),
      );
      // The verify step with a custom callback, as apps that render their own pages write it.
      app.post('/2fa/code-callback', (req, res, next) => {
        auth.authenticate('ding-2fa', { action: 'verify' }, (err: unknown, user: TestUser | false, info: unknown, status?: number) => {
          if (err) return next(err);
          if (!user) return res.status(status ?? 401).json(info);
          req.logIn(user, { session: true, keepSessionInfo: true }, (loginErr) => (loginErr ? next(loginErr) : res.json({ ok: true })));
        })(req, res, next);
      });
      app.get('/2fa/trusted', (req, res, next) => {
        strategy.isTrustedDevice(req).then((trusted) => res.json({ trusted }), next);
      });
      app.post('/device/forget', (req, res, next) => {
        strategy.forgetDevice(req, res).then((forgotten) => res.json({ forgotten }), next);
      });
      app.post('/devices/forget-all', (req, res, next) => {
        strategy.forgetAllDevices((req.user as TestUser).id).then((count) => res.json({ count }), next);
      });
      app.post('/logout', (req, res, next) => {
        req.logOut((err) => (err ? next(err) : res.json({ ok: true })));
      });
    },
  });
  return { strategy, fake, t, users, clock };
}
