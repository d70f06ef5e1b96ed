// npm run bench: builds (npm script), then runs every variant at every concurrency for a number
// of rounds, the leak check, prints the tables and writes bench/results.json. See config.ts for
// the knobs (BENCH_LOGINS, BENCH_ROUNDS, BENCH_LEAK_LOGINS, ...).
import { runInterleaved, type CellResult, type PendingProbe } from './cell.js';
import { readConfig } from './config.js';
import { bundleServer } from './bundle.js';
import { snapshotDist } from './dist.js';
import { LEAK_MAX_SECONDS, runLeak, type LeakResult } from './leak.js';
import { cpuOf } from './measure.js';
import { runMicro, type MicroResult } from './micro.js';
import { formatMemory, runMemory, type MemoryResult } from './memory.js';
import { formatLeak, formatRatios, formatRows, machine, round, writeResults } from './report.js';
import { ratios, rows, THROUGHPUT_TARGET } from './summary.js';
import type { VariantName } from './variants/index.js';

const PENDING_TARGET_BYTES = 300;
const BYTES_PER_SENDER_TARGET = 400;
const P99_TARGET = 1.2;
const log = (line: string): void => console.log(line);

async function main(): Promise<void> {
  const config = readConfig();
  snapshotDist();
  await bundleServer();
  const start = machine();
  log(`passport-ding bench: ${start.node}, ${start.cpu}, ${start.cores} cores, load average ${start.loadAverage.join(' ')}`);
  if ((start.loadAverage[0] ?? 0) > start.cores / 2) {
    log(`  note: the machine is busy (load ${start.loadAverage[0]} on ${start.cores} cores); absolute figures will be low and noisy, ratios less so`);
  }
  log(`  ${config.logins} logins per cell (+${config.warmup} warm-up), ${config.rounds} round(s), concurrency ${config.concurrency.join('/')}, variants ${config.variants.join('/')}, sandbox latency ${config.latencyMs} ms, ${config.distinctSenders ? 'every login a new sender' : 'one number per worker'}\n`);

  const cells: CellResult[] = [];
  for (let r = 0; r < config.rounds; r++) {
    for (const concurrency of config.concurrency) {
      const round = await runInterleaved(
        {
          variants: config.variants,
          chunks: config.chunks,
          concurrency,
          logins: config.logins,
          warmup: config.warmup,
          maxSeconds: config.maxSeconds,
          latencyMs: config.latencyMs,
          distinctSenders: config.distinctSenders,
          child: config.child,
        },
        r,
      );
      for (const cell of round) {
        cells.push(cell);
        log(
          `round ${r + 1} conc ${String(concurrency).padStart(2)} ${cell.variant.padEnd(17)} ${cell.loginsPerSec.toFixed(0).padStart(5)} logins/s  ` +
            `p50 ${cell.p50Ms.toFixed(2)} ms  ${cpuOf(cell).toFixed(0)} µs CPU/login  ${cell.upstreamConnections} conns (${cell.upstreamPeakOpen} at once)` +
            (cell.load.failed ? `  ${cell.load.failed} FAILED: ${cell.load.failures.join('; ')}` : '') +
            (cell.load.timedOut ? '  (time limit hit)' : ''),
        );
      }
    }
  }

  let micro: MicroResult[] | undefined;
  if (config.micro) micro = await runMicro();

  let memory: MemoryResult | undefined;
  if (config.memoryLogins > 0) {
    log('');
    memory = await runMemory({ logins: config.memoryLogins, attempts: config.pumpAttempts }, log);
  }

  let leak: LeakResult | undefined;
  if (config.leakLogins > 0) {
    log('');
    leak = await runLeak(
      { logins: config.leakLogins, concurrency: config.leakConcurrency, samples: 20, warmup: 1000, maxSeconds: LEAK_MAX_SECONDS },
      log,
    );
  }

  const table = rows(cells);
  const baselines = config.variants.filter((v) => v !== 'strategy');
  const ratioTable = config.variants.includes('strategy') ? ratios(cells, baselines) : [];
  const pending: Partial<Record<VariantName, PendingProbe>> = {};
  for (const c of cells) pending[c.variant] ??= c.pending;
  const end = machine();

  log('\nPer variant and concurrency (medians over rounds; "loop" is the server\'s event-loop thread, "process" all its threads):\n');
  log(formatRows(table));
  if (ratioTable.length > 0) log(`\nStrategy against the baselines (median of per-round ratios; target: throughput >= ${THROUGHPUT_TARGET} of the floor):\n\n${formatRatios(ratioTable)}`);
  log('\nPending state in the session (JSON.stringify, bytes):');
  for (const [variant, p] of Object.entries(pending)) {
    log(`  ${variant.padEnd(17)} ${p.bytes ?? '-'} bytes (keys ${p.keys.join(',')}); whole session ${p.sessionBytes} bytes${variant === 'strategy' ? `; target < ${PENDING_TARGET_BYTES}` : ''}`);
  }
  if (micro) {
    log('\nThe strategy\'s pieces alone (warm loops, CPU µs per login; a lower bound of their cost in the app):');
    for (const m of micro) log(`  ${m.usPerLogin.toFixed(1).padStart(7)}  ${m.name} (${m.note})`);
  }
  if (leak) log(`\n${formatLeak(leak)}`);
  if (memory) log(`\n${formatMemory(memory)}`);
  const tail: Array<{ concurrency: number; strategy: number; floor: number; ratio: number }> = [];
  for (const r of table) {
    const floor = table.find((f) => f.variant === 'floor' && f.concurrency === r.concurrency);
    if (r.variant === 'strategy' && floor) tail.push({ concurrency: r.concurrency, strategy: r.p99Ms, floor: floor.p99Ms, ratio: r.p99Ms / floor.p99Ms });
  }
  for (const t of tail) log(`p99 at concurrency ${t.concurrency}: strategy ${t.strategy.toFixed(1)} ms, floor ${t.floor.toFixed(1)} ms, ratio ${t.ratio.toFixed(2)} (target <= ${P99_TARGET} at 64)`);
  log(`\nload average at the end: ${end.loadAverage.join(' ')} (${end.cores} cores)`);

  const findings: string[] = [];
  for (const r of ratioTable) {
    if (r.baseline !== 'floor' || r.verdict === 'met') continue;
    const spread = `median ${r.throughput.toFixed(2)}, 95% interval ${r.throughputLow.toFixed(2)}..${r.throughputHigh.toFixed(2)}`;
    findings.push(
      r.verdict === 'missed'
        ? `strategy/floor throughput below ${THROUGHPUT_TARGET} at concurrency ${r.concurrency} (${spread})`
        : `strategy/floor throughput not shown at or above ${THROUGHPUT_TARGET} at concurrency ${r.concurrency} (${spread}; more rounds narrow it)`,
    );
  }
  for (const r of table) {
    if (r.variant === 'strategy' && r.poolSize !== null && r.upstreamPeakOpen > r.poolSize) findings.push(`strategy held ${r.upstreamPeakOpen} upstream connections at once at concurrency ${r.concurrency} (pool ${r.poolSize})`);
  }
  if (leak && leak.poolSize !== null && leak.upstreamPeakOpen > leak.poolSize) findings.push(`the leak run held ${leak.upstreamPeakOpen} upstream connections at once (pool ${leak.poolSize})`);
  const strategyPending = pending.strategy?.bytes;
  if (typeof strategyPending === 'number' && strategyPending >= PENDING_TARGET_BYTES) findings.push(`pending state ${strategyPending} bytes (>= ${PENDING_TARGET_BYTES})`);
  for (const t of tail) if (t.concurrency === 64 && t.ratio > P99_TARGET) findings.push(`p99 at concurrency 64 is ${t.ratio.toFixed(2)}x the floor's (> ${P99_TARGET})`);
  if (memory && memory.perSender.bytesPerSender > BYTES_PER_SENDER_TARGET) findings.push(`limits keep ${memory.perSender.bytesPerSender.toFixed(0)} bytes per distinct sender (> ${BYTES_PER_SENDER_TARGET})`);
  if (findings.length > 0) log(`\nShort of the targets:\n${findings.map((f) => `  - ${f}`).join('\n')}`);

  writeResults(config.out, {
    generatedAt: new Date().toISOString(),
    machine: { ...start, loadAverageEnd: end.loadAverage },
    config: { ...config, out: undefined },
    targets: { throughputVsFloor: THROUGHPUT_TARGET, pendingBytes: PENDING_TARGET_BYTES, bytesPerSender: BYTES_PER_SENDER_TARGET, p99VsFloorAt64: P99_TARGET },
    rows: table.map((r) => ({
      ...r,
      loginsPerSec: round(r.loginsPerSec, 1),
      bestLoginsPerSec: round(r.bestLoginsPerSec, 1),
      p50Ms: round(r.p50Ms, 3),
      p99Ms: round(r.p99Ms, 3),
      loopCpuUsPerLogin: r.loopCpuUsPerLogin === null ? null : round(r.loopCpuUsPerLogin, 1),
      loopCpuPercent: r.loopCpuPercent === null ? null : round(r.loopCpuPercent, 1),
      serverCpuUsPerLogin: round(r.serverCpuUsPerLogin, 1),
      bestCpuUsPerLogin: round(r.bestCpuUsPerLogin, 1),
      serverSystemShare: round(r.serverSystemShare, 3),
      gcUsPerLogin: round(r.gcUsPerLogin, 1),
      minorGcPer1000: round(r.minorGcPer1000, 1),
      majorGcPer1000: round(r.majorGcPer1000, 2),
      serverCpuPercent: round(r.serverCpuPercent, 1),
      driverCpuPercent: round(r.driverCpuPercent, 1),
    })),
    ratios: ratioTable.map((r) => ({
      ...r,
      throughput: round(r.throughput, 3),
      throughputMin: round(r.throughputMin, 3),
      throughputMax: round(r.throughputMax, 3),
      throughputLow: round(r.throughputLow, 3),
      throughputHigh: round(r.throughputHigh, 3),
      cpuPerLogin: round(r.cpuPerLogin, 3),
      throughputBest: round(r.throughputBest, 3),
      cpuPerLoginBest: round(r.cpuPerLoginBest, 3),
      cpuExtraUsBest: round(r.cpuExtraUsBest, 0),
    })),
    pendingState: pending,
    micro,
    memory,
    p99: tail,
    leak,
    findings,
    cells,
  });
  log(`\nwrote ${config.out}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
