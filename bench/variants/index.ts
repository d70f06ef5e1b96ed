// The variants by name, as the bench's command line and results name them.
import { floorBareApp, floorRegexApp, strategyDistinctApp, strategyDistinctNoLimitsApp, strategyNoLimitsApp, strategyRawApp, strategyReleaseRulesApp } from './ablation.js';
import { strategyBaselineApp } from './baseline.js';
import { fetchApp } from './fetch.js';
import { floorApp } from './floor.js';
import type { BenchApp, DingTarget } from './shell.js';
import { strategyApp } from './strategy.js';

export const VARIANTS = {
  strategy: strategyApp,
  floor: floorApp,
  fetch: fetchApp,
  // Ablations (see ablation.ts); floor-bare is in the default run.
  'floor-bare': floorBareApp,
  'floor-regex': floorRegexApp,
  'strategy-raw': strategyRawApp,
  'strategy-nolimits': strategyNoLimitsApp,
  'strategy-release-rules': strategyReleaseRulesApp,
  // An earlier build, for a regression check (baseline.ts; needs BENCH_BASELINE_DIST).
  'strategy-baseline': strategyBaselineApp,
  // The memory bench (memory.ts).
  'strategy-distinct': strategyDistinctApp,
  'strategy-distinct-nolimits': strategyDistinctNoLimitsApp,
} satisfies Record<string, (ding: DingTarget) => Promise<BenchApp>>;

export type VariantName = keyof typeof VARIANTS;

export const isVariantName = (name: string): name is VariantName => Object.hasOwn(VARIANTS, name);
