// lib/http.ts against small node:http servers on 127.0.0.1: each server plays one misbehaviour
// (stall, reset, redirect, wrong body) so every failure path is driven over real sockets.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DingApiError, DingAuthError, DingUnavailableError } from '../../../lib/errors.js';
import { Pool } from 'undici';
import { DeadlineReached, Deadlines } from '../../../lib/deadline.js';
import { JsonHttpClient, validateBaseUrl } from '../../../lib/http.js';
import { exchange } from '../../../lib/http-reply.js';
import { everythingIn, failure } from '../../helpers/errors.js';
import { until } from '../../helpers/wait.js';

const API_KEY = 'test_key_3f9a61c0d2b84e77';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface TestServer {
  url: string;
  origin: string;
  seen: Seen[];
  connectionsOpened: number;
  openSockets: Set<Socket>;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen, index: number) => void;

async function startServer(handler: Handler): Promise<TestServer> {
  const server: Server = createServer();
  const t: TestServer = {
    url: '',
    origin: '',
    seen: [],
    connectionsOpened: 0,
    openSockets: new Set(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (socket: Socket) => {
    t.connectionsOpened++;
    t.openSockets.add(socket);
    socket.on('close', () => t.openSockets.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      t.seen.push(seen);
      handler(req, res, seen, t.seen.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  t.origin = `http://127.0.0.1:${port}`;
  t.url = `${t.origin}/v1`;
  servers.push(t);
  return t;
}

function json(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const servers: TestServer[] = [];
const clients: JsonHttpClient[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

function client(url: string, options: Partial<ConstructorParameters<typeof JsonHttpClient>[0]> = {}): JsonHttpClient {
  const c = new JsonHttpClient({
    baseUrl: url,
    headers: { 'x-api-key': API_KEY },
    serviceName: 'Ding',
    parseErrorBody: (body) => {
      const b = body as { code?: unknown; message?: unknown };
      return typeof b?.code === 'string' && typeof b.message === 'string' ? new DingApiError(b.code, b.message) : undefined;
    },
    ...options,
  });
  clients.push(c);
  return c;
}


const GET = { method: 'GET', path: '/thing', operation: 'thing' } as const;
const POST = { method: 'POST', path: '/thing', operation: 'thing', body: { a: 1 } } as const;

describe('base URL', () => {
  it.each([
    'https://api.ding.live/v1',
    'http://127.0.0.1:8080/v1',
    'http://127.1.2.3/v1',
    'http://127.1/v1',
    'http://localhost:3000',
    'http://LOCALHOST/v1',
    'http://[::1]:9000/v1',
  ])('accepts %s', (url) => {
    expect(() => validateBaseUrl(url)).not.toThrow();
  });

  it.each([
    'http://api.ding.live/v1',
    'http://10.0.0.1/v1',
    'http://localhost.evil.test/v1',
    'http://127.0.0.1.evil.test/v1',
    'http://[::2]/v1',
    'ftp://127.0.0.1/v1',
    'https://user:pass@api.ding.live/v1',
    'https://api.ding.live/v1?x=1',
    'https://api.ding.live/v1#x',
    'api.ding.live/v1',
    '',
  ])('refuses %s with a TypeError', (url) => {
    expect(() => new JsonHttpClient({ baseUrl: url })).toThrow(TypeError);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses timeoutMs %s and connections %s', (n) => {
    expect(() => new JsonHttpClient({ baseUrl: 'https://x.test', timeoutMs: n })).toThrow(TypeError);
    expect(() => new JsonHttpClient({ baseUrl: 'https://x.test', connections: n })).toThrow(TypeError);
  });
});

describe('requests and replies', () => {
  it('POSTs JSON under the base path with the default headers', async () => {
    const s = await startServer((_req, res) => json(res, 200, { ok: true }));
    const reply = await client(s.url).request({ ...POST, query: { type: ['cnam', 'x y'], skip: undefined } });
    expect(reply).toEqual({ ok: true });
    const [seen] = s.seen;
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/v1/thing?type=cnam&type=x+y');
    expect(seen?.headers['x-api-key']).toBe(API_KEY);
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(seen?.headers.accept).toBe('application/json');
    expect(JSON.parse(seen?.body ?? '')).toEqual({ a: 1 });
  });

  it('GETs with accept only, and per-request headers', async () => {
    const s = await startServer((_req, res) => json(res, 200, [1, 2]));
    const reply = await client(`${s.origin}/v1/`).request({ ...GET, headers: { 'customer-uuid': 'c' } });
    expect(reply).toEqual([1, 2]);
    const [seen] = s.seen;
    expect(seen?.url).toBe('/v1/thing');
    expect(seen?.headers.accept).toBe('application/json');
    expect(seen?.headers['content-type']).toBeUndefined();
    expect(seen?.headers['customer-uuid']).toBe('c');
  });

  it('accepts a JSON content type with parameters', async () => {
    const s = await startServer((_req, res) => json(res, 200, { ok: 1 }, 'Application/JSON; charset=utf-8'));
    expect(await client(s.url).request(GET)).toEqual({ ok: 1 });
  });

  it('turns a 400 with the documented body into the API error', async () => {
    const s = await startServer((_req, res) => json(res, 400, { code: 'invalid_phone_number', message: 'bad number' }));
    const err = await failure(client(s.url).request(POST));
    expect(err).toBeInstanceOf(DingApiError);
    expect(err).toMatchObject({ apiCode: 'invalid_phone_number', apiMessage: 'bad number', upstreamStatus: 400 });
  });

  it.each([
    ['a body that is not the error shape', { message: 'Bad Request' }, 'application/json'],
    ['a non-JSON body', 'Bad Request', 'application/json'],
    ['a text/plain body', '{"code":"x","message":"y"}', 'text/plain'],
  ])('calls a 400 with %s a malformed response', async (_name, body, type) => {
    const s = await startServer((_req, res) => json(res, 400, body, type));
    const err = await failure(client(s.url).request(POST));
    expect(err).toBeInstanceOf(DingUnavailableError);
    expect(err).toMatchObject({ reason: 'malformed_response', upstreamStatus: 400 });
  });

  it('calls a 400 a malformed response when no error parser is given', async () => {
    const s = await startServer((_req, res) => json(res, 400, { code: 'x', message: 'y' }));
    const err = await failure(client(s.url, { parseErrorBody: undefined }).request(POST));
    expect(err).toMatchObject({ reason: 'malformed_response' });
  });

  it.each([401, 403])('turns %i into DingAuthError', async (status) => {
    const s = await startServer((_req, res) => json(res, status, { message: 'Forbidden' }));
    const err = await failure(client(s.url).request(POST));
    expect(err).toBeInstanceOf(DingAuthError);
    expect(err).toMatchObject({ upstreamStatus: status, status: 502, code: 'DING_AUTH_ERROR' });
  });

  it.each([500, 502, 503, 504, 404, 405, 429, 201, 204])('turns HTTP %i into server_error', async (status) => {
    const s = await startServer((_req, res) => (status === 204 ? res.writeHead(204).end() : json(res, status, { message: 'x' })));
    const err = await failure(client(s.url).request(GET));
    expect(err).toBeInstanceOf(DingUnavailableError);
    expect(err).toMatchObject({ reason: 'server_error', upstreamStatus: status, status: 503 });
  });

  it.each([301, 302, 307, 308])('never follows a %i redirect', async (status) => {
    const elsewhere = await startServer((_req, res) => json(res, 200, { followed: true }));
    const s = await startServer((_req, res) => {
      res.writeHead(status, { location: `${elsewhere.url}/thing` }).end();
    });
    const err = await failure(client(s.url).request(GET));
    expect(err).toMatchObject({ reason: 'server_error', upstreamStatus: status });
    expect(elsewhere.seen).toHaveLength(0);
  });

  it.each([
    ['a body that is not JSON', 'not json {', 'application/json'],
    ['an empty body', '', 'application/json'],
    ['text/html', '{"ok":true}', 'text/html'],
    ['no content type', '{"ok":true}', ''],
  ])('calls a 200 with %s a malformed response', async (_name, body, type) => {
    const s = await startServer((_req, res) => {
      const headers: Record<string, string> = type ? { 'content-type': type } : {};
      res.writeHead(200, headers).end(body);
    });
    const err = await failure(client(s.url).request(GET));
    expect(err).toBeInstanceOf(DingUnavailableError);
    expect(err).toMatchObject({ reason: 'malformed_response', upstreamStatus: 200 });
  });

  it('refuses a reply larger than 1 MiB', async () => {
    const s = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`"${'x'.repeat(2 * 1024 * 1024)}"`);
    });
    const err = await failure(client(s.url).request(GET));
    expect(err).toMatchObject({ reason: 'malformed_response' });
    expect(err.message).toContain('too large');
  });

  it('reads a body that comes in pieces, with a character split between two, after a byte-order mark', async () => {
    const value = { name: 'Zoë', pad: 'x'.repeat(100_000) };
    const s = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(value))]);
      const split = bytes.indexOf(0xc3) + 1; // between the two bytes of 'ë'
      res.write(bytes.subarray(0, split));
      setTimeout(() => res.end(bytes.subarray(split)), 20);
    });
    expect(await client(s.url).request(GET)).toEqual(value);
  });

  it('calls a reply that is not HTTP a malformed response', async () => {
    // Answer garbage on the raw socket before node:http can.
    const raw = createServer();
    raw.on('connection', (socket: Socket) => socket.end('SMTP ready\r\n\r\n'));
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const port = (raw.address() as AddressInfo).port;
    try {
      const err = await failure(client(`http://127.0.0.1:${port}/v1`).request(POST));
      expect(err).toBeInstanceOf(DingUnavailableError);
      expect((err as DingUnavailableError).reason).toMatch(/malformed_response|connection/);
    } finally {
      raw.closeAllConnections();
      await new Promise<void>((r) => raw.close(() => r()));
    }
  });
});

