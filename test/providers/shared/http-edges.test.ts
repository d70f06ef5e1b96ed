// lib/http.ts and lib/http-reply.ts at their edges, over real sockets on 127.0.0.1: the exact
// message of each refusal and fault (they reach logs and, through the strategy, the app's
// developer), which statuses carry a retry hint, the headers that cannot be overridden, the base
// path, the query, the plain copy of an undici error, a body that only looks like a byte-order
// mark, and the drain limit of an unread body. http.test.ts holds the main paths.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OtpApiError, OtpAuthError, OtpUnavailableError } from '../../../lib/errors.js';
import { JsonHttpClient, MAX_RETRY_AFTER_SECONDS, retryAfterSeconds, validateBaseUrl, type JsonHttpClientOptions } from '../../../lib/http.js';
import { failure } from '../../helpers/errors.js';
import { startUpstream, type Script, type Upstream } from '../../helpers/upstream.js';
import { until } from '../../helpers/wait.js';

const SECRET = 'sk_test_9d2f4b7c1e';
const upstreams: Upstream[] = [];
const clients: JsonHttpClient[] = [];
const servers: Array<{ server: Server; sockets: Set<Socket> }> = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
  await Promise.all(
    servers.splice(0).map(
      ({ server, sockets }) =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => resolve());
        }),
    ),
  );
});

async function upstream(script: Script): Promise<Upstream> {
  const u = await startUpstream(script);
  upstreams.push(u);
  return u;
}

/** A client like a provider's: a named service, a key, an error-body parser that uses `clean`. */
function client(baseUrl: string, options: Partial<JsonHttpClientOptions> = {}): JsonHttpClient {
  const c = new JsonHttpClient({
    baseUrl,
    headers: { 'x-api-key': SECRET },
    secrets: [SECRET],
    serviceName: 'Ding',
    circuitBreaker: false,
    parseErrorBody: (body, status, context) => {
      const { code, message } = body as { code?: unknown; message?: unknown };
      if (typeof code !== 'string' || typeof message !== 'string') return undefined;
      return new OtpApiError(code, context.clean(message), undefined, status, { retryAfter: context.retryAfter });
    },
    ...options,
  });
  clients.push(c);
  return c;
}

const GET = { method: 'GET', path: '/thing', operation: 'thing' } as const;
const POST = { method: 'POST', path: '/thing', operation: 'thing', body: { a: 1 } } as const;

/**
 * A TCP server that answers each request (a GET: its head is one chunk) with `reply`, bytes as
 * given, for replies node:http would not write; counts requests and opened and closed sockets.
 */
async function rawServer(reply: (socket: Socket) => void): Promise<{ url: string; requests: () => number; opened: () => number; closed: () => number }> {
  let requests = 0;
  let opened = 0;
  let closed = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket: Socket) => {
    opened++;
    sockets.add(socket);
    // The client may drop the socket at any time; that is what some tests look for.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed++;
      sockets.delete(socket);
    });
    socket.on('data', () => {
      requests++;
      reply(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ server, sockets });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests, opened: () => opened, closed: () => closed };
}

describe('validateBaseUrl: one message per refusal', () => {
  it.each([
    [42, 'baseUrl must be a non-empty string'],
    ['', 'baseUrl must be a non-empty string'],
    ['api.ding.live/v1', 'baseUrl must be an absolute URL'],
    ['https://user@api.ding.live/v1', 'baseUrl must not contain credentials'],
    ['https://:pass@api.ding.live/v1', 'baseUrl must not contain credentials'],
    ['https://api.ding.live/v1?x=1', 'baseUrl must not have a query or fragment'],
    ['https://api.ding.live/v1#x', 'baseUrl must not have a query or fragment'],
    ['http://api.ding.live/v1', 'baseUrl must use https (http is allowed only for loopback hosts)'],
    ['ftp://127.0.0.1/v1', 'baseUrl must use https (http is allowed only for loopback hosts)'],
    ['http://128.0.0.1/v1', 'baseUrl must use https (http is allowed only for loopback hosts)'],
  ])('%j: %s', (url, message) => {
    expect(() => validateBaseUrl(url)).toThrow(new TypeError(message));
  });

  it('accepts every 127.x.y.z host, one to three digits a part, and returns the parsed URL', () => {
    for (const url of ['http://127.255.255.255/v1', 'http://127.10.200.3:8/v1', 'http://127.0.0.1']) {
      expect(validateBaseUrl(url).href).toBe(new URL(url).href);
    }
    expect(validateBaseUrl('https://api.ding.live/v1')).toBeInstanceOf(URL);
  });
});

