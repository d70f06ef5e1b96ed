// The cells of the table: one per variant at one concurrency in one round, each variant with its
// own sandbox and server child (so the connections the sandbox counts and the CPU the child
// reports are that variant's alone). Warm-up logins first (JIT, pools), then the pending-state
// probe, then the measured logins, in chunks that take turns with the other variants.
import { cellMetrics, type CellMetrics } from './measure.js';
import { loadSandbox } from './dist.js';
import { startServerChild, type ChildOptions } from './child.js';
import { LoadClient, MAX_FAILURES_KEPT, phoneFor, type LoadResult } from './load.js';
import type { Usage } from './protocol.js';
import type { VariantName } from './variants/index.js';

export interface InterleavedOptions {
  variants: readonly VariantName[];
  /** The measured logins of each variant are run in this many chunks, variants taking turns. */
  chunks: number;
  concurrency: number;
  logins: number;
  warmup: number;
  maxSeconds: number;
  /** The sandbox's delay before each answer, ms. */
  latencyMs: number;
  /** Every login a new number and address (warm-up included) instead of one number per worker. */
  distinctSenders?: boolean;
  /** Profiling and node flags for the server children. */
  child?: ChildOptions;
}

export interface PendingProbe {
  /** JSON.stringify of what the variant keeps in the session between send and verify, in bytes. */
  bytes: number | null;
  keys: string[];
  /** The whole session object at that point (cookie settings included), in bytes. */
  sessionBytes: number;
}

export interface CellResult extends CellMetrics {
  variant: VariantName;
  concurrency: number;
  round: number;
  load: Omit<LoadResult, 'latenciesMs'>;
  /**
   * TCP connections the sandbox accepted over the whole round (warm-up included). Pooled sockets
   * idle past the keep-alive timeout while the other variants take their turns, so this can
   * exceed the pool over a round; `upstreamPeakOpen` is the pool's bound.
   */
  upstreamConnections: number;
  /** The most connections open at once to this variant's sandbox. */
  upstreamPeakOpen: number;
  upstreamRequests: number;
  /** The variant's upstream pool size; null when unbounded (global fetch). */
  poolSize: number | null;
  /** Peak RSS of the server process over its life, and RSS at the end, in bytes. */
  peakRssBytes: number;
  rssEndBytes: number;
  pending: PendingProbe;
}

/** One send on a fresh session, then the probe route reads what was stored. */
async function probePending(origin: string): Promise<PendingProbe> {
  const sent = await fetch(`${origin}/login/phone`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phoneNumber: phoneFor(999) }),
  });
  await sent.arrayBuffer();
  const cookie = sent.headers.get('set-cookie')?.split(';', 1)[0] ?? '';
  const res = await fetch(`${origin}/bench/pending`, { headers: { cookie } });
  return (await res.json()) as PendingProbe;
}

interface Running {
  variant: VariantName;
  sandbox: Awaited<ReturnType<Awaited<ReturnType<typeof loadSandbox>>['startDingSandbox']>>;
  child: Awaited<ReturnType<typeof startServerChild>>;
  client: LoadClient;
  pending?: PendingProbe;
  /** Sums over the measured chunks. */
  server: Usage;
  driver: NodeJS.CpuUsage;
  loads: LoadResult[];
}

const ZERO: Usage = { userUs: 0, systemUs: 0, mainThreadUs: 0, rss: 0, heapUsed: 0, external: 0, maxRss: 0, gc: { minor: 0, major: 0, minorMs: 0, majorMs: 0 } };

function addUsage(sum: Usage, before: Usage, after: Usage): Usage {
  const loop = (u: Usage, b: Usage, a: Usage): number | null =>
    u.mainThreadUs === null || b.mainThreadUs === null || a.mainThreadUs === null ? null : u.mainThreadUs + a.mainThreadUs - b.mainThreadUs;
  return {
    userUs: sum.userUs + after.userUs - before.userUs,
    systemUs: sum.systemUs + after.systemUs - before.systemUs,
    mainThreadUs: loop(sum, before, after),
    rss: after.rss,
    heapUsed: after.heapUsed,
    external: after.external,
    maxRss: after.maxRss,
    gc: {
      minor: sum.gc.minor + after.gc.minor - before.gc.minor,
      major: sum.gc.major + after.gc.major - before.gc.major,
      minorMs: sum.gc.minorMs + after.gc.minorMs - before.gc.minorMs,
      majorMs: sum.gc.majorMs + after.gc.majorMs - before.gc.majorMs,
    },
  };
}