describe('deadlines', () => {
  it('times out when no headers come', async () => {
    const s = await startServer(() => undefined);
    const err = await failure(client(s.url, { timeoutMs: 300 }).request(POST));
    expect(err).toBeInstanceOf(DingUnavailableError);
    expect(err).toMatchObject({ reason: 'timeout' });
    expect(err.message).toContain('300 ms');
  });

  it('times out when the body stalls after the headers', async () => {
    const s = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"ok":');
    });
    const err = await failure(client(s.url, { timeoutMs: 300 }).request(GET));
    expect(err).toMatchObject({ reason: 'timeout' });
  });

  it('times out on a body that trickles in forever (the overall deadline, not the idle timer)', async () => {
    const s = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      // A byte every 50 ms never trips a 300 ms idle timer; only the whole-call deadline ends it.
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write('0,')), 50);
      res.on('close', () => clearInterval(timer));
    });
    const err = await failure(client(s.url, { timeoutMs: 300 }).request(GET));
    expect(err).toMatchObject({ reason: 'timeout' });
  });

  it('ends a call still queued for a socket at its own deadline, not when a socket frees up', async () => {
    // One socket, held by a call with a longer deadline; the second call waits in the queue.
    const s = await startServer(() => undefined);
    const pool = new Pool(s.origin, { connections: 1 });
    const long = new Deadlines(5_000).start();
    const short = new Deadlines(200).start();
    const keepAll = (): boolean => true;
    const holding = exchange(pool, { method: 'GET', path: '/v1/slow' }, long, keepAll).catch((err: unknown) => err);
    // The held call is not awaited (it never ends on its own): poll until the server has it.
    await until(() => s.seen.length === 1);
    const started = Date.now();
    const queued = await exchange(pool, { method: 'GET', path: '/v1/queued' }, short, keepAll).catch((err: unknown) => err);
    expect(queued).toBeInstanceOf(DeadlineReached);
    expect(Date.now() - started).toBeLessThan(2_000);
    // The queued request never reaches the server, even once the socket is free.
    long.expire();
    expect(await holding).toBeInstanceOf(DeadlineReached);
    await pool.close();
    expect(s.seen.map((r) => r.url)).toEqual(['/v1/slow']);
  });

  it('does not repeat a GET that timed out', async () => {
    const s = await startServer(() => undefined);
    const err = await failure(client(s.url, { timeoutMs: 300 }).request(GET));
    expect(err).toMatchObject({ reason: 'timeout' });
    expect(s.seen).toHaveLength(1);
  });
});

