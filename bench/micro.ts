// What the pieces of a strategy login cost on their own, in CPU microseconds per login (each
// piece times the number of times one login runs it). These are warm, tight loops: in the app
// the same code runs cache-cold between sockets and costs more, so read them as a ranking and
// a lower bound, next to the end-to-end figures and the ablation variants.
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import passport from 'passport';
import { Strategy } from 'passport-strategy';
import { Limits, noLimits, resolveLimits } from '../lib/limits/index.js';
import { CheckSerializer } from '../lib/serialize.js';
import { Pool } from 'undici';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { loadPassportDing } from './dist.js';
import { runEventsMicro } from './events.js';
import type { DingTarget } from './variants/shell.js';

export interface MicroResult {
  name: string;
  /** How many times one login runs it. */
  perLogin: number;
  /** CPU microseconds per login (best of the repeats). */
  usPerLogin: number;
  note: string;
}

const REPEATS = 6;

type Body = (i: number) => unknown;

async function loop(iterations: number, body: Body): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) {
    const out = body(i);
    if (out instanceof Promise) await out;
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / iterations;
}

/**
 * Best-of-REPEATS CPU time per iteration of each body, in microseconds. The bodies take turns
 * (a, b, a, b, ...) after a warm-up, so a change in background load or in shared state (the
 * sandbox's maps fill up) hits them alike.
 */
async function cpuPerOp<K extends string>(iterations: number, bodies: Record<K, Body>): Promise<Record<K, number>> {
  const names = Object.keys(bodies) as K[];
  const best = {} as Record<K, number>;
  for (const name of names) {
    await loop(Math.ceil(iterations / 5), bodies[name]);
    best[name] = Infinity;
  }
  for (let r = 0; r < REPEATS; r++) {
    for (const name of names) best[name] = Math.min(best[name], await loop(iterations, bodies[name]));
  }
  return best;
}

class PassStrategy extends Strategy {
  override authenticate(): void {
    this.pass();
  }
}

