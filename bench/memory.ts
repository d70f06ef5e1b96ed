// The memory bench: what the limits keep per distinct sender, and whether the heap stops growing
// under an SMS-pumping run.
//
// 1. Bytes per distinct sender: the strategy app with the default limits, then with `limits:
//    false`, each in a server child; every login a new number from a new address (X-Forwarded-For),
//    logged out after (no session stays). Heap after a full GC before and after `logins` logins;
//    limits on minus limits off, per login, is what the limits keep per sender.
// 2. Pumping: `attempts` sends to new numbers from new addresses against the limits alone, with
//    the default key cap (pumping-child.ts); the heap after GC every tenth of the run.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startServerChild } from './child.js';
import { loadSandbox } from './dist.js';
import { LoadClient } from './load.js';
import { slope } from './measure.js';

export interface PerSender {
  logins: number;
  /** Heap kept per login (after GC), bytes: with the default limits, and with `limits: false`. */
  onBytesPerLogin: number;
  offBytesPerLogin: number;
  /** The difference: what the limits keep per distinct sender. */
  bytesPerSender: number;
  failed: number;
}

export interface Pumping {
  attempts: number;
  maxKeys: number;
  seconds: number;
  startHeap: number;
  /** Array buffers (outside the heap) at the start: the store's slot arrays, made when it is built. */
  startBuffers: number;
  rows: Array<{ attempts: number; heapUsed: number; arrayBuffers: number; keys: number; admitted: number }>;
  /** Heap growth per attempt over the second half of the run (0 when it has stopped growing). */
  secondHalfBytesPerAttempt: number;
}

export interface MemoryResult {
  perSender: PerSender;
  pumping: Pumping;
}

async function heapPerLogin(variant: 'strategy-distinct' | 'strategy-distinct-nolimits', logins: number): Promise<{ perLogin: number; failed: number }> {
  const { startDingSandbox } = await loadSandbox();
  const sandbox = await startDingSandbox();
  const child = await startServerChild(variant, { url: sandbox.url, apiKey: sandbox.apiKey, customerUuid: sandbox.customerUuid });
  const client = new LoadClient(child.origin, sandbox, 16);
  try {
    await client.run({ logins: 500, maxMs: 120_000, logout: true, distinct: true });
    const before = await child.gcUsage();
    const run = await client.run({ logins, maxMs: 900_000, logout: true, distinct: true });
    const after = await child.gcUsage();
    return { perLogin: (after.heapUsed - before.heapUsed) / Math.max(1, run.completed), failed: run.failed };
  } finally {
    await client.close();
    await child.stop();
    await sandbox.close();
  }
}

async function pump(attempts: number): Promise<Pumping> {
  const child = fork(fileURLToPath(new URL('./pumping-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: { ...process.env, BENCH_PUMP_ATTEMPTS: String(attempts) },
  });
  const [message] = (await once(child, 'message')) as [Omit<Pumping, 'attempts' | 'secondHalfBytesPerAttempt' | 'startHeap' | 'startBuffers'> & { start: number; startBuffers: number }];
  await once(child, 'exit');
  const second = message.rows.slice(Math.floor(message.rows.length / 2));
  return {
    attempts,
    maxKeys: message.maxKeys,
    seconds: message.seconds,
    startHeap: message.start,
    startBuffers: message.startBuffers,
    rows: message.rows,
    secondHalfBytesPerAttempt: slope(second.map((r) => ({ x: r.attempts, y: r.heapUsed }))),
  };
}

export async function runMemory(options: { logins: number; attempts: number }, progress: (line: string) => void): Promise<MemoryResult> {
  const on = await heapPerLogin('strategy-distinct', options.logins);
  progress(`memory: limits on, ${on.perLogin.toFixed(0)} bytes kept per login (${options.logins} distinct senders)`);
  const off = await heapPerLogin('strategy-distinct-nolimits', options.logins);
  progress(`memory: limits off, ${off.perLogin.toFixed(0)} bytes kept per login`);
  const pumping = await pump(options.attempts);
  for (const r of pumping.rows) progress(`pumping: ${r.attempts} attempts, ${r.admitted} admitted, ${r.keys} keys, heap ${(r.heapUsed / 2 ** 20).toFixed(1)} MB, array buffers ${(r.arrayBuffers / 2 ** 20).toFixed(1)} MB`);
  return {
    perSender: {
      logins: options.logins,
      onBytesPerLogin: on.perLogin,
      offBytesPerLogin: off.perLogin,
      bytesPerSender: on.perLogin - off.perLogin,
      failed: on.failed + off.failed,
    },
    pumping,
  };
}

export function formatMemory(m: MemoryResult): string {
  const mb = (b: number): string => (b / 2 ** 20).toFixed(1);
  const p = m.pumping;
  const last = p.rows[p.rows.length - 1];
  return [
    `Limits' memory per distinct sender (heap after GC, ${m.perSender.logins} logins, each a new number and address): ` +
      `${m.perSender.bytesPerSender.toFixed(0)} bytes (limits on ${m.perSender.onBytesPerLogin.toFixed(0)}, off ${m.perSender.offBytesPerLogin.toFixed(0)} per login); target <= 400` +
      (m.perSender.failed ? ` (${m.perSender.failed} logins FAILED)` : ''),
    `Pumping run: ${p.attempts} sends to new numbers from new addresses, default cap ${p.maxKeys} keys, ${p.seconds.toFixed(0)} s: ` +
      `heap ${mb(p.startHeap)} MB at the start, ${last ? mb(last.heapUsed) : '-'} MB at the end (${last?.keys ?? '-'} keys); ` +
      `second half ${p.secondHalfBytesPerAttempt.toFixed(1)} bytes per attempt (about 0: the heap stopped growing); ` +
      `array buffers outside the heap (the store's slot arrays, made when it is built) ${mb(p.startBuffers)} MB at the start, ${last ? mb(last.arrayBuffers) : '-'} MB at the end`,
    ...p.rows.map((r) => `  ${String(r.attempts).padStart(8)} attempts  ${String(r.admitted).padStart(8)} admitted  ${String(r.keys).padStart(7)} keys  heap ${mb(r.heapUsed).padStart(6)} MB  array buffers ${mb(r.arrayBuffers).padStart(5)} MB`),
  ].join('\n');
}