describe('connection failures', () => {
  it('reports a reset connection, and never repeats a POST', async () => {
    const s = await startServer((req) => req.socket.resetAndDestroy());
    const err = await failure(client(s.url).request(POST));
    expect(err).toBeInstanceOf(DingUnavailableError);
    expect(err).toMatchObject({ reason: 'connection' });
    expect(s.seen).toHaveLength(1);
  });

  it('repeats a GET once after a reset', async () => {
    const s = await startServer((req, res, _seen, i) => (i === 0 ? req.socket.resetAndDestroy() : json(res, 200, { ok: true })));
    expect(await client(s.url).request(GET)).toEqual({ ok: true });
    expect(s.seen).toHaveLength(2);
  });

  it('repeats a GET only once', async () => {
    const s = await startServer((req) => req.socket.resetAndDestroy());
    const err = await failure(client(s.url).request(GET));
    expect(err).toMatchObject({ reason: 'connection' });
    expect(s.seen).toHaveLength(2);
  });

  it('reports a connection that closes mid-body', async () => {
    const s = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"ok":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const err = await failure(client(s.url).request(POST));
    expect(err).toBeInstanceOf(DingUnavailableError);
    expect(['connection', 'malformed_response']).toContain((err as DingUnavailableError).reason);
  });

  it('reports a refused connection', async () => {
    const s = await startServer(() => undefined);
    const url = s.url;
    await s.close();
    const err = await failure(client(url).request(POST));
    expect(err).toMatchObject({ reason: 'connection' });
  });
});

