// The bench's settings, from the environment, with defaults sized for a small (2-core) machine.
//
//   BENCH_LOGINS=1000        measured logins per cell (variant x concurrency x round)
//   BENCH_WARMUP=300         unmeasured logins first, per cell
//   BENCH_ROUNDS=12          rounds, each with new processes; ratios are taken per round, medians
//                            are reported with a 95 % interval (0: no table)
//   BENCH_CHUNKS=8           per round, each variant's logins run in this many chunks, variants taking turns
//   BENCH_CONCURRENCY=1,16,64
//   BENCH_VARIANTS=strategy,floor,floor-bare,fetch
//   BENCH_MAX_SECONDS=60     per cell: stop starting logins after this long
//   BENCH_LATENCY_MS=0       the sandbox's delay before each answer (0: the strategy's own cost)
//   BENCH_SENDERS=worker     worker: each load worker logs in one number from 127.0.0.1 again and
//                            again; distinct: every login a new number and address (X-Forwarded-For,
//                            trusted from loopback), so the limits hold a key per sender, as with
//                            real users
//   BENCH_LEAK_LOGINS=100000 logins through the strategy app for the leak check (0: skip)
//   BENCH_LEAK_CONCURRENCY=16
//   BENCH_MICRO=1            also time the strategy's pieces alone (micro.ts; 0: skip)
//   BENCH_CPU_PROF=dir       write a V8 CPU profile of every server child into dir (from its listen)
//   BENCH_CPU_PROF_INTERVAL=1000  its sampling interval in µs (100 shows the small functions)
//   BENCH_ALLOC_PROF=dir     write an allocation profile of every server child into dir (bytes
//                            allocated by function, collected ones included; slows the child)
//   BENCH_NODE_FLAGS=        more node flags for the server children, e.g. --trace-gc
//   BENCH_MEMORY_LOGINS=20000 logins for the bytes-per-sender measurement, each variant (0: skip)
//   BENCH_PUMP_ATTEMPTS=500000  sends of the pumping run against the limits (memory.ts)
//   BENCH_FAST=1             a run of a few minutes: concurrency 64 only, strategy and floor,
//                            2 rounds, no leak run or micro timings, 10,000 memory logins and
//                            100,000 pumping attempts (any variable above still wins)
//   BENCH_OUT=bench/results.json
import { join } from 'node:path';
import type { ChildOptions } from './child.js';
import { ROOT } from './dist.js';
import { isVariantName, VARIANTS, type VariantName } from './variants/index.js';

export interface BenchConfig {
  logins: number;
  warmup: number;
  rounds: number;
  chunks: number;
  concurrency: number[];
  variants: VariantName[];
  maxSeconds: number;
  latencyMs: number;
  /** Every login a new number and address (BENCH_SENDERS=distinct) instead of one per worker. */
  distinctSenders: boolean;
  leakLogins: number;
  leakConcurrency: number;
  micro: boolean;
  memoryLogins: number;
  pumpAttempts: number;
  fast: boolean;
  /** Profiling and node flags for every server child (BENCH_CPU_PROF*, BENCH_ALLOC_PROF, BENCH_NODE_FLAGS). */
  child: ChildOptions;
  out: string;
}

function count(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min} (got "${raw}")`);
  return n;
}

function list(env: NodeJS.ProcessEnv, name: string, fallback: string): string[] {
  return (env[name] || fallback).split(',').map((s) => s.trim()).filter(Boolean);
}

function senders(env: NodeJS.ProcessEnv): boolean {
  const raw = env.BENCH_SENDERS || 'worker';
  if (raw !== 'worker' && raw !== 'distinct') throw new Error(`BENCH_SENDERS must be worker or distinct (got "${raw}")`);
  return raw === 'distinct';
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const fast = env.BENCH_FAST === '1';
  const concurrency = list(env, 'BENCH_CONCURRENCY', fast ? '64' : '1,16,64').map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`BENCH_CONCURRENCY: "${s}" is not an integer in 1..256`);
    return n;
  });
  const variants = list(env, 'BENCH_VARIANTS', fast ? 'strategy,floor' : 'strategy,floor,floor-bare,fetch').map((s) => {
    if (!isVariantName(s)) throw new Error(`BENCH_VARIANTS: unknown variant "${s}" (${Object.keys(VARIANTS).join(', ')})`);
    return s;
  });
  const distinctSenders = senders(env);
  return {
    logins: count(env, 'BENCH_LOGINS', 1000, 1),
    warmup: count(env, 'BENCH_WARMUP', 300),
    rounds: count(env, 'BENCH_ROUNDS', fast ? 2 : 12),
    chunks: count(env, 'BENCH_CHUNKS', 8, 1),
    concurrency,
    variants,
    maxSeconds: count(env, 'BENCH_MAX_SECONDS', 60, 1),
    latencyMs: count(env, 'BENCH_LATENCY_MS', 0),
    distinctSenders,
    leakLogins: count(env, 'BENCH_LEAK_LOGINS', fast ? 0 : 100_000),
    leakConcurrency: count(env, 'BENCH_LEAK_CONCURRENCY', 16, 1),
    micro: env.BENCH_MICRO === undefined ? !fast : env.BENCH_MICRO !== '0',
    memoryLogins: count(env, 'BENCH_MEMORY_LOGINS', fast ? 10_000 : 20_000),
    pumpAttempts: count(env, 'BENCH_PUMP_ATTEMPTS', fast ? 100_000 : 500_000),
    fast,
    child: {
      cpuProfDir: env.BENCH_CPU_PROF || undefined,
      cpuProfIntervalUs: env.BENCH_CPU_PROF_INTERVAL ? count(env, 'BENCH_CPU_PROF_INTERVAL', 1000, 1) : undefined,
      allocProfDir: env.BENCH_ALLOC_PROF || undefined,
      nodeFlags: (env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      trustProxy: distinctSenders,
    },
    out: env.BENCH_OUT || join(ROOT, 'bench', 'results.json'),
  };
}
