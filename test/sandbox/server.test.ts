// The core's HTTP side (lib/sandbox/core/server.ts) as a client sees it: answers with their
// length, stats() as a snapshot, requests Node's parser refuses, and the core's own refusal of an
// empty module list. Each test starts its own sandbox.
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { createSandboxServer } from '../../lib/sandbox/core/server.js';
import { FaultQueue } from '../../lib/sandbox/core/faults.js';
import type { ApiModule } from '../../lib/sandbox/core/module.js';
import { startDingSandbox } from '../../lib/sandbox/index.js';
import { rawExchange, withSandbox } from '../helpers/sandbox-io.js';

describe('answers', () => {
  it('every answer is JSON with its exact Content-Length, a 404 and a 405 as much as a 200', async () => {
    await withSandbox(async (sb) => {
      for (const [method, path] of [['GET', '/v1/lookup/%2B15551234567'], ['GET', '/nowhere'], ['GET', '/v1/check']] as const) {
        const res = await request(`http://127.0.0.1:${sb.port}${path}`, { method, headers: { 'x-api-key': sb.apiKey, 'customer-uuid': sb.customerUuid } });
        const text = await res.body.text();
        expect(res.headers['content-type']).toBe('application/json');
        expect(res.headers['content-length']).toBe(String(Buffer.byteLength(text)));
        expect(res.headers['transfer-encoding']).toBeUndefined();
      }
    });
  });

  it('a request target that starts with two slashes routes nowhere, even when the rest is a route', async () => {
    await withSandbox(async (sb) => {
      const answer = await rawExchange(sb.port, `GET //v1/lookup/%2B15551234567 HTTP/1.1\r\nHost: x\r\nx-api-key: ${sb.apiKey}\r\ncustomer-uuid: ${sb.customerUuid}\r\nConnection: close\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 404 /);
      expect(answer.endsWith('{"message":"Not Found"}')).toBe(true);
    });
  });

  it('a malformed request gets a raw 400 in Ding\'s shape, with its length, and the connection closed', async () => {
    await withSandbox(async (sb) => {
      const answer = await rawExchange(sb.port, 'THIS IS NOT HTTP\r\n\r\n');
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      expect(head.split('\r\n')).toEqual(['HTTP/1.1 400 Bad Request', 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close']);
      expect(JSON.parse(body)).toEqual({ code: 'bad_request', message: 'malformed HTTP request', doc_url: expect.stringContaining('#bad_request') });
      const overflow = await rawExchange(sb.port, `GET /v1/check HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`);
      expect(overflow.split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
      expect(overflow).toContain('"malformed HTTP request"');
    });
  });
});

describe('stats()', () => {
  it('is a snapshot: later requests do not change what an earlier call returned', async () => {
    await withSandbox(async (sb) => {
      const lookup = async (): Promise<void> => {
        const res = await request(`${sb.url}/lookup/%2B15551234567`, { headers: { 'x-api-key': sb.apiKey, 'customer-uuid': sb.customerUuid } });
        await res.body.dump();
      };
      await lookup();
      const first = sb.stats();
      expect(first).toMatchObject({ requests: 1, byOperation: { lookup: 1 } });
      await lookup();
      expect(first).toMatchObject({ requests: 1, byOperation: { lookup: 1 } });
      expect(sb.stats()).toMatchObject({ requests: 2, byOperation: { lookup: 2 } });
    });
  });
});

it('the core refuses to serve no API at all, with its message', () => {
  expect(() => createSandboxServer({ modules: [], latencyMs: 0, now: Date.now, faults: new FaultQueue([]) })).toThrow(
    new TypeError('DingSandbox: at least one API module is required'),
  );
});

describe('the request loop, with two stand-in API modules', () => {
  /** A module under `prefix` with one GET and one POST route, whose answers show what the core gave it. */
  function stub(prefix: string, seen: { fault?: unknown; run?: unknown }): ApiModule {
    return {
      prefix,
      operations: [`${prefix}-get`, `${prefix}-post`, `${prefix}-boom`],
      routes: [
        { pattern: new RegExp(`^${prefix}/get$`), method: 'GET', operation: `${prefix}-get` },
        { pattern: new RegExp(`^${prefix}/post$`), method: 'POST', operation: `${prefix}-post` },
        { pattern: new RegExp(`^${prefix}/boom$`), method: 'GET', operation: `${prefix}-boom` },
      ],
      authorize: () => undefined,
      badBody: (problem) => ({ status: 400, body: { prefix, problem } }),
      internalError: () => ({ status: 500, body: { prefix, error: 'internal' } }),
      fault: (mode, operation, _now, body) => {
        seen.fault = { mode, operation, body };
        return { kind: 'reply', reply: { status: 503, body: { prefix, mode } } };
      },
      run: (operation, input) => {
        if (operation.endsWith('-boom')) throw new Error('a bug in the module');
        seen.run = { operation, body: input.body, param: input.param };
        return { status: 200, body: { prefix, operation } };
      },
      clear: () => {},
    };
  }

  async function serve(run: (base: string, faults: FaultQueue, seen: { fault?: unknown; run?: unknown }) => Promise<void>): Promise<void> {
    const seen: { fault?: unknown; run?: unknown } = {};
    const modules = [stub('/a', {}), stub('/b', seen)];
    const faults = new FaultQueue(modules.flatMap((m) => m.operations));
    const http = createSandboxServer({ modules, latencyMs: 0, now: () => 7, faults });
    http.server.listen(0, '127.0.0.1');
    await once(http.server, 'listening');
    try {
      await run(`http://127.0.0.1:${(http.server.address() as AddressInfo).port}`, faults, seen);
    } finally {
      await http.close();
    }
  }

  it('a module that throws answers with its own internalError (not the first module\'s), and the server keeps serving', async () => {
    await serve(async (base) => {
      const res = await request(`${base}/b/boom`);
      expect(res.statusCode).toBe(500);
      expect(await res.body.json()).toEqual({ prefix: '/b', error: 'internal' });
      const after = await request(`${base}/b/get`);
      expect(after.statusCode).toBe(200);
      await after.body.dump();
    });
  });

  it('a GET reaches its operation with an empty body; a fault sees the POST body it interrupts', async () => {
    await serve(async (base, faults, seen) => {
      await (await request(`${base}/b/get`)).body.dump();
      expect(seen.run).toEqual({ operation: '/b-get', body: {}, param: '' });
      faults.add({ mode: 'http503', operation: '/b-post' });
      const res = await request(`${base}/b/post`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"x"}' });
      expect(res.statusCode).toBe(503);
      await res.body.dump();
      expect(seen.fault).toEqual({ mode: 'http503', operation: '/b-post', body: { id: 'x' } });
    });
  });
});

it('close() ends a latency wait: the held answer\'s timer is cleared, not left to run for latencyMs', async () => {
  const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
  const sb = await startDingSandbox({ latencyMs: 60_000 });
  // node:http, which sets no timer of its own for the request (undici would).
  const req = httpRequest(`${sb.url}/lookup/%2B15551234567`);
  req.on('error', () => {});
  req.end();
  const deadline = Date.now() + 5_000;
  while (sb.stats().requests === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setImmediate(resolve));
  const held = timers();
  await sb.close();
  await new Promise((resolve) => setImmediate(resolve));
  expect(timers()).toBeLessThan(held);
});
