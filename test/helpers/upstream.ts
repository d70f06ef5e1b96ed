// A loopback upstream whose answers a test scripts, for the provider behaviour the sandbox never
// shows (off-contract replies, a provider that stays down, 429 hints, echoed secrets) and for
// checking what goes on the wire; also the receiver the sandbox's webhook queue posts to. The one
// scripted upstream of the suite: tests do not hand-write `http.createServer` stand-ins.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll } from 'vitest';

/**
 * How the upstream answers one request: a status with a JSON body (or `raw` text, sent as it is)
 * and headers, a dropped socket, or never.
 */
export type Answer = { status: number; body?: unknown; raw?: string; headers?: Record<string, string> } | { drop: true } | { hang: true };

/** One request as the upstream received it. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The body as sent ('' for none). */
  text: string;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  body: unknown;
  /** When the request arrived (performance.now()), for the time between tries. */
  at: number;
}

/**
 * What the upstream answers: one answer for every request, a function of the request, or a list
 * answered in order (each request takes the next; once it is used up every request gets a 500).
 */
export type Script = Answer | Answer[] | ((req: Received) => Answer);

export interface Upstream {
  readonly url: string;
  /** Requests received, in order. */
  readonly seen: Received[];
  /** What the following requests get. */
  answer(next: Script): void;
  close(): Promise<void>;
}

const USED_UP: Answer = { status: 500, body: { code: 'internal', message: 'no more scripted answers' } };

function parse(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export async function startUpstream(first: Script = { status: 200, body: {} }): Promise<Upstream> {
  let script: Script = first;
  const seen: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const received: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, text, body: parse(text), at };
      seen.push(received);
      const a = Array.isArray(script) ? (script.shift() ?? USED_UP) : typeof script === 'function' ? script(received) : script;
      if ('drop' in a) {
        req.socket.destroy();
        return;
      }
      // Read and never answered; close() ends the socket.
      if ('hang' in a) return;
      const payload = a.raw ?? (a.body === undefined ? '' : JSON.stringify(a.body));
      res.writeHead(a.status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), ...a.headers }).end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    answer(next) {
      script = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * One upstream for a whole test file, started and stopped with the file's hooks: after each test
 * the clients in `clients` are closed (and the list emptied) and the requests seen are forgotten.
 * Call it at the top level of the file; the upstream can be used from the first test on.
 */
export function fileUpstream(clients: Array<{ close(): Promise<void> }>): Upstream {
  let started: Upstream | undefined;
  const current = (): Upstream => {
    if (!started) throw new Error('fileUpstream(): the upstream starts in beforeAll, use it from a test');
    return started;
  };
  beforeAll(async () => {
    started = await startUpstream();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    if (started) started.seen.length = 0;
  });
  afterAll(async () => {
    await started?.close();
  });
  return {
    get url() {
      return current().url;
    },
    get seen() {
      return current().seen;
    },
    answer: (next) => current().answer(next),
    close: () => current().close(),
  };
}