export async function runMicro(): Promise<MicroResult[]> {
  const out: MicroResult[] = [];
  const add = (name: string, perLogin: number, usPerOp: number, note: string): void => {
    out.push({ name, perLogin, usPerLogin: usPerOp * perLogin, note });
  };

  // 1. Phone number check (send).
  const phones = Array.from({ length: 64 }, (_, i) => `+1201555${String(100 + i).padStart(4, '0')}`);
  const phone = await cpuPerOp(20_000, {
    lib: (i) => parsePhoneNumberFromString(phones[i % 64] as string)?.isValid(),
    regex: (i) => /^\+[1-9][0-9]{6,14}$/.test(phones[i % 64] as string),
  });
  add('phone: libphonenumber parse + isValid', 1, phone.lib - phone.regex, 'minus an E.164 regex, as floor-regex checks');

  // 2. Abuse limits (memory store, every rule on, budgets out of reach): a send's reservation
  // (with the resend cooldown), then a check's reservation and a right code's clear.
  const far = { points: 1_000_000, durationSeconds: 3600 };
  const settings = resolveLimits({ sendsPerPhone: far, sendsPerIp: far, sendsPerNetwork: far, sendsPerNumberBlock: { ...far, digits: 3 }, sendsPerCountry: far, sendsGlobal: far });
  if (!settings) throw new Error('limits are off');
  const limiter = new Limits(settings);
  const { limits } = await cpuPerOp(20_000, {
    limits: async (i) => {
      const phone = phones[i % 64] as string;
      const sent = await limiter.reserveSend(phone, '127.0.0.1', 30_000);
      if (!sent.ok) throw new Error(`refused by ${sent.rule}`);
      const check = await limiter.reserveFailedCheck(phone, '127.0.0.1');
      if (!check.ok) throw new Error(`refused by ${check.rule}`);
      await check.clear();
    },
  });
  add('limits: a send, a check, a right code (memory)', 1, limits, 'lib/limits, lru-cache store, every rule on');

  // 2b. The same with `limits: false`, one number at a time: the store keeps only the resend
  // cooldown's mark, which the right code deletes, so each login empties the store
  // (lib/lru-delete.ts: lru-cache would refill its 200,000 slots at each of those deletes).
  const marksOnly = new Limits(noLimits());
  const { marks } = await cpuPerOp(5_000, {
    marks: async () => {
      const sent = await marksOnly.reserveSend(phones[0] as string, '127.0.0.1', 30_000);
      if (!sent.ok) throw new Error(`refused by ${sent.rule}`);
      const check = await marksOnly.reserveFailedCheck(phones[0] as string, '127.0.0.1');
      if (!check.ok) throw new Error(`refused by ${check.rule}`);
      await check.clear();
    },
  });
  add('limits off: a send, a check, a right code (memory)', 1, marks, 'the resend cooldown mark alone, in a store it leaves empty');

  // 3. The check queue's ledger at its bound (10,000 verifications finished within their codes'
  // lifetime: about 17 logins a second): every right code adds an id and pushes out the oldest.
  const serializer = new CheckSerializer();
  const later = Date.now() + 3_600_000;
  for (let i = 0; i < 10_000; i++) serializer.finish(`fill-${i}`, later, 0);
  const ledger = await cpuPerOp(50_000, { finish: (i) => serializer.finish(`v-${i}`, later, 0) });
  if (serializer.size.ledger !== 10_000) throw new Error('the ledger is not at its bound');
  add('check ledger: finish() at its bound (10,000 ids)', 1, ledger.finish, 'lib/serialize.ts: the id in, the oldest out');

  // 4. Passport around a strategy: authenticate() per request (copy of the strategy, closures).
  const auth = new passport.Passport();
  auth.use('pass', new PassStrategy());
  const middleware = auth.authenticate('pass', { action: 'send' });
  const req = {} as Parameters<typeof middleware>[0];
  const res = {} as Parameters<typeof middleware>[1];
  const viaPassport = await cpuPerOp(50_000, { passport: () => middleware(req, res, () => {}), direct: () => {} });
  add('passport: authenticate() per request', 2, viaPassport.passport - viaPassport.direct, 'Object.create(strategy) + action closures');

  // 5. The HTTP client: DingClient (lib/http.ts + reply checks) against raw undici, same sandbox.
  // The sandbox runs in a child process: the CPU measured here is the client's alone.
  const child = fork(fileURLToPath(new URL('./sandbox-child.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'] });
  const [sandbox] = (await once(child, 'message')) as [DingTarget];
  const { DingClient } = await loadPassportDing();
  try {
    const client = new DingClient({ apiKey: sandbox.apiKey, customerUuid: sandbox.customerUuid, baseUrl: sandbox.url });
    const url = new URL(sandbox.url);
    const pool = new Pool(url.origin, { connections: 16 });
    const headers = { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': sandbox.apiKey };
    const raw = async (phone: string): Promise<void> => {
      const res = await pool.request({
        method: 'POST',
        path: `${url.pathname}/authentication`,
        headers,
        body: JSON.stringify({ customer_uuid: sandbox.customerUuid, phone_number: phone, ip: '127.0.0.1' }),
      });
      const reply = (await res.body.json()) as { authentication_uuid: string };
      const checked = await pool.request({
        method: 'POST',
        path: `${url.pathname}/check`,
        headers,
        body: JSON.stringify({ customer_uuid: sandbox.customerUuid, authentication_uuid: reply.authentication_uuid, check_code: '000000' }),
      });
      await checked.body.json();
    };
    const lib = async (phone: string): Promise<void> => {
      const reply = await client.createAuthentication({ phoneNumber: phone, ip: '127.0.0.1' });
      await client.check({ authenticationUuid: reply.authenticationUuid ?? '', checkCode: '000000' });
    };
    const http = await cpuPerOp(1500, { raw: (i) => raw(phones[i % 64] as string), lib: (i) => lib(phones[i % 64] as string) });
    add('http: DingClient vs raw undici (create + check)', 1, http.lib - http.raw, `client CPU: raw ${http.raw.toFixed(0)} µs, DingClient ${http.lib.toFixed(0)} µs`);
    await Promise.all([client.close(), pool.close()]);
  } finally {
    child.disconnect();
    await once(child, 'exit');
  }
  out.push(...(await runEventsMicro()));
  return out;
}
