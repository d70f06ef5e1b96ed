// What `onEvent` costs per login step (send or verify), in CPU microseconds: the strategy's whole
// authenticate() with an in-process provider that answers at once, with no handler and with a
// trivial one, minus the same without. The target is under 5 µs per step either way.
//
// A number with a shared calling code (+1, +7, +44) costs one libphonenumber parse (about 5 µs)
// the first time this process sees it, for the event's country; later steps for it read the
// memo (lib/event-phone.ts). The rotating set of numbers here is warm, as in a login's verify.
import type { Request } from 'express';
import { loadPassportDing, snapshotDist } from './dist.js';
import type { MicroResult } from './micro.js';
// The no-handler path is a few property reads inside authenticate(); it is timed on the module
// that holds it, since a strategy without it cannot be built to compare against.
import { Production } from '../lib/production.js';

const REPEATS = 6;
const ITERATIONS = 20_000;

type Pair = (i: number) => Promise<void>;

async function cpu(iterations: number, body: Pair): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) await body(i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / iterations;
}

export async function runEventsMicro(): Promise<MicroResult[]> {
  const { DingOtpStrategy } = await loadPassportDing();
  const phones = Array.from({ length: 64 }, (_, i) => `+1201555${String(100 + i).padStart(4, '0')}`);
  let n = 0;
  const provider = {
    name: 'bench',
    send: () => Promise.resolve({ status: 'sent' as const, id: `v${++n}`, createdAt: new Date() }),
    check: () => Promise.resolve({ status: 'valid' as const }),
    resend: () => Promise.resolve({ status: 'sent' as const }),
    close: () => Promise.resolve(),
  };
  let seen = 0;
  const variants = {
    // No limits and no resend cooldown: the same 64 numbers are sent to over and over.
    none: new DingOtpStrategy({ provider, limits: false, resendCooldownSeconds: 0 }, (phone) => Promise.resolve({ phone })),
    handler: new DingOtpStrategy({ provider, limits: false, resendCooldownSeconds: 0, onEvent: () => void seen++ }, (phone) => Promise.resolve({ phone })),
  };

  // One send and one verify through authenticate(), as Passport runs it (a per-request copy).
  const pair = (strategy: InstanceType<typeof DingOtpStrategy>): Pair => async (i) => {
    const session: Record<string, unknown> & { save(cb: () => void): void; regenerate(cb: () => void): void } = { save: (cb) => cb(), regenerate: (cb) => cb() };
    for (const [action, body] of [['send', { phoneNumber: phones[i % 64] }], ['verify', { code: '123456' }]] as const) {
      await new Promise<void>((resolve, reject) => {
        const copy = Object.create(strategy) as InstanceType<typeof DingOtpStrategy> & Record<string, unknown>;
        copy.pass = () => resolve();
        copy.success = () => resolve();
        copy.fail = () => reject(new Error('refused'));
        copy.error = (err: unknown) => reject(err);
        copy.authenticate({ body, session, ip: '127.0.0.1' } as unknown as Request, { action });
      });
    }
  };
  const bodies = { none: pair(variants.none), handler: pair(variants.handler) };
  const best = { none: Infinity, handler: Infinity };
  for (const name of ['none', 'handler'] as const) await cpu(ITERATIONS / 5, bodies[name]);
  for (let r = 0; r < REPEATS; r++) {
    for (const name of ['none', 'handler'] as const) best[name] = Math.min(best[name], await cpu(ITERATIONS, bodies[name]));
  }
  if (seen === 0) throw new Error('the handler never ran');

  const off = new Production({}, provider, { codePattern: /^[0-9]{6}$/, now: Date.now });
  const decision = { type: 'pass' } as const;
  const bare = { off: Infinity, empty: Infinity };
  const noHandler = (): number => {
    const start = process.cpuUsage();
    for (let i = 0; i < ITERATIONS * 10; i++) {
      const record = off.start();
      if (off.providerFor(record) !== provider) throw new Error('unexpected wrapper');
      off.emit('send', record, decision);
    }
    const used = process.cpuUsage(start);
    return (used.user + used.system) / (ITERATIONS * 10);
  };
  const empty = (): number => {
    const start = process.cpuUsage();
    let x = 0;
    for (let i = 0; i < ITERATIONS * 10; i++) x += i;
    const used = process.cpuUsage(start);
    return x < 0 ? 0 : (used.user + used.system) / (ITERATIONS * 10);
  };
  for (let r = 0; r < REPEATS; r++) {
    bare.off = Math.min(bare.off, noHandler());
    bare.empty = Math.min(bare.empty, empty());
  }
  return [
    {
      name: 'events: no handler, per step',
      perLogin: 2,
      usPerLogin: Math.max(0, bare.off - bare.empty) * 2,
      note: 'start + provider + emit with events off; target < 5 µs per step',
    },
    {
      name: 'events: onEvent with a trivial handler, per step',
      perLogin: 2,
      usPerLogin: best.handler - best.none,
      note: `send + verify: ${best.none.toFixed(1)} µs without, ${best.handler.toFixed(1)} µs with; target < 5 µs per step`,
    },
  ];
}

// `tsx bench/events.ts` runs it alone.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/bench\//, '/bench/'))) {
  snapshotDist();
  void runEventsMicro().then((results) => {
    for (const r of results) console.log(`${(r.usPerLogin / r.perLogin).toFixed(2)} µs per step  ${r.name} (${r.note})`);
  });
}