describe('constructor: one message per refusal', () => {
  it('names the option it refuses', () => {
    expect(() => new JsonHttpClient({ baseUrl: 'https://x.test', timeoutMs: 0 })).toThrow(new TypeError('timeoutMs must be a positive integer'));
    // Past the longest timer node fires after 1 ms: every call would time out at once.
    expect(() => new JsonHttpClient({ baseUrl: 'https://x.test', timeoutMs: 2 ** 31 })).toThrow(
      new TypeError('timeoutMs must be at most 2147483647 (about 24.8 days, the longest timer)'),
    );
    expect(() => new JsonHttpClient({ baseUrl: 'https://x.test', connections: 0 })).toThrow(new TypeError('connections must be a positive integer'));
    for (const errorStatuses of [[500], '400', new Set([400])]) {
      expect(() => new JsonHttpClient({ baseUrl: 'https://x.test', errorStatuses: errorStatuses as never })).toThrow(
        new TypeError('errorStatuses must be 4xx statuses other than 401 and 403'),
      );
    }
  });

  it('takes the smallest deadline and pool, and every 4xx from 400 to 499 but 401 and 403', async () => {
    const c = client('https://x.test', { timeoutMs: 1, connections: 1, errorStatuses: [400, 402, 404, 499] });
    expect(c.timeoutMs).toBe(1);
    expect(new JsonHttpClient({ baseUrl: 'https://x.test' }).timeoutMs).toBe(5000);
  });
});

describe('what goes on the wire', () => {
  it('trims every trailing slash of the base path, and leaves out a query whose values are all absent', async () => {
    const u = await upstream({ status: 200, body: {} });
    await client(`${u.url}/v1//`).request({ ...GET, query: { type: undefined } });
    await client(u.url).request({ ...GET, query: { type: [] } });
    await client(u.url).request({ ...GET, query: { type: 'cnam' } });
    expect(u.seen.map((r) => r.url)).toEqual(['/v1/thing', '/thing', '/thing?type=cnam']);
  });

  it('always asks for JSON: neither the client nor a request can change accept', async () => {
    const u = await upstream({ status: 200, body: {} });
    const c = client(u.url, { headers: { 'x-api-key': SECRET, accept: 'text/html' } });
    await c.request(GET);
    await c.request({ ...POST, headers: { accept: 'text/html', 'x-extra': '1' } });
    expect(u.seen.map((r) => r.headers.accept)).toEqual(['application/json', 'application/json']);
    expect(u.seen[1]?.headers['content-type']).toBe('application/json');
    expect(u.seen[1]?.headers['x-extra']).toBe('1');
  });

  it('a POST without a body sends no body and no content type', async () => {
    const u = await upstream({ status: 200, body: {} });
    await client(u.url).request({ method: 'POST', path: '/thing', operation: 'thing' });
    expect(u.seen[0]?.text).toBe('');
    expect(u.seen[0]?.headers['content-type']).toBeUndefined();
  });
});