describe('pooling', () => {
  it('reuses one keep-alive socket for sequential calls, whatever the status', async () => {
    // Bigger than one read, smaller than the 64 KiB we are willing to drain.
    const big = JSON.stringify({ message: 'x'.repeat(40_000) });
    const s = await startServer((_req, res, _seen, i) => {
      const kind = i % 4;
      if (kind === 0) json(res, 200, { i });
      else if (kind === 1) json(res, 500, big);
      else if (kind === 2) json(res, 403, big);
      else json(res, 400, big, 'text/html');
    });
    const c = client(s.url);
    for (let i = 0; i < 8; i++) await c.request(GET).catch(() => undefined);
    // undici's Pool may open a second socket while it still counts the first as busy; after
    // that, no status (200, 500, 403, a refused 400) may cost a socket.
    const warm = s.connectionsOpened;
    expect(warm).toBeLessThanOrEqual(2);
    for (let i = 0; i < 32; i++) await c.request(GET).catch(() => undefined);
    expect(s.seen).toHaveLength(40);
    expect(s.connectionsOpened).toBe(warm);
  });

  it('opens no more sockets than the pool size under parallel load', async () => {
    const s = await startServer((_req, res) => setTimeout(() => json(res, 200, { ok: true }), 5));
    const c = client(s.url, { connections: 4 });
    for (let round = 0; round < 3; round++) {
      await Promise.all(Array.from({ length: 25 }, () => c.request(POST)));
    }
    expect(s.seen).toHaveLength(75);
    expect(s.connectionsOpened).toBeLessThanOrEqual(4);
  });

  it('close() releases every socket, twice is fine, and later calls fail typed', async () => {
    const s = await startServer((_req, res) => json(res, 200, { ok: true }));
    const c = client(s.url, { connections: 3 });
    await Promise.all(Array.from({ length: 9 }, () => c.request(GET)));
    expect(s.openSockets.size).toBeGreaterThan(0);
    await c.close();
    await c.close();
    // The server hears each socket's close a moment after close() resolves.
    await until(() => s.openSockets.size === 0);
    expect(s.openSockets.size).toBe(0);
    const err = await failure(c.request(POST));
    expect(err).toMatchObject({ reason: 'connection' });
  });

  it('close() waits for a stalled call to hit its deadline, then frees its socket', async () => {
    const s = await startServer(() => undefined);
    const c = client(s.url, { timeoutMs: 300 });
    const call = failure(c.request(POST));
    await until(() => s.seen.length === 1);
    await c.close();
    expect(await call).toMatchObject({ reason: 'timeout' });
    await until(() => s.openSockets.size === 0);
    expect(s.openSockets.size).toBe(0);
  });
});

describe('the API key stays out of errors', () => {
  it.each<[string, Handler, 'GET' | 'POST', number?]>([
    ['timeout', () => undefined, 'POST', 300],
    ['reset', (req) => req.socket.resetAndDestroy(), 'GET'],
    ['500', (_req, res) => json(res, 500, { echo: API_KEY }), 'POST'],
    ['403', (_req, res) => json(res, 403, { echo: API_KEY }), 'POST'],
    ['bad JSON', (_req, res) => json(res, 200, `{ ${API_KEY}`), 'POST'],
    ['bad 400', (_req, res) => json(res, 400, { echo: API_KEY }), 'POST'],
    ['redirect', (_req, res) => res.writeHead(302, { location: `https://evil.test/?k=${API_KEY}` }).end(), 'GET'],
  ])('%s', async (_name, handler, method, timeoutMs) => {
    const s = await startServer(handler);
    const err = await failure(client(s.url, { timeoutMs }).request({ ...POST, method }));
    expect(err instanceof DingUnavailableError || err instanceof DingAuthError).toBe(true);
    const text = everythingIn(err);
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain('x-api-key');
  });

  it('a refused connection', async () => {
    const s = await startServer(() => undefined);
    await s.close();
    const err = await failure(client(s.url).request(POST));
    expect(err.cause).toBeInstanceOf(Error);
    expect(everythingIn(err)).not.toContain(API_KEY);
  });
});
