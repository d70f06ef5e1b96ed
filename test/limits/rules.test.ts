// Every rule of the limits, on the memory store and on a real Redis shared by two Limits objects
// (two app instances): each new budget refuses an SMS-pumping pattern (sequential numbers from
// rotating addresses, a /48 spread, one country, the whole app) while a normal mix of users
// passes; the consecutive-failure cap and the per-address wrong-code rule; the resend cooldown
// across sessions; the window owner. Refusals name their rule (for events), as a plain string.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Limits, resolveLimits } from '../../lib/limits/index.js';
import type { LimitDecision, LimitsOptions } from '../../lib/limits/index.js';
import { redisGate } from '../helpers/env.js';
import { redisClients } from '../helpers/redis-clients.js';
import { ALL_RULES_OFF } from '../helpers/limit-rules.js';
import { normalizePhone } from '../../lib/phone.js';

type Pair = () => [Limits, Limits];

function refusedBy(decision: LimitDecision | { ok: boolean; rule?: string }): string {
  if (decision.ok) throw new Error('expected a refusal');
  return (decision as { rule: string }).rule;
}


/** Sequential numbers in one US block: +1201555 0100, 0101, ... */
const seq = (i: number): string => `+1201555${String(100 + i).padStart(4, '0')}`;
/** Unrelated numbers: one per block, each from its own area code. */
const user = (i: number): string => `+1${[202, 212, 305, 415, 512, 617, 702, 808][i % 8]}7${String(100_000 + i * 7919).slice(-6)}`;

