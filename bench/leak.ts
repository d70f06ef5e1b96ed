// Leak check: many logins through the strategy app, each followed by a logout (the session is
// destroyed), so a steady state holds nothing per login. The server child collects garbage
// before each sample; a trend in heap or RSS over the samples is memory kept per login.
import { startServerChild } from './child.js';
import { loadSandbox } from './dist.js';
import { LoadClient, type LoadResult } from './load.js';
import { slope } from './measure.js';

export interface LeakOptions {
  logins: number;
  concurrency: number;
  /** Samples after the warm-up (the trend is fitted over these). */
  samples: number;
  warmup: number;
  maxSeconds: number;
}

export interface LeakSample {
  logins: number;
  rss: number;
  heapUsed: number;
  external: number;
  /** The chunk of logins before this sample: rate, and event-loop CPU per login (null: unknown). */
  loginsPerSec: number | null;
  loopCpuUsPerLogin: number | null;
}

export interface LeakResult {
  requested: number;
  /** Logins actually run (fewer when the time limit was hit). */
  logins: number;
  failed: number;
  elapsedSec: number;
  concurrency: number;
  before: LeakSample;
  after: LeakSample;
  samples: LeakSample[];
  /** Least-squares trend over the samples, bytes per login. */
  heapSlopeBytesPerLogin: number;
  rssSlopeBytesPerLogin: number;
  /** The same over the second half of the samples only (after bounded caches have filled). */
  heapSlopeSecondHalf: number;
  rssSlopeSecondHalf: number;
  /** Event-loop CPU per login in the first and the last chunk: a per-login cost that grows shows here. */
  loopCpuFirstChunk: number | null;
  loopCpuLastChunk: number | null;
  /** TCP connections the sandbox accepted over the whole run (warm-up included), and the most open at once. */
  upstreamConnections: number;
  upstreamPeakOpen: number;
  poolSize: number | null;
  /** Sessions left in the server's store at the end (0 expected: every login logged out). */
  sessionsLeft: number;
  peakRssBytes: number;
}

/** Default time limit for the whole leak run. */
export const LEAK_MAX_SECONDS = 900;

export async function runLeak(options: LeakOptions, progress: (line: string) => void): Promise<LeakResult> {
  const { startDingSandbox } = await loadSandbox();
  const sandbox = await startDingSandbox();
  const child = await startServerChild('strategy', { url: sandbox.url, apiKey: sandbox.apiKey, customerUuid: sandbox.customerUuid });
  const client = new LoadClient(child.origin, sandbox, options.concurrency);
  const started = performance.now();
  const deadline = started + options.maxSeconds * 1000;
  const sample = async (logins: number, chunk?: { result: LoadResult; loopBefore: number | null }): Promise<LeakSample> => {
    const loopAfter = (await child.usage()).mainThreadUs;
    const u = await child.gcUsage();
    const n = chunk ? Math.max(1, chunk.result.completed) : 0;
    return {
      logins,
      rss: u.rss,
      heapUsed: u.heapUsed,
      external: u.external,
      loginsPerSec: chunk ? chunk.result.completed / (chunk.result.elapsedMs / 1000) : null,
      loopCpuUsPerLogin: chunk && chunk.loopBefore !== null && loopAfter !== null ? (loopAfter - chunk.loopBefore) / n : null,
    };
  };
  try {
    await client.run({ logins: options.warmup, maxMs: options.maxSeconds * 1000, logout: true });
    const before = await sample(0);
    const samples: LeakSample[] = [before];
    const chunk = Math.ceil(options.logins / options.samples);
    let done = 0;
    let failed = 0;
    while (done < options.logins && performance.now() < deadline) {
      // Read after the previous gc, so the collection is not counted as login work.
      const loopBefore = (await child.usage()).mainThreadUs;
      const result = await client.run({
        logins: Math.min(chunk, options.logins - done),
        maxMs: Math.max(1, deadline - performance.now()),
        logout: true,
      });
      done += result.completed + result.failed;
      failed += result.failed;
      const s = await sample(done, { result, loopBefore });
      samples.push(s);
      progress(
        `leak: ${done}/${options.logins} logins, heap ${(s.heapUsed / 2 ** 20).toFixed(1)} MB, rss ${(s.rss / 2 ** 20).toFixed(1)} MB, ` +
          `${s.loginsPerSec?.toFixed(0)} logins/s, ${s.loopCpuUsPerLogin?.toFixed(0) ?? '-'} µs loop CPU/login`,
      );
    }
    const sessions = (await (await fetch(`${child.origin}/bench/sessions`)).json()) as { sessions: number };
    const after = samples[samples.length - 1] ?? before;
    const end = await child.usage();
    const secondHalf = samples.slice(Math.floor(samples.length / 2));
    return {
      requested: options.logins,
      logins: done,
      failed,
      elapsedSec: (performance.now() - started) / 1000,
      concurrency: options.concurrency,
      before,
      after,
      samples,
      heapSlopeBytesPerLogin: slope(samples.map((s) => ({ x: s.logins, y: s.heapUsed }))),
      rssSlopeBytesPerLogin: slope(samples.map((s) => ({ x: s.logins, y: s.rss }))),
      loopCpuFirstChunk: samples[1]?.loopCpuUsPerLogin ?? null,
      loopCpuLastChunk: after.loopCpuUsPerLogin,
      heapSlopeSecondHalf: slope(secondHalf.map((s) => ({ x: s.logins, y: s.heapUsed }))),
      rssSlopeSecondHalf: slope(secondHalf.map((s) => ({ x: s.logins, y: s.rss }))),
      upstreamConnections: sandbox.stats().connectionsOpened,
      upstreamPeakOpen: sandbox.stats().peakOpenConnections,
      poolSize: child.poolSize,
      sessionsLeft: sessions.sessions,
      peakRssBytes: end.maxRss,
    };
  } finally {
    await client.close();
    await child.stop();
    await sandbox.close();
  }
}
