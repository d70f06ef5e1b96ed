// An SMS-pumping run against the limits alone, in a process of its own (a clean heap): every
// attempt a send to a new number from a new address, as Prelude's send path does it (a send
// reservation with the resend cooldown, then the window owner's mark), with the default limits
// and the default key cap. Reports the heap after a full GC every `attempts / samples` attempts,
// and the array buffers beside it: the store's slot arrays live outside the heap.
// Run by memory.ts with --expose-gc; told what to do by env.
import { Limits, resolveLimits } from '../lib/limits/index.js';
import type { MemoryStore } from '../lib/limits/index.js';
import { distinctSender } from './load.js';

const attempts = Number(process.env.BENCH_PUMP_ATTEMPTS ?? 500_000);
const samples = Number(process.env.BENCH_PUMP_SAMPLES ?? 10);

function heap(): { heapUsed: number; arrayBuffers: number } {
  globalThis.gc?.();
  globalThis.gc?.();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return { heapUsed, arrayBuffers };
}

// Every bench number is a US one: the country budget would refuse most of them, and a refused
// attempt keeps nothing. Without it every attempt is admitted: the most keys a run can leave.
const settings = resolveLimits({ sendsPerCountry: false });
if (!settings || settings.store.kind !== 'memory') throw new Error('expected the memory store');
const limits = new Limits(settings);
const store = limits.store as MemoryStore;
const start = heap();
const rows: Array<{ attempts: number; heapUsed: number; arrayBuffers: number; keys: number; admitted: number }> = [];
let admitted = 0;
const every = Math.max(1, Math.floor(attempts / samples));
const began = performance.now();
for (let n = 0; n < attempts; n += 1) {
  const { phone, ip } = distinctSender(n);
  const decision = await limits.reserveSend(phone, ip, 30_000);
  if (decision.ok) {
    admitted += 1;
    await limits.takeWindow(phone, 'owner-token-16ch', 600_000);
  }
  if ((n + 1) % every === 0) rows.push({ attempts: n + 1, ...heap(), keys: store.size, admitted });
}
process.send?.({ start: start.heapUsed, startBuffers: start.arrayBuffers, rows, maxKeys: settings.store.maxKeys, seconds: (performance.now() - began) / 1000 });
