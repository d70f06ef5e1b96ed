// A server child: one variant on 127.0.0.1, ephemeral port, in its own process so the CPU time
// and RSS the bench reads are the server's alone. Started by child.ts; told what to run by env.
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import type { FromChild, GcTotals, ToChild, Usage } from './protocol.js';
import { isVariantName, VARIANTS } from './variants/index.js';

function mainThreadUs(): number | null {
  try {
    // "<ns on cpu> <ns waiting> <slices>"; read on the main thread, so it is the main thread's.
    const ns = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ', 1)[0]);
    return Number.isFinite(ns) ? ns / 1000 : null;
  } catch {
    return null;
  }
}

// Minor: scavenges of young objects. Major: the rest, work on the whole heap (mark-compact, its
// incremental marking steps, weak callbacks), each entry counted as one.
const gc: GcTotals = { minor: 0, major: 0, minorMs: 0, majorMs: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
      gc.minor++;
      gc.minorMs += entry.duration;
    } else {
      gc.major++;
      gc.majorMs += entry.duration;
    }
  }
}).observe({ entryTypes: ['gc'] });

function usage(): Usage {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return {
    userUs: cpu.user,
    systemUs: cpu.system,
    mainThreadUs: mainThreadUs(),
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    external: mem.external,
    maxRss: process.resourceUsage().maxRSS * 1024,
    gc: { ...gc },
  };
}

const tell = (message: FromChild): void => {
  process.send?.(message);
};

/**
 * With BENCH_CPU_PROF=dir and BENCH_ALLOC_PROF=dir: V8's CPU profiler and its sampling heap
 * profiler (which counts objects the GC has already collected too, so it shows what is allocated,
 * not what stays), started once the server listens: startup (module loading, the variant's
 * tables and their slot arrays) is left out, so a profile divided by the logins served is the
 * cost of serving alone. Returns the function that writes them to their dirs at the end.
 */
async function startProfiles(name: string): Promise<(() => void) | undefined> {
  const cpuDir = process.env.BENCH_CPU_PROF;
  const allocDir = process.env.BENCH_ALLOC_PROF;
  if (!cpuDir && !allocDir) return undefined;
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
  if (cpuDir) {
    await post('Profiler.enable');
    const interval = Number(process.env.BENCH_CPU_PROF_INTERVAL);
    if (interval > 0) await post('Profiler.setSamplingInterval', { interval });
    await post('Profiler.start');
  }
  if (allocDir) {
    await post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }
  return () => {
    if (cpuDir) {
      session.post('Profiler.stop', (err, result) => {
        if (!err) writeFileSync(join(cpuDir, `${name}-${Date.now()}.cpuprofile`), JSON.stringify(result.profile));
      });
    }
    if (allocDir) {
      session.post('HeapProfiler.stopSampling', (err, result) => {
        if (!err) writeFileSync(join(allocDir, `${name}-${Date.now()}.heapprofile`), JSON.stringify(result.profile));
      });
    }
  };
}

async function main(): Promise<void> {
  const name = process.env.BENCH_VARIANT ?? '';
  const url = process.env.BENCH_DING_URL;
  const apiKey = process.env.BENCH_DING_API_KEY;
  const customerUuid = process.env.BENCH_DING_CUSTOMER_UUID;
  if (!isVariantName(name) || !url || !apiKey || !customerUuid) throw new Error('server.ts: BENCH_VARIANT and BENCH_DING_* are required');

  const variant = await VARIANTS[name]({ url, apiKey, customerUuid });
  // Read per request (req.ip), so setting it after the routes still applies to every one of them.
  if (process.env.BENCH_TRUST_PROXY === '1') variant.app.set('trust proxy', 'loopback');
  const server = createServer(variant.app);
  // The load client keeps its sockets open between phases; never let the server drop them.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const profiles = await startProfiles(name);

  process.on('message', (message: ToChild) => {
    if (message.type === 'gc') {
      // Twice: the first pass can leave garbage that only a second one frees (weak refs, finalizers).
      globalThis.gc?.();
      globalThis.gc?.();
    }
    tell({ type: 'reply', id: message.id, usage: usage() });
    if (message.type === 'stop') {
      profiles?.();
      server.closeAllConnections();
      server.close();
      void variant.close().finally(() => process.disconnect());
    }
  });
  tell({ type: 'ready', port: (server.address() as AddressInfo).port, poolSize: variant.poolSize ?? null });
}

main().catch((err: unknown) => {
  tell({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
  process.disconnect?.();
});
