// The HTTP side: node:http server, routing, API key, body parsing, faults, latency, and the
// connection bookkeeping behind stats() and close(). Every answer is application/json.
//
// Order per request: route (404/405) -> body (size) -> fault -> x-api-key (403)
// -> JSON (400 bad_request) -> operation -> latency -> answer. State changes when the request
// arrives, as upstream: a client that gives up during the latency still caused the send.
// Paths under /v2 are Prelude Verify V2 (./prelude/): the same order, with the Bearer key (401)
// and V2's error shape.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseJsonObject, readBody } from './body.js';
import { faultAction, type FaultAction, type FaultQueue } from './faults.js';
import { keyMatcher } from './key.js';
import { OPERATIONS, type OperationContext } from './operations.js';
import { dingError, FORBIDDEN, gatewayError, type Reply } from './reply.js';
import { matchRoute } from './routes.js';
import {
  isPreludePath,
  matchPreludeRoute,
  parsePreludeBody,
  PRELUDE_OPERATIONS,
  preludeFaultAction,
  type PreludeContext,
} from './prelude/index.js';
import { preludeError } from './prelude/reply.js';
import type { SandboxStats } from './types.js';

export interface ServerDeps {
  apiKey: string;
  latencyMs: number;
  now: () => number;
  faults: FaultQueue;
  context: OperationContext;
  prelude: {
    context: PreludeContext;
    /** The 401 to answer for this Authorization header, or undefined for the right Bearer key. */
    authorize: (header: string | string[] | undefined) => Reply | undefined;
  };
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
function rawAnswer(status: number, reason: string): string {
  const body = JSON.stringify(dingError('bad_request', 'malformed HTTP request').body);
  return (
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

export function createSandboxServer(deps: ServerDeps): SandboxServer {
  const isKey = keyMatcher(deps.apiKey);
  const sockets = new Set<Socket>();
  const closing = new AbortController();
  let counters = { connectionsOpened: 0, peakOpenConnections: 0, requests: 0, byOperation: {} as Record<string, number> };
  let closed: Promise<void> | undefined;

  const authorized = (header: string | string[] | undefined): boolean =>
    typeof header === 'string' && isKey(header);

  /** What to do with a request; undefined when the client went away while sending it. */
  async function decide(req: IncomingMessage): Promise<FaultAction | undefined> {
    // Only origin-form targets ("/v1/..."); "//host/..." or absolute forms route nowhere.
    const target = req.url ?? '';
    const url = new URL(/^\/(?!\/)/.test(target) && URL.canParse(target, 'http://sandbox.invalid') ? target : '/', 'http://sandbox.invalid');
    if (isPreludePath(url.pathname)) return decidePrelude(req, url);
    const route = matchRoute(req.method ?? '', url.pathname);
    if ('status' in route) {
      return answer(route.status === 404 ? gatewayError(404, 'Not Found') : gatewayError(405, 'Method Not Allowed', { allow: route.allow }));
    }
    const { operation } = route;
    counters.byOperation[operation] = (counters.byOperation[operation] ?? 0) + 1;
    let data: Buffer = Buffer.alloc(0);
    if (route.method === 'POST') {
      const result = await readBody(req);
      if (result.kind === 'aborted') return undefined;
      if (result.kind === 'too_large') {
        return answer({ ...dingError('bad_request', 'the request body is too large'), headers: { connection: 'close' } });
      }
      data = result.data;
    }
    const parsed = route.method === 'POST' ? parseJsonObject(data, req.headers['content-type']) : { body: {} };
    const fault = deps.faults.take(operation);
    if (fault) {
      const authUuid = 'body' in parsed ? parsed.body.authentication_uuid : undefined;
      return faultAction(fault, operation, deps.now(), authUuid);
    }
    if (!authorized(req.headers['x-api-key'])) return answer(FORBIDDEN);
    if ('reply' in parsed) return answer(parsed.reply);
    const input = { body: parsed.body, param: route.param, query: url.searchParams, headers: req.headers };
    return answer(OPERATIONS[operation](deps.context, input));
  }

  /** The same steps as decide(), for the V2 API. */
  async function decidePrelude(req: IncomingMessage, url: URL): Promise<FaultAction | undefined> {
    const route = matchPreludeRoute(req.method ?? '', url.pathname);
    if ('status' in route) {
      return answer(route.status === 404 ? gatewayError(404, 'Not Found') : gatewayError(405, 'Method Not Allowed', { allow: route.allow }));
    }
    const { operation } = route;
    counters.byOperation[operation] = (counters.byOperation[operation] ?? 0) + 1;
    // A GET (lookup) has no body to read, as in V1.
    let parsed: ReturnType<typeof parsePreludeBody> = { body: {} };
    if (route.method === 'POST') {
      const result = await readBody(req);
      if (result.kind === 'aborted') return undefined;
      if (result.kind === 'too_large') {
        return answer({ ...preludeError('invalid_request', 'the request body is too large'), headers: { connection: 'close' } });
      }
      parsed = parsePreludeBody(result.data, req.headers['content-type']);
    }
    const fault = deps.faults.take(operation);
    if (fault) return preludeFaultAction(fault, operation, deps.now());
    const refused = deps.prelude.authorize(req.headers.authorization);
    if (refused) return answer(refused);
    if ('reply' in parsed) return answer(parsed.reply);
    return answer(PRELUDE_OPERATIONS[operation](deps.prelude.context, { body: parsed.body, param: route.param, query: url.searchParams }));
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
      if (!res.headersSent) send(res, { ...dingError('internal_server_error', 'sandbox error'), status: 500 });
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
    socket.end(err.code === 'HPE_HEADER_OVERFLOW' ? rawAnswer(431, 'Request Header Fields Too Large') : rawAnswer(400, 'Bad Request'));
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
