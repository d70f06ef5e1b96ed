// The machine's facts, the plain-text table, and bench/results.json.
import { cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';
import { availableParallelism } from 'node:os';
import { writeFileSync } from 'node:fs';
import type { LeakResult } from './leak.js';
import type { Ratio, Row } from './summary.js';
import { THROUGHPUT_TARGET } from './summary.js';

export interface Machine {
  node: string;
  v8: string;
  cpu: string;
  cores: number;
  availableParallelism: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  os: string;
  /** 1, 5, 15 minute load averages: above the core count, other work shared the CPU. */
  loadAverage: number[];
}

export function machine(): Machine {
  const list = cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    availableParallelism: availableParallelism(),
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    freeMemoryGiB: round(freemem() / 2 ** 30, 1),
    os: `${platform()} ${release()}`,
    loadAverage: loadavg().map((l) => round(l, 2)),
  };
}

export const round = (n: number, digits = 0): number => Math.round(n * 10 ** digits) / 10 ** digits;
const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

function table(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function formatRows(rows: readonly Row[]): string {
  return table(
    ['variant', 'conc', 'logins/s', 'best', 'p50 ms', 'p99 ms', 'loop µs/login', 'best', 'loop busy%', 'process µs/login', 'kernel%', 'GC µs/login', 'GCs/1000 minor+major', 'bench CPU%', 'upstream conns opened / peak open', 'peak RSS MB', 'logins', 'failed'],
    rows.map((r) => [
      r.variant,
      String(r.concurrency),
      r.loginsPerSec.toFixed(0),
      r.bestLoginsPerSec.toFixed(0),
      r.p50Ms.toFixed(2),
      r.p99Ms.toFixed(2),
      r.loopCpuUsPerLogin === null ? '-' : r.loopCpuUsPerLogin.toFixed(0),
      r.bestCpuUsPerLogin.toFixed(0),
      r.loopCpuPercent === null ? '-' : r.loopCpuPercent.toFixed(0),
      r.serverCpuUsPerLogin.toFixed(0),
      (r.serverSystemShare * 100).toFixed(0),
      r.gcUsPerLogin.toFixed(0),
      `${r.minorGcPer1000.toFixed(1)}+${r.majorGcPer1000.toFixed(1)}`,
      r.driverCpuPercent.toFixed(0),
      `${r.upstreamConnections} / ${r.upstreamPeakOpen}${r.poolSize === null ? ' (no limit)' : ` (pool ${r.poolSize})`}`,
      mb(r.peakRssBytes),
      String(r.logins),
      String(r.failed),
    ]),
  );
}

const VERDICT: Record<Ratio['verdict'], string> = { met: 'yes', line: 'at the line', missed: 'NO' };

export function formatRatios(ratios: readonly Ratio[]): string {
  return table(
    ['strategy vs', 'conc', 'throughput', '95% interval', 'min..max', 'best/best', 'CPU/login', 'best/best', 'extra CPU µs', `>= ${THROUGHPUT_TARGET}`],
    ratios.map((r) => [
      r.baseline,
      String(r.concurrency),
      r.throughput.toFixed(2),
      `${r.throughputLow.toFixed(2)}..${r.throughputHigh.toFixed(2)}`,
      `${r.throughputMin.toFixed(2)}..${r.throughputMax.toFixed(2)}`,
      r.throughputBest.toFixed(2),
      r.cpuPerLogin.toFixed(2),
      r.cpuPerLoginBest.toFixed(2),
      r.cpuExtraUsBest.toFixed(0),
      r.baseline === 'floor' ? VERDICT[r.verdict] : '',
    ]),
  );
}

export function formatLeak(leak: LeakResult): string {
  const growth = (a: number, b: number): string => `${mb(a)} -> ${mb(b)} MB`;
  return [
    `leak check: ${leak.logins} logins (of ${leak.requested}) through the strategy app, concurrency ${leak.concurrency}, ${leak.elapsedSec.toFixed(0)} s, ${leak.failed} failed`,
    `  heap after gc: ${growth(leak.before.heapUsed, leak.after.heapUsed)}, trend ${leak.heapSlopeBytesPerLogin.toFixed(2)} bytes/login (second half ${leak.heapSlopeSecondHalf.toFixed(2)})`,
    `  rss after gc:  ${growth(leak.before.rss, leak.after.rss)}, trend ${leak.rssSlopeBytesPerLogin.toFixed(2)} bytes/login (second half ${leak.rssSlopeSecondHalf.toFixed(2)})`,
    `  event-loop CPU per login: ${leak.loopCpuFirstChunk?.toFixed(0) ?? '-'} µs in the first chunk, ${leak.loopCpuLastChunk?.toFixed(0) ?? '-'} µs in the last`,
    `  upstream connections opened: ${leak.upstreamConnections} (most open at once ${leak.upstreamPeakOpen}, pool ${leak.poolSize ?? '-'})`,
    `  sessions left in the store: ${leak.sessionsLeft}; peak RSS ${mb(leak.peakRssBytes)} MB`,
  ].join('\n');
}

export function writeResults(path: string, results: object): void {
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}