/** The chunks of one variant as one run: their times, counts and latencies added up. */
function joinLoads(loads: LoadResult[], requested: number): LoadResult {
  const failures = loads.flatMap((l) => l.failures).slice(0, MAX_FAILURES_KEPT);
  return {
    concurrency: loads[0]?.concurrency ?? 0,
    requested,
    completed: loads.reduce((n, l) => n + l.completed, 0),
    failed: loads.reduce((n, l) => n + l.failed, 0),
    failures,
    elapsedMs: loads.reduce((n, l) => n + l.elapsedMs, 0),
    latenciesMs: loads.flatMap((l) => l.latenciesMs),
    timedOut: loads.some((l) => l.timedOut),
  };
}

/** The variants in a different order each time, so none always runs first (or last). */
const rotate = <T>(list: readonly T[], by: number): T[] => list.map((_, i) => list[(i + by) % list.length] as T);

/**
 * One round at one concurrency: every variant's server runs at once (each with its own sandbox),
 * and the measured logins go in chunks, the variants taking turns in a rotating order. A change in
 * background load (other processes, a noisy neighbour on the host) then lands on every variant
 * alike instead of on whichever ran during it; on a shared host, back-to-back cells of one
 * variant can differ by more than the effect being measured.
 */
export async function runInterleaved(options: InterleavedOptions, round: number): Promise<CellResult[]> {
  const { startDingSandbox } = await loadSandbox();
  const running: Running[] = [];
  const maxMs = options.maxSeconds * 1000;
  const distinct = options.distinctSenders === true;
  try {
    for (const variant of options.variants) {
      const sandbox = await startDingSandbox({ latencyMs: options.latencyMs });
      const entry = { variant, sandbox, server: ZERO, driver: { user: 0, system: 0 }, loads: [] } as unknown as Running;
      running.push(entry);
      entry.child = await startServerChild(variant, { url: sandbox.url, apiKey: sandbox.apiKey, customerUuid: sandbox.customerUuid }, options.child);
      entry.client = new LoadClient(entry.child.origin, sandbox, options.concurrency);
    }
    // The warm-up goes in chunks too, the variants taking turns: a server that finished its whole
    // warm-up first and then sat idle through the others' (seconds, with a long warm-up) started
    // its measured logins a few per cent slower, whichever variant it was (its idle sockets and
    // heap had been let go).
    const chunks = Math.max(1, Math.min(options.chunks, options.logins));
    const share = (total: number, c: number): number => Math.floor(total / chunks) + (c === chunks - 1 ? total % chunks : 0);
    for (let c = 0; c < chunks && options.warmup > 0; c++) {
      const logins = share(options.warmup, c);
      if (logins > 0) for (const r of rotate(running, c + round)) await r.client.run({ logins, maxMs, distinct });
    }
    for (const r of running) r.pending = await probePending(r.child.origin);
    for (let c = 0; c < chunks; c++) {
      // The last chunk takes what division left over.
      const logins = share(options.logins, c);
      for (const r of rotate(running, c + round)) {
        const before = await r.child.usage();
        const driverStart = process.cpuUsage();
        r.loads.push(await r.client.run({ logins, maxMs: maxMs / chunks, distinct }));
        const driver = process.cpuUsage(driverStart);
        const after = await r.child.usage();
        r.server = addUsage(r.server, before, after);
        r.driver = { user: r.driver.user + driver.user, system: r.driver.system + driver.system };
      }
    }
    return running.map((r) => {
      const load = joinLoads(r.loads, options.logins);
      const stats = r.sandbox.stats();
      const { latenciesMs: _latencies, ...loadSummary } = load;
      return {
        variant: r.variant,
        concurrency: options.concurrency,
        round,
        ...cellMetrics(load, { before: ZERO, after: r.server }, r.driver),
        load: loadSummary,
        upstreamConnections: stats.connectionsOpened,
        upstreamPeakOpen: stats.peakOpenConnections,
        upstreamRequests: stats.requests,
        poolSize: r.child.poolSize,
        peakRssBytes: r.server.maxRss,
        rssEndBytes: r.server.rss,
        pending: r.pending as PendingProbe,
      };
    });
  } finally {
    for (const r of running) {
      await r.client?.close();
      await r.child?.stop();
      await r.sandbox.close();
    }
  }
}
