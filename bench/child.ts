// Starts a server child (server.ts) for one variant and asks it for its usage over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { ROOT } from './dist.js';
import { SERVER_BUNDLE } from './bundle.js';
import type { FromChild, ToChild, Usage } from './protocol.js';
import type { DingTarget } from './variants/shell.js';
import type { VariantName } from './variants/index.js';

export interface ServerChild {
  origin: string;
  pid: number;
  poolSize: number | null;
  usage(): Promise<Usage>;
  /** Collects garbage (the child runs with --expose-gc), then reads usage. */
  gcUsage(): Promise<Usage>;
  /** Stops the server; resolves once the process has exited. */
  stop(): Promise<Usage>;
}

export interface ChildOptions {
  /** Directory for a V8 CPU profile of the child (server.ts writes it, from the moment it listens), or undefined for none. */
  cpuProfDir?: string | undefined;
  /** The CPU profile's sampling interval, µs (node's default: 1000). */
  cpuProfIntervalUs?: number | undefined;
  /** Directory for an allocation profile of the child (server.ts writes it), or undefined for none. */
  allocProfDir?: string | undefined;
  /** Every variant trusts X-Forwarded-For from loopback (the load client's distinct senders). */
  trustProxy?: boolean | undefined;
  /** More node flags for the child. */
  nodeFlags?: readonly string[];
  /** Runs the child through this executable instead of node (instructions.ts: valgrind's wrapper). */
  execPath?: string;
  /** More environment for the child (and its wrapper). */
  env?: Record<string, string>;
}

export async function startServerChild(variant: VariantName, ding: DingTarget, options: ChildOptions = {}): Promise<ServerChild> {
  const execArgv = ['--expose-gc'];
  execArgv.push(...(options.nodeFlags ?? []));
  // Plain node on the bundle made by bundle.ts (run.ts builds it first).
  const child: ChildProcess = fork(SERVER_BUNDLE, [], {
    cwd: ROOT,
    execArgv,
    ...(options.execPath ? { execPath: options.execPath } : {}),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      BENCH_ROOT: ROOT,
      BENCH_VARIANT: variant,
      BENCH_DING_URL: ding.url,
      BENCH_DING_API_KEY: ding.apiKey,
      BENCH_DING_CUSTOMER_UUID: ding.customerUuid,
      BENCH_CPU_PROF: options.cpuProfDir ?? '',
      BENCH_CPU_PROF_INTERVAL: options.cpuProfIntervalUs === undefined ? '' : String(options.cpuProfIntervalUs),
      BENCH_ALLOC_PROF: options.allocProfDir ?? '',
      BENCH_TRUST_PROXY: options.trustProxy ? '1' : '',
      ...options.env,
    },
  });
  const exited = once(child, 'exit');

  const waiting = new Map<number, { resolve: (usage: Usage) => void; reject: (err: Error) => void }>();
  let nextId = 1;
  const ready = new Promise<{ port: number; poolSize: number | null }>((resolve, reject) => {
    child.on('message', (message: FromChild) => {
      if (message.type === 'ready') resolve(message);
      else if (message.type === 'failed') reject(new Error(`${variant} server: ${message.message}`));
      else waiting.get(message.id)?.resolve(message.usage);
    });
    void exited.then(([code]) => {
      const gone = new Error(`${variant} server exited (${String(code)})`);
      reject(gone);
      for (const w of waiting.values()) w.reject(gone);
    });
  });

  const ask = (type: ToChild['type']): Promise<Usage> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, {
        resolve: (usage) => {
          waiting.delete(id);
          resolve(usage);
        },
        reject,
      });
      child.send({ type, id } satisfies ToChild);
    });

  const { port, poolSize } = await ready;
  return {
    origin: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    poolSize,
    usage: () => ask('usage'),
    gcUsage: () => ask('gc'),
    async stop() {
      const last = await ask('stop');
      await exited;
      return last;
    },
  };
}
