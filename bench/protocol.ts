// Messages between the bench and a server child, over the fork IPC channel.

/** One reading of the server process: its own CPU and memory only. */
export interface Usage {
  /** process.cpuUsage(), microseconds since the child started. */
  userUs: number;
  systemUs: number;
  /**
   * On-CPU time of the main thread alone (the event loop, which bounds throughput), from
   * /proc/thread-self/schedstat; null where that does not exist. process.cpuUsage() also counts
   * V8's helper threads (concurrent GC, compilers), which take more CPU when cores are idle.
   */
  mainThreadUs: number | null;
  rss: number;
  heapUsed: number;
  external: number;
  /** resourceUsage().maxRSS, in bytes: the peak RSS of the child's life so far. */
  maxRss: number;
  /** V8 collections since the child started (performance 'gc' entries): minor and major, and their time in ms. */
  gc: GcTotals;
}

export interface GcTotals {
  minor: number;
  major: number;
  minorMs: number;
  majorMs: number;
}

export type ToChild = { type: 'usage' | 'gc' | 'stop'; id: number };

export type FromChild =
  | { type: 'ready'; port: number; poolSize: number | null }
  | { type: 'reply'; id: number; usage: Usage }
  | { type: 'failed'; message: string };