function suite(name: string, pair: (options: LimitsOptions) => [Limits, Limits]): void {
  describe(`limit rules (${name})`, () => {
    const make = (options: LimitsOptions): Pair => () => pair({ ...ALL_RULES_OFF, ...options });

    it('sendsPerNumberBlock: sequential numbers from rotating addresses are stopped at the block budget; other blocks pass', async () => {
      const [a, b] = make({ sendsPerNumberBlock: { points: 5, durationSeconds: 600, digits: 3 } })();
      for (let i = 0; i < 5; i += 1) expect((await (i % 2 ? a : b).reserveSend(seq(i), `198.51.${i}.7`)).ok).toBe(true);
      const refusal = await a.reserveSend(seq(5), '192.0.2.200');
      expect(refusedBy(refusal)).toBe('sendsPerNumberBlock');
      expect(refusal.ok ? 0 : refusal.retryAfter).toBeGreaterThan(500);
      // Normal users: numbers in other blocks.
      for (let i = 0; i < 8; i += 1) expect((await b.reserveSend(user(i), `203.0.113.${i}`)).ok).toBe(true);
    });

    // attack3: in a variable-length numbering plan (Germany, Austria, Italy's fixed lines, several
    // premium-rate ranges) whoever holds the range +49 30 123 also holds every longer number that
    // starts with it (extensions dialled through), and each length is a valid E.164 number. The
    // block key was "all but the last `digits` digits", so each extra digit opened ten times as many
    // fresh blocks. Now a number longer than its type's typical national length (German fixed lines:
    // 11, lib/limits/block-length.ts) is cut to it first, so the range's numbers of that length and
    // longer count as one block. Numbers shorter than typical keep their own block per length (at
    // most one per length for a range that holds them; test/limits/block-keys.test.ts).
    it('sendsPerNumberBlock: one variable-length range cannot escape its block by adding digits', async () => {
      const [a, b] = make({ sendsPerNumberBlock: { points: 3, durationSeconds: 600, digits: 3 } })();
      // +49 30 123 000001, +49 30 123 0000001, ... : one range, 11 to 13 national digits (E.164's 15).
      const spread = [5, 6, 7, 6, 7, 5].map((extra, i) => `+4930123${'0'.repeat(extra)}${i + 1}`);
      for (const n of spread) expect(normalizePhone(n)).toMatchObject({ ok: true, e164: n, country: 'DE' });
      const decisions: boolean[] = [];
      for (const [i, n] of spread.entries()) decisions.push((await (i % 2 ? a : b).reserveSend(n, `198.51.${i}.7`)).ok);
      expect(decisions).toEqual([true, true, true, false, false, false]);
      // Another German range, and a German mobile, are other blocks.
      expect((await a.reserveSend('+493098700000001', '198.51.9.7')).ok).toBe(true);
      expect((await b.reserveSend('+4915123456789', '198.51.9.8')).ok).toBe(true);
    });

    it('sendsPerNetwork: a /48 spread over many /64s, and an IPv4 /24, count as one network', async () => {
      const [a, b] = make({ sendsPerNetwork: { points: 4, durationSeconds: 600 } })();
      for (let i = 0; i < 4; i += 1) expect((await (i % 2 ? a : b).reserveSend(user(i), `2001:db8:aa:${i.toString(16)}::1`)).ok).toBe(true);
      expect(refusedBy(await a.reserveSend(user(10), '2001:db8:aa:ffff::9'))).toBe('sendsPerNetwork');
      for (let i = 0; i < 4; i += 1) expect((await b.reserveSend(user(20 + i), `198.51.100.${i + 1}`)).ok).toBe(true);
      expect(refusedBy(await b.reserveSend(user(30), '198.51.100.250'))).toBe('sendsPerNetwork');
      // Other networks pass.
      expect((await a.reserveSend(user(31), '2001:db8:bb::1')).ok).toBe(true);
      expect((await a.reserveSend(user(32), '198.51.101.1')).ok).toBe(true);
    });

    it('sendsPerCountry: one country stopped at its budget, a country given its own budget, others pass', async () => {
      const [a, b] = make({ sendsPerCountry: { points: 3, durationSeconds: 3600, countries: { US: 6 } } })();
      const gb = (i: number): string => `+4479111234${String(10 + i)}`;
      for (let i = 0; i < 3; i += 1) expect((await (i % 2 ? a : b).reserveSend(gb(i), `203.0.113.${i}`)).ok).toBe(true);
      expect(refusedBy(await a.reserveSend(gb(5), '203.0.113.9'))).toBe('sendsPerCountry');
      for (let i = 0; i < 6; i += 1) expect((await b.reserveSend(user(i), `203.0.113.${i}`)).ok).toBe(true);
      expect(refusedBy(await a.reserveSend(user(7), '203.0.113.9'))).toBe('sendsPerCountry');
      expect((await a.reserveSend('+33612345678', '203.0.113.9')).ok).toBe(true);
      // The caller's country (the send step parsed the number already) is the one counted: US
      // numbers said to be German pass the spent US budget, and fill Germany's.
      for (let i = 0; i < 3; i += 1) expect((await a.reserveSend(user(10 + i), '203.0.113.9', 0, 'DE')).ok).toBe(true);
      expect(refusedBy(await a.reserveSend('+33612345679', '203.0.113.9', 0, 'DE'))).toBe('sendsPerCountry');
    });

    it('sendsGlobal: off by default; set, it stops every send past the budget', async () => {
      const settings = resolveLimits({});
      expect(settings?.rules.sendsGlobal).toBeUndefined();
      const [a, b] = make({ sendsGlobal: { points: 4, durationSeconds: 3600 } })();
      for (let i = 0; i < 4; i += 1) expect((await (i % 2 ? a : b).reserveSend(user(i), `203.0.113.${i}`)).ok).toBe(true);
      expect(refusedBy(await b.reserveSend(user(9), '192.0.2.1'))).toBe('sendsGlobal');
    });

    it('a refusal spends nothing on the other rules, and release() gives every point back', async () => {
      const [a, b] = make({ sendsPerPhone: { points: 2, durationSeconds: 600 }, sendsPerIp: { points: 1, durationSeconds: 600 } })();
      expect((await a.reserveSend(seq(1), '192.0.2.1')).ok).toBe(true);
      expect(refusedBy(await b.reserveSend(seq(1), '192.0.2.1'))).toBe('sendsPerIp');
      const grant = await b.reserveSend(seq(1), '192.0.2.2');
      if (!grant.ok) throw new Error('refused');
      await grant.release();
      expect((await a.reserveSend(seq(1), '192.0.2.3')).ok).toBe(true);
      expect(refusedBy(await a.reserveSend(seq(1), '192.0.2.4'))).toBe('sendsPerPhone');
    });

    it('resend cooldown: a second send to one number within it is refused (any session, any instance), another number passes', async () => {
      const [a, b] = make({})();
      expect((await a.reserveSend(seq(1), '192.0.2.1', 30_000)).ok).toBe(true);
      for (let i = 0; i < 4; i += 1) {
        const again = await (i % 2 ? a : b).reserveSend(seq(1), `192.0.2.${i + 2}`, 30_000);
        expect(refusedBy(again)).toBe('resendCooldown');
        expect(again.ok ? 0 : again.retryAfter).toBeLessThanOrEqual(30);
      }
      expect((await b.reserveSend(seq(2), '192.0.2.1', 30_000)).ok).toBe(true);
    });

    it('failedChecksPerIp: one address spreading wrong codes over many numbers is stopped', async () => {
      const [a, b] = make({ failedChecksPerIp: { points: 5, durationSeconds: 3600 } })();
      for (let i = 0; i < 5; i += 1) expect((await (i % 2 ? a : b).reserveFailedCheck(user(i), '198.51.100.7')).ok).toBe(true);
      expect(refusedBy(await a.reserveFailedCheck(user(9), '198.51.100.7'))).toBe('failedChecksPerIp');
      expect((await b.reserveFailedCheck(user(9), '198.51.100.8')).ok).toBe(true);
    });

    it('consecutiveFailuresPerPhone: past the cap no check (and no send) for the number until a right code or resetPhone()', async () => {
      const [a, b] = make({ consecutiveFailuresPerPhone: { points: 4, durationSeconds: 30 * 86_400 } })();
      for (let i = 0; i < 4; i += 1) expect((await (i % 2 ? a : b).reserveFailedCheck(seq(1), `203.0.113.${i}`)).ok).toBe(true);
      const locked = await a.reserveFailedCheck(seq(1), '203.0.113.50');
      expect(refusedBy(locked)).toBe('consecutiveFailuresPerPhone');
      expect(locked.ok ? 0 : locked.retryAfter).toBeGreaterThan(29 * 86_400);
      expect(refusedBy(await b.reserveSend(seq(1), '203.0.113.51'))).toBe('consecutiveFailuresPerPhone');
      // The operator resets the number (on any instance).
      await b.resetPhone(seq(1));
      expect((await a.reserveSend(seq(1), '203.0.113.52')).ok).toBe(true);
      const grant = await a.reserveFailedCheck(seq(1), '203.0.113.52');
      if (!grant.ok) throw new Error('refused');
      // A right code clears the count too.
      for (let i = 0; i < 2; i += 1) expect((await b.reserveFailedCheck(seq(1), '203.0.113.53')).ok).toBe(true);
      const right = await b.reserveFailedCheck(seq(1), '203.0.113.53');
      if (!right.ok) throw new Error('refused');
      await right.clear();
      for (let i = 0; i < 4; i += 1) expect((await a.reserveFailedCheck(seq(1), '203.0.113.54')).ok).toBe(true);
      expect(refusedBy(await a.reserveFailedCheck(seq(1), '203.0.113.54'))).toBe('consecutiveFailuresPerPhone');
    });

    it('window owner: only the last session to send owns the number, on every instance', async () => {
      const [a, b] = make({})();
      await a.takeWindow(seq(1), 'session-A', 600_000);
      expect(await b.windowHolder(seq(1), 'session-A')).toBe('owner');
      await b.takeWindow(seq(1), 'session-B', 600_000);
      expect(await a.windowHolder(seq(1), 'session-A')).toBe('other');
      expect(await a.windowHolder(seq(1), 'session-B')).toBe('owner');
      expect(await a.windowHolder(seq(1), undefined)).toBe('other');
      // A's leaving does not drop B's claim; B's does.
      await a.leaveWindow(seq(1), 'session-A');
      expect(await b.windowHolder(seq(1), 'session-B')).toBe('owner');
      await b.leaveWindow(seq(1), 'session-B');
      expect(await a.windowHolder(seq(1), 'session-B')).toBe('given back');
    });

    it('the defaults let a normal mix of users through: 200 people, one send and a typo each, from 50 addresses', async () => {
      const [a, b] = pair({});
      for (let i = 0; i < 200; i += 1) {
        const phone = `+1${[201, 212, 305, 415, 512, 617, 702, 808][i % 8]}${String(2_000_000 + i * 4_999).slice(-7)}`;
        const ip = `203.0.${113 + (i % 5)}.${i % 50}`;
        const instance = i % 2 ? a : b;
        expect((await instance.reserveSend(phone, ip, 30_000)).ok).toBe(true);
        const wrong = await instance.reserveFailedCheck(phone, ip);
        expect(wrong.ok).toBe(true);
        const right = await (i % 2 ? b : a).reserveFailedCheck(phone, ip);
        if (!right.ok) throw new Error(`refused by ${right.rule}`);
        await right.clear();
      }
    });
  });
}

suite('memory', (options) => {
  const settings = resolveLimits(options);
  if (!settings) throw new Error('off');
  // One process: both "instances" share one Limits, as one app's requests do.
  const limits = new Limits(settings);
  return [limits, limits];
});

if (redisGate('limit rules on Redis')) {
  const prefix = `passport-ding-test:${randomBytes(6).toString('hex')}:`;
  const clients = redisClients(2, prefix);
  let n = 0;
  suite('Redis, two instances', (options) => {
    // A prefix per test: each starts with an empty store.
    const own = `${prefix}${(n += 1)}:`;
    const instance = (i: number): Limits => {
      const settings = resolveLimits({ ...options, store: { redis: clients[i] as object, prefix: own }, keySecret: 'rules test secret' });
      if (!settings) throw new Error('off');
      return new Limits(settings);
    };
    return [instance(0), instance(1)];
  });
}
