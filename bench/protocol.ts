// Messages between the bench and a server child, over the fork IPC channel.

/** One reading of the server process: its own CPU and memory only. */
export interface Usage {
  /** process.cpuUsage(), microseconds since the child started. */
  userUs: number;
  systemUs: number;
  rss: number;
  heapUsed: number;
  external: number;
  /** resourceUsage().maxRSS, in bytes: the peak RSS of the child's life so far. */
  maxRss: number;
}

export type ToChild = { type: 'usage' | 'gc' | 'stop'; id: number };

export type FromChild =
  | { type: 'ready'; port: number; poolSize: number | null }
  | { type: 'reply'; id: number; usage: Usage }
  | { type: 'failed'; message: string };