describe('the message of each fault names the service and operation, never more', () => {
  it.each<[string, Script, string, string]>([
    ['an unexpected status', { status: 500, body: {} }, 'server_error', 'Ding thing: unexpected HTTP 500'],
    ['a 400 without the error body', { status: 400, body: { what: 1 } }, 'malformed_response', 'Ding thing: HTTP 400 without a documented error body'],
    ['a 200 that is not JSON', { status: 200, raw: '<html>', headers: { 'content-type': 'text/html' } }, 'malformed_response', 'Ding thing: reply is not application/json'],
    ['a 200 with broken JSON', { status: 200, raw: '{"a":' }, 'malformed_response', 'Ding thing: reply is not valid JSON'],
  ])('%s', async (_what, script, reason, message) => {
    const u = await upstream(script);
    const err = await failure(client(u.url).request(POST));
    expect(err).toBeInstanceOf(OtpUnavailableError);
    expect(err).toMatchObject({ reason, message });
  });

  it('a client without a service name says API', async () => {
    const u = await upstream({ status: 502, body: {} });
    expect(await failure(client(u.url, { serviceName: undefined }).request(POST))).toMatchObject({ message: 'API thing: unexpected HTTP 502' });
  });

  it('the longest deadline it takes is a timer node keeps: the call is answered, with no overflow warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const u = await upstream({ status: 200, body: { ok: true } });
      expect(await client(u.url, { timeoutMs: 2 ** 31 - 1 }).request(POST)).toEqual({ ok: true });
      // A warning is emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });

  it('a deadline and a refused connection', async () => {
    const u = await upstream({ hang: true });
    const timedOut = await failure(client(u.url, { timeoutMs: 200 }).request(POST));
    expect(timedOut).toMatchObject({ reason: 'timeout', message: 'Ding thing: no complete reply within 200 ms' });
    expect(timedOut.cause).toBeInstanceOf(Error);
    const gone = await upstream({ status: 200, body: {} });
    await gone.close();
    upstreams.splice(upstreams.indexOf(gone), 1);
    expect(await failure(client(gone.url).request(POST))).toMatchObject({ reason: 'connection', message: 'Ding thing: connection failed' });
  });

  it.each([
    ['a status line that is not HTTP', 'XTTP/1.1 200 OK\r\n\r\n'],
    ['a content length that is not a number', 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: abc\r\n\r\n{}'],
    ['two content lengths', 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}'],
  ])('%s is a reply that is not valid HTTP, and a GET is not repeated for it', async (_what, reply) => {
    const s = await rawServer((socket) => socket.end(reply));
    const err = await failure(client(s.url).request(GET));
    expect(err).toMatchObject({ reason: 'malformed_response', message: 'Ding thing: reply is not valid HTTP' });
    expect(s.requests()).toBe(1);
    // The cause copies a code only when undici's error has one as a string.
    const cause = err.cause as Error & { code?: unknown };
    if (cause.name === 'HTTPParserError') expect(Object.keys(cause)).toEqual(['name']);
    else expect(cause.code).toBe('UND_ERR_RES_CONTENT_LENGTH_MISMATCH');
  });

  it('a refused key: the hint with the status, or the generic message', async () => {
    const u = await upstream({ status: 403, body: {} });
    const hinted = await failure(client(u.url, { authErrorHint: 'Wrong kind of key' }).request(POST));
    expect(hinted).toBeInstanceOf(OtpAuthError);
    expect(hinted.message).toBe('Wrong kind of key (HTTP 403)');
    expect((await failure(client(u.url).request(POST))).message).toBe('The OTP API refused the credentials (HTTP 403); check the API key');
  });
});

describe('the cause of a fault is a plain copy of the undici error', () => {
  it('with its name, message and code, and no stack', async () => {
    const gone = await upstream({ status: 200, body: {} });
    await gone.close();
    upstreams.splice(upstreams.indexOf(gone), 1);
    const err = await failure(client(gone.url).request(POST));
    const cause = err.cause as Error & { code?: unknown };
    expect(Object.getPrototypeOf(cause)).toBe(Error.prototype);
    expect(cause.code).toBe('ECONNREFUSED');
    expect(cause.message).toMatch(/ECONNREFUSED/);
    expect(cause.stack).toBeUndefined();
    expect(Object.keys(cause).sort()).toEqual(['code', 'name']);
    expect(cause.name).toBe('Error');
  });

  it('keeps the error name of undici', async () => {
    const u = await upstream({ drop: true });
    const err = await failure(client(u.url).request(POST));
    expect(err).toMatchObject({ reason: 'connection' });
    expect((err.cause as Error).name).toBe('SocketError');
    expect((err.cause as Error & { code?: unknown }).code).toBe('UND_ERR_SOCKET');
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'parser broke'],
    ['an object without a code', { why: 'parser broke' }],
  ])('what an error-body parser throws as %s still fails typed, with no cause', async (_what, thrown) => {
    const u = await upstream({ status: 400, body: { code: 'x', message: 'y' } });
    const parseErrorBody = (): never => {
      throw thrown;
    };
    const err = await failure(client(u.url, { parseErrorBody }).request(POST));
    expect(err).toBeInstanceOf(OtpUnavailableError);
    expect(err.cause).toBeUndefined();
    expect(u.seen).toHaveLength(1);
  });
});

describe('the retry hint: only on a 429 or a 503', () => {
  it.each([
    [429, 7],
    [503, 7],
    [500, undefined],
    [502, undefined],
  ])('HTTP %i with Retry-After: 7 gives retryAfter %s', async (status, retryAfter) => {
    const u = await upstream({ status, body: {}, headers: { 'retry-after': '7' } });
    expect(await failure(client(u.url).request(POST))).toMatchObject({ upstreamStatus: status, retryAfter });
  });

  it('reaches the error-body parser of a listed 429, with the secret redacted from the text', async () => {
    const u = await upstream({ status: 429, body: { code: 'too_many', message: `slow down ${SECRET}` }, headers: { 'retry-after': '9' } });
    const err = await failure(client(u.url, { errorStatuses: [429], secrets: [null as never, '', SECRET] }).request(POST));
    expect(err).toBeInstanceOf(OtpApiError);
    expect(err).toMatchObject({ apiCode: 'too_many', apiMessage: 'slow down [redacted]', upstreamStatus: 429, retryAfter: 9 });
  });

  it('a non-JSON 503 keeps its hint on the malformed reply', async () => {
    const u = await upstream({ status: 503, raw: 'busy', headers: { 'content-type': 'text/plain', 'retry-after': '3' } });
    expect(await failure(client(u.url, { errorStatuses: [400] }).request(POST))).toMatchObject({ reason: 'server_error', retryAfter: 3 });
  });
});

describe('content types and bodies', () => {
  it.each([
    ['application/json ;charset=utf-8', true],
    ['APPLICATION/JSON', true],
    ['application/jsonp', false],
    ['application/json-seq', false],
    ['text/plain; application/json', false],
  ])('%s is JSON: %s', async (contentType, json) => {
    const u = await upstream({ status: 200, raw: '{"ok":1}', headers: { 'content-type': contentType } });
    const reply = client(u.url).request(GET);
    if (json) expect(await reply).toEqual({ ok: 1 });
    else expect(await failure(reply)).toMatchObject({ message: 'Ding thing: reply is not application/json' });
  });

  it('an empty content type is not JSON', async () => {
    const s = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-type: \r\ncontent-length: 2\r\n\r\n{}'));
    expect(await failure(client(s.url).request(GET))).toMatchObject({ message: 'Ding thing: reply is not application/json' });
  });

  it('a reply too large to keep: the cause says so', async () => {
    const u = await upstream({ status: 200, raw: `"${'x'.repeat(1024 * 1024)}"` });
    const err = await failure(client(u.url).request(GET));
    expect(err).toMatchObject({ reason: 'malformed_response', message: 'Ding thing: reply is too large' });
    expect((err.cause as Error & { code?: unknown }).code).toBe('UND_ERR_RES_EXCEEDED_MAX_SIZE');
  });

  it('strips a byte-order mark, but not three bytes that only start like one', async () => {
    const u = await upstream([
      { status: 200, raw: '\uFEFF{"ok":1}' },
      // U+F03F is EF 80 BF in UTF-8: the first and third byte of a BOM.
      { status: 200, raw: '\uF03F{"ok":1}' },
      // U+FEC0 is EF BB 80: the first two.
      { status: 200, raw: '\uFEC0{"ok":1}' },
      // U+0EFF is E0 BB BF: the last two.
      { status: 200, raw: '\u0EFF{"ok":1}' },
    ]);
    const c = client(u.url);
    expect(await c.request(GET)).toEqual({ ok: 1 });
    expect(await failure(c.request(GET))).toMatchObject({ message: 'Ding thing: reply is not valid JSON' });
    expect(await failure(c.request(GET))).toMatchObject({ message: 'Ding thing: reply is not valid JSON' });
    expect(await failure(c.request(GET))).toMatchObject({ message: 'Ding thing: reply is not valid JSON' });
  });

  it.each(['text/plain', 'application/json'])('an unread %s body past 64 KiB is not read on: the answer stands and the socket is dropped', async (type) => {
    const big = 'x'.repeat(200 * 1024);
    const s = await rawServer((socket) =>
      socket.write(`HTTP/1.1 500 Internal Server Error\r\ncontent-type: ${type}\r\ncontent-length: ${big.length}\r\n\r\n${big}`),
    );
    const err = await failure(client(s.url).request(GET));
    expect(err).toMatchObject({ reason: 'server_error', upstreamStatus: 500, message: 'Ding thing: unexpected HTTP 500' });
    // Read to the end, the socket would stay in the pool until close().
    await until(() => s.closed() === 1);
    expect(s.closed()).toBe(1);
    expect(s.requests()).toBe(1);
  });

  it('an unread body of exactly 64 KiB is still drained: the socket serves the next calls', async () => {
    const body = 'x'.repeat(64 * 1024);
    const s = await rawServer((socket) =>
      socket.write(`HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\n\r\n${body}`),
    );
    const c = client(s.url);
    // undici's pool may open a second socket while it still counts the first as busy; after
    // that, no call may cost one.
    for (let i = 0; i < 3; i++) expect(await failure(c.request(GET))).toMatchObject({ reason: 'server_error' });
    const warm = s.opened();
    for (let i = 0; i < 6; i++) expect(await failure(c.request(GET))).toMatchObject({ reason: 'server_error' });
    expect(s.opened()).toBe(warm);
    expect(s.closed()).toBe(0);
  });
});

describe('retryAfterSeconds at its edges', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');
  it.each<[{ retryAfter?: unknown; retryAfterMs?: unknown }, number | undefined]>([
    [{ retryAfterMs: ' 2000 ' }, 2],
    [{ retryAfter: ' 5 ' }, 5],
    [{ retryAfterMs: 'x5', retryAfter: '9' }, 9],
    [{ retryAfterMs: '5x', retryAfter: '9' }, 9],
    [{ retryAfterMs: '1500.25' }, 2],
    [{ retryAfterMs: 2000, retryAfter: '9' }, 9],
    [{ retryAfter: '9'.repeat(400) }, undefined],
    [{ retryAfter: '2030-01-02' }, undefined],
    [{ retryAfter: 'Tue, 01 Jan 2030 00:00:30 GMT' }, 30],
    [{ retryAfter: 'Mon, 31 Dec 2029 23:59:00 GMT' }, undefined],
    [{ retryAfter: 'Thu, 01 Jan 2032 00:00:00 GMT' }, MAX_RETRY_AFTER_SECONDS],
  ])('%j gives %s', (reply, seconds) => {
    expect(retryAfterSeconds({ retryAfter: reply.retryAfter, retryAfterMs: reply.retryAfterMs }, now)).toBe(seconds);
  });
});
