// One cell of the table: one variant at one concurrency, with its own sandbox and server child
// (so the connections the sandbox counts and the CPU the child reports are this cell's alone).
// Warm-up logins first (JIT, pools), then the pending-state probe, then the measured logins.
import { cellMetrics, type CellMetrics } from './measure.js';
import { loadSandbox } from './dist.js';
import { startServerChild } from './child.js';
import { LoadClient, phoneFor, type LoadResult } from './load.js';
import type { VariantName } from './variants/index.js';

export interface CellOptions {
  variant: VariantName;
  concurrency: number;
  logins: number;
  warmup: number;
  maxSeconds: number;
  /** The sandbox's delay before each answer, ms. */
  latencyMs: number;
  cpuProfDir?: string | undefined;
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
  /** TCP connections the sandbox accepted during the whole cell (warm-up included). */
  upstreamConnections: number;
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

export async function runCell(options: CellOptions, round: number): Promise<CellResult> {
  const { startDingSandbox } = await loadSandbox();
  const sandbox = await startDingSandbox({ latencyMs: options.latencyMs });
  const child = await startServerChild(
    options.variant,
    { url: sandbox.url, apiKey: sandbox.apiKey, customerUuid: sandbox.customerUuid },
    { cpuProfDir: options.cpuProfDir },
  );
  const client = new LoadClient(child.origin, sandbox, options.concurrency);
  const maxMs = options.maxSeconds * 1000;
  try {
    if (options.warmup > 0) await client.run({ logins: options.warmup, maxMs });
    const pending = await probePending(child.origin);

    const before = await child.usage();
    const driverStart = process.cpuUsage();
    const load = await client.run({ logins: options.logins, maxMs });
    const driver = process.cpuUsage(driverStart);
    const after = await child.usage();
    const stats = sandbox.stats();

    const { latenciesMs: _latencies, ...loadSummary } = load;
    return {
      variant: options.variant,
      concurrency: options.concurrency,
      round,
      ...cellMetrics(load, { before, after }, driver),
      load: loadSummary,
      upstreamConnections: stats.connectionsOpened,
      upstreamRequests: stats.requests,
      poolSize: child.poolSize,
      peakRssBytes: after.maxRss,
      rssEndBytes: after.rss,
      pending,
    };
  } finally {
    await client.close();
    await child.stop();
    await sandbox.close();
  }
}
