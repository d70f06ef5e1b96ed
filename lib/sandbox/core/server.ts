// The HTTP side: node:http server, one request loop over the API modules, body limits, faults,
// latency, and the connection bookkeeping behind stats() and close(). Every answer is
// application/json. Nothing here knows an API: each module (../ding/, ../prelude/) brings its
// routes, key check, error shapes and operations (./module.ts).
//
// Order per request: module by path prefix (404) -> route (404/405) -> body (size) -> fault ->
// API key -> JSON (400) -> operation -> latency -> answer. State changes when the request
// arrives, as upstream: a client that gives up during the latency still caused the send.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseJsonObject, readBody } from './body.js';
import type { FaultAction, FaultQueue } from './faults.js';
import { moduleFor, type ApiModule } from './module.js';
import { gatewayError, type Reply } from './reply.js';
import { matchIn } from './routes.js';

export interface ServerDeps {
  /** The APIs served; the first one's error shape answers requests no module can claim. */
  modules: readonly ApiModule[];
  latencyMs: number;
  now: () => number;
  faults: FaultQueue;
}

/** What `sandbox.stats()` returns. */
export interface SandboxStats {
  /** TCP connections accepted since start (or the last `reset()`). */
  connectionsOpened: number;
  /** TCP connections open right now. */
  openConnections: number;
  /** The most TCP connections open at once since start (or the last `reset()`): a pool's bound. */
  peakOpenConnections: number;
  /** HTTP requests received since start (or the last `reset()`), including 404s. */
  requests: number;
  /** Requests per operation since start (or the last `reset()`). */
  byOperation: Record<string, number>;
}

export interface SandboxServer {
  server: Server;
  stats(): SandboxStats;
  resetStats(): void;
  /** Stops listening and destroys every socket. Idempotent. */
  close(): Promise<void>;
}

const answer = (reply: Reply): FaultAction => ({ kind: 'reply', reply });

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const payload = reply.raw ?? JSON.stringify(reply.body ?? {});
  res.writeHead(reply.status, {
    ...reply.headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

/** A raw HTTP/1.1 answer for requests Node's parser rejected before any handler ran. */
function rawAnswer(status: number, reason: string, reply: Reply): string {
  const body = JSON.stringify(reply.body ?? {});
  return (
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

/** The request target as a URL; only origin-form targets ("/v1/...") route anywhere. */
function targetUrl(target: string): URL {
  const origin = 'http://sandbox.invalid';
  return new URL(/^\/(?!\/)/.test(target) && URL.canParse(target, origin) ? target : '/', origin);
}

export function createSandboxServer(deps: ServerDeps): SandboxServer {
  const { modules, faults } = deps;
  const fallback = modules[0];
  if (!fallback) throw new TypeError('DingSandbox: at least one API module is required');
  const sockets = new Set<Socket>();
  const closing = new AbortController();
  let counters = { connectionsOpened: 0, peakOpenConnections: 0, requests: 0, byOperation: {} as Record<string, number> };
  let closed: Promise<void> | undefined;

  /** What to do with a request; undefined when the client went away while sending it. */
  async function decide(req: IncomingMessage): Promise<FaultAction | undefined> {
    const url = targetUrl(req.url ?? '');
    const api = moduleFor(modules, url.pathname);
    if (!api) return answer(gatewayError(404, 'Not Found'));
    const route = matchIn(api.routes, req.method ?? '', url.pathname);
    if ('status' in route) {
      return answer(route.status === 404 ? gatewayError(404, 'Not Found') : gatewayError(405, 'Method Not Allowed', { allow: route.allow }));
    }
    const { operation } = route;
    counters.byOperation[operation] = (counters.byOperation[operation] ?? 0) + 1;
    // A GET has no body to read.
    let parsed: { body: Record<string, unknown> } | { problem: string } = { body: {} };
    if (route.method === 'POST') {
      const result = await readBody(req);
      if (result.kind === 'aborted') return undefined;
      if (result.kind === 'too_large') {
        return answer({ ...api.badBody('the request body is too large'), headers: { connection: 'close' } });
      }
      parsed = parseJsonObject(result.data, req.headers['content-type']);
    }
    const fault = faults.take(operation);
    if (fault) return api.fault(fault, operation, deps.now(), 'body' in parsed ? parsed.body : undefined);
    const refused = api.authorize(req.headers);
    if (refused) return answer(refused);
    if ('problem' in parsed) return answer(api.badBody(parsed.problem));
    return answer(api.run(operation, { body: parsed.body, param: route.param, query: url.searchParams, headers: req.headers }));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counters.requests += 1;
    const action = await decide(req);
    if (!action) return;
    // Latency applies to every answer, faults included; close() cuts it short.
    if (deps.latencyMs > 0) {
      try {
        await sleep(deps.latencyMs, undefined, { signal: closing.signal });
      } catch {
        return;
      }
    }
    if (action.kind === 'hold') return; // never answered; close() destroys the socket
    if (action.kind === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    send(res, action.reply);
  }

  const server = createServer((req, res) => {
    res.on('error', () => {});
    handle(req, res).catch(() => {
      // A bug in the sandbox must still answer in the contract's shape, not crash the process.
      const api = moduleFor(modules, targetUrl(req.url ?? '').pathname) ?? fallback;
      if (!res.headersSent) send(res, api.internalError());
      else res.destroy();
    });
  });

  server.on('connection', (socket: Socket) => {
    counters.connectionsOpened += 1;
    sockets.add(socket);
    counters.peakOpenConnections = Math.max(counters.peakOpenConnections, sockets.size);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    // No path was read, so no module can be picked: the first one's error shape answers.
    const malformed = fallback.badBody('malformed HTTP request');
    socket.end(err.code === 'HPE_HEADER_OVERFLOW' ? rawAnswer(431, 'Request Header Fields Too Large', malformed) : rawAnswer(400, 'Bad Request', malformed));
  });

  return {
    server,
    stats: () => ({ ...counters, byOperation: { ...counters.byOperation }, openConnections: sockets.size }),
    resetStats() {
      // The peak starts again from the connections still open.
      counters = { connectionsOpened: 0, peakOpenConnections: sockets.size, requests: 0, byOperation: {} };
    },
    close() {
      closed ??= (async () => {
        closing.abort();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        // The server may report closed before each socket has; wait for both, so a caller that
        // checks stats().openConnections right after close() sees 0.
        const gone = [...sockets].map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
        for (const socket of sockets) socket.destroy();
        await Promise.all([stopped, ...gone]);
      })();
      return closed;
    },
  };
}
