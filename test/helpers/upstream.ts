// A loopback upstream whose answers a test scripts one request at a time, for the provider
// behaviour the sandbox never shows (a provider that stays down, 429 hints, echoed secrets).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the upstream answers one request: a status, headers and JSON body, a dropped socket, or never. */
export type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | { drop: true } | { hang: true };

export interface Upstream {
  readonly url: string;
  /** Requests received, in order (method and url). */
  readonly seen: Array<{ method: string; url: string }>;
  /** What every request gets until changed. */
  answer(next: Answer | ((req: IncomingMessage) => Answer)): void;
  close(): Promise<void>;
}

export async function startUpstream(first: Answer = { status: 200, body: {} }): Promise<Upstream> {
  let answer: Answer | ((req: IncomingMessage) => Answer) = first;
  const seen: Upstream['seen'] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '' });
      const a = typeof answer === 'function' ? answer(req) : answer;
      if ('drop' in a) {
        req.socket.destroy();
        return;
      }
      // Read and never answered; close() ends the socket.
      if ('hang' in a) return;
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end(a.body === undefined ? '' : JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    answer(next) {
      answer = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
