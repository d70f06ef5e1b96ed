// What `onEvent` costs per login step (send or verify), in CPU microseconds: everything a step
// runs for its event, with no handler and with a trivial one, against the bare provider call.
// The target is under 5 µs per step either way.
//
// A step with events on takes a record at its start, calls the provider through a recording view
// (latency, verification id), and at its end builds the event (masked number, country) and hands
// it over. That is all the strategy adds for events (the actions only fill the record), so it is
// timed here on its own (lib/production.ts, as the strategy wires it), against an in-process
// provider that answers at once: a difference of two loops of a few microseconds each, not of two
// whole logins of ~70 µs, where a few per cent of noise would be larger than the figure.
//
// A number with a shared calling code (+1, +7, +44) costs one libphonenumber parse (about 5 µs)
// the first time this process sees it, for the event's country; later steps for it read the
// memo (lib/event-phone.ts). The rotating set of numbers here is warm, as in a login's verify.
import type { MicroResult } from './micro.js';
import type { DecisionSummary } from '../lib/events.js';
import { Production } from '../lib/production.js';
import type { OtpProvider } from '../lib/providers/provider.js';

const REPEATS = 9;
const ITERATIONS = 50_000;

type Step = (i: number) => Promise<void> | void;

async function cpu(iterations: number, body: Step): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) {
    const out = body(i);
    if (out) await out;
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / iterations;
}

export async function runEventsMicro(): Promise<MicroResult[]> {
  const phones = Array.from({ length: 64 }, (_, i) => `+1201555${String(100 + i).padStart(4, '0')}`);
  const sent = { status: 'sent' as const, id: 'v1', createdAt: new Date() };
  const provider: OtpProvider = {
    name: 'bench',
    send: () => Promise.resolve(sent),
    check: () => Promise.resolve({ status: 'valid' as const }),
    resend: () => Promise.resolve({ status: 'sent' as const }),
    close: () => Promise.resolve(),
  };
  const settings = { codePattern: /^[0-9]{6}$/, now: Date.now };
  let seen = 0;
  const off = new Production({}, provider, settings);
  const handler = new Production({ onEvent: () => void seen++ }, provider, settings);
  const decision: DecisionSummary = { type: 'pass' };

  // One step as authenticate() and the send action run it: start, the provider call, the
  // record's country (from the send step's parse), the event.
  const step = (production: Production): Step => async (i) => {
    const record = production.start();
    const phoneNumber = phones[i % 64] as string;
    await production.providerFor(record).send({ phoneNumber, signals: {} });
    if (record) record.country = 'US';
    production.emit('send', record, decision);
  };
  // The provider call alone: what the step costs without Production in the way.
  const bare: Step = async (i) => {
    await provider.send({ phoneNumber: phones[i % 64] as string, signals: {} });
  };
  const bodies = { bare, off: step(off), handler: step(handler) };
  const names = ['bare', 'off', 'handler'] as const;
  const best = { bare: Infinity, off: Infinity, handler: Infinity };
  for (const name of names) await cpu(ITERATIONS / 5, bodies[name]);
  // Turns (bare, off, handler, bare, ...), best of each: a change in background load hits all three.
  for (let r = 0; r < REPEATS; r++) {
    for (const name of names) best[name] = Math.min(best[name], await cpu(ITERATIONS, bodies[name]));
  }
  if (seen === 0) throw new Error('the handler never ran');
  const perStep = (us: number): number => Math.max(0, us - best.bare);
  // A login is two steps (send, verify): the table reads per login, the target per step.
  return [
    {
      name: 'events: no handler (send + verify)',
      perLogin: 2,
      usPerLogin: perStep(best.off) * 2,
      note: `${perStep(best.off).toFixed(2)} µs per step: start + provider + emit with events off, minus the bare provider call (${best.bare.toFixed(2)} µs); target < 5 µs per step`,
    },
    {
      name: 'events: onEvent with a trivial handler (send + verify)',
      perLogin: 2,
      usPerLogin: perStep(best.handler) * 2,
      note: `${perStep(best.handler).toFixed(2)} µs per step: record + recording provider + event + handler, minus the bare provider call; target < 5 µs per step`,
    },
  ];
}

// `tsx bench/events.ts` runs it alone.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/bench\//, '/bench/'))) {
  void runEventsMicro().then((results) => {
    for (const r of results) console.log(`${r.name}: ${r.note}`);
  });
}
