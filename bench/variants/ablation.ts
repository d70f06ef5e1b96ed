// Variants that add or remove one piece of the cost, to say what costs what:
// - floor-regex: the floor with an E.164 pattern for the phone instead of libphonenumber-js.
// - floor-bare (in the default run): floor-regex logging in by hand (regenerate, user id, save)
//   instead of through Passport, and without passport.session(): the least an app can do.
// - strategy-raw: the strategy app with a provider over the floor's raw undici calls, i.e.
//   without passport-ding's HTTP layer, DingClient and DingProvider (deadline, reply checks).
// - strategy-nolimits: the strategy app with `limits: false` (no limit counters; the resend
//   cooldown's mark is still kept).
// - strategy-release-rules: the strategy app with only the rules the 0.1.0 release had (sends per
//   number and per address, out of reach; wrong codes per number), the budgets added since off:
//   beside strategy-baseline, what this version costs for the same work.
// - strategy-distinct / strategy-distinct-nolimits: the strategy app with the default limits (or
//   none), trusting X-Forwarded-For from loopback, for the memory bench, where every login is a
//   new number from a new address.
// Read as a ladder: floor-bare -> floor-regex (+ Passport's session login) -> floor
// (+ libphonenumber-js) -> strategy-raw (+ the strategy) -> strategy (+ passport-ding's HTTP
// layer); strategy-nolimits beside strategy.
import type { OtpProvider } from 'passport-ding';
import { undiciUpstream } from './floor.js';
import { e164Pattern, handwrittenApp } from './handwritten.js';
import type { BenchApp, DingTarget } from './shell.js';
import { DEFAULT_LIMITS_ONE_COUNTRY, strategyApp, UNREACHABLE } from './strategy.js';

function rawProvider(ding: DingTarget): OtpProvider {
  const upstream = undiciUpstream(ding);
  return {
    name: 'ding',
    async send(request) {
      const ip = request.signals?.ip;
      const reply = await upstream.post('/authentication', {
        customer_uuid: ding.customerUuid,
        phone_number: request.phoneNumber,
        ip: ip?.startsWith('::ffff:') ? ip.slice(7) : ip,
      });
      if (reply.status !== 'pending' || typeof reply.authentication_uuid !== 'string') return { status: 'rate_limited' };
      return { status: 'sent', id: reply.authentication_uuid, createdAt: new Date() };
    },
    async check(request) {
      const reply = await upstream.post('/check', {
        customer_uuid: ding.customerUuid,
        authentication_uuid: request.id,
        check_code: request.code,
      });
      return { status: reply.status === 'valid' ? 'valid' : 'invalid' };
    },
    async resend() {
      return { status: 'too_soon' };
    },
    close: () => upstream.close(),
  };
}

export async function strategyRawApp(ding: DingTarget): Promise<BenchApp> {
  return strategyApp(ding, { provider: rawProvider(ding) });
}

export async function strategyNoLimitsApp(ding: DingTarget): Promise<BenchApp> {
  return strategyApp(ding, { limits: false });
}

export async function strategyReleaseRulesApp(ding: DingTarget): Promise<BenchApp> {
  const off = { sendsPerNetwork: false, sendsPerNumberBlock: false, sendsPerCountry: false, failedChecksPerIp: false, consecutiveFailuresPerPhone: false } as const;
  return strategyApp(ding, { limits: { sendsPerPhone: UNREACHABLE, sendsPerIp: UNREACHABLE, ...off } });
}

export async function floorRegexApp(ding: DingTarget): Promise<BenchApp> {
  return handwrittenApp(ding, undiciUpstream(ding), { checkPhone: e164Pattern });
}

export async function floorBareApp(ding: DingTarget): Promise<BenchApp> {
  return handwrittenApp(ding, undiciUpstream(ding), { checkPhone: e164Pattern, sessionLogin: 'by-hand' });
}

export async function strategyDistinctApp(ding: DingTarget): Promise<BenchApp> {
  return strategyApp(ding, { limits: DEFAULT_LIMITS_ONE_COUNTRY, trustProxy: true });
}

export async function strategyDistinctNoLimitsApp(ding: DingTarget): Promise<BenchApp> {
  return strategyApp(ding, { limits: false, trustProxy: true });
}
