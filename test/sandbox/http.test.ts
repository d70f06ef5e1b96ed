// The sandbox's HTTP surface: API key, request validation, unknown routes, hostile input, fault
// injection, latency, stats and close(). Real sockets on 127.0.0.1; raw ones where a well-behaved
// client cannot produce the input.
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import fc from 'fast-check';
import { Agent, Client, request } from 'undici';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDingSandbox, type DingSandbox } from 'passport-ding/sandbox';
import { ERROR_CODES } from '../../lib/providers/ding/wire.js';
import { rawExchange } from '../helpers/sandbox-io.js';
import { waitFor } from '../helpers/wait.js';

const agent = new Agent();
let sb: DingSandbox;
const PHONE = '+15551234567';

beforeEach(async () => {
  sb = await startDingSandbox();
});
afterEach(() => sb.close());
afterAll(() => agent.close());

type Body = Record<string, unknown>;
interface Answer {
  status: number;
  contentType: unknown;
  text: string;
  body: Body;
  headers: Record<string, unknown>;
}

async function send(method: string, path: string, init: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Answer> {
  const res = await request(`${sb.url}${path}`, {
    method: method as 'GET',
    headers: { 'x-api-key': sb.apiKey, ...init.headers },
    body: init.body ?? null,
    dispatcher: agent,
  });
  const text = await res.body.text();
  let body: Body = {};
  try {
    body = JSON.parse(text) as Body;
  } catch {
    // bad_json fault: the test looks at `text`.
  }
  return { status: res.statusCode, contentType: res.headers['content-type'], text, body, headers: res.headers };
}

const postJson = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> =>
  send('POST', path, { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

const createBody = (extra: Body = {}): Body => ({ customer_uuid: sb.customerUuid, phone_number: PHONE, ...extra });

function expectError(answer: Answer, code: string): void {
  expect(answer.status).toBe(400);
  expect(answer.contentType).toBe('application/json');
  expect(answer.body).toEqual({ code, message: expect.any(String), doc_url: expect.stringContaining(`#${code}`) });
}

describe('API key and customer', () => {
  it('403 {"message":"Forbidden"} without or with a wrong x-api-key, on every operation', async () => {
    const routes: [string, string][] = [
      ['POST', '/authentication'],
      ['POST', '/check'],
      ['POST', '/retry'],
      ['POST', '/authentication/feedback'],
      ['GET', '/authentication/00000000-0000-4000-8000-000000000000'],
      ['GET', '/lookup/%2B15551234567'],
    ];
    for (const [method, path] of routes) {
      for (const key of [undefined, 'wrong', `${sb.apiKey}x`, sb.apiKey.toUpperCase()]) {
        const res = await request(`${sb.url}${path}`, {
          method: method as 'GET',
          headers: key === undefined ? {} : { 'x-api-key': key },
          dispatcher: agent,
        });
        expect(res.statusCode).toBe(403);
        expect(res.headers['content-type']).toBe('application/json');
        expect(await res.body.json()).toEqual({ message: 'Forbidden' });
      }
    }
  });

  it('the header name is case-insensitive', async () => {
    const res = await request(`${sb.url}/authentication`, {
      method: 'POST',
      headers: { 'X-API-Key': sb.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(createBody()),
      dispatcher: agent,
    });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
  });

  it('account_invalid for an unknown customer, in the body and in the lookup header', async () => {
    expectError(await postJson('/authentication', createBody({ customer_uuid: '00000000-0000-4000-8000-000000000000' })), 'account_invalid');
    expectError(await postJson('/authentication', createBody({ customer_uuid: 'not-a-uuid' })), 'account_invalid');
    expectError(await send('GET', '/lookup/%2B15551234567', { headers: { 'customer-uuid': '00000000-0000-4000-8000-000000000000' } }), 'account_invalid');
  });
});

describe('request validation', () => {
  it('bad_request for a body that is not a JSON object', async () => {
    const json = { 'content-type': 'application/json' };
    expectError(await send('POST', '/authentication', { body: '{"customer_uuid":', headers: json }), 'bad_request');
    expectError(await send('POST', '/authentication', { headers: json }), 'bad_request');
    expectError(await send('POST', '/authentication', { body: '[]', headers: json }), 'bad_request');
    expectError(await send('POST', '/authentication', { body: 'null', headers: json }), 'bad_request');
    expectError(await send('POST', '/authentication', { body: '"str"', headers: json }), 'bad_request');
    expectError(await send('POST', '/authentication', { body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), headers: json }), 'bad_request');
    expectError(await send('POST', '/authentication', { body: JSON.stringify(createBody()), headers: { 'content-type': 'text/plain' } }), 'bad_request');
    expectError(await send('POST', '/authentication', { body: JSON.stringify(createBody()) }), 'bad_request');
  });

  it('accepts application/json with a charset', async () => {
    const res = await send('POST', '/authentication', {
      body: JSON.stringify(createBody()),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(res.status).toBe(200);
  });

  it('bad_request for missing or ill-typed fields', async () => {
    const cases: [string, Body][] = [
      ['/authentication', { customer_uuid: sb.customerUuid }],
      ['/authentication', { phone_number: PHONE }],
      ['/authentication', createBody({ phone_number: 15551234567 })],
      ['/authentication', createBody({ customer_uuid: 42 })],
      ['/authentication', createBody({ is_returning_user: 'yes' })],
      ['/authentication', createBody({ device_type: 'NOKIA' })],
      ['/authentication', createBody({ device_id: 7 })],
      ['/authentication', createBody({ ip: '300.1.1.1' })],
      ['/authentication', createBody({ ip: '::1' })],
      ['/authentication', createBody({ callback_url: 'javascript:alert(1)' })],
      ['/authentication', createBody({ locale: 'english please' })],
      ['/check', { customer_uuid: sb.customerUuid, authentication_uuid: '00000000-0000-4000-8000-000000000000' }],
      ['/check', { customer_uuid: sb.customerUuid, authentication_uuid: '00000000-0000-4000-8000-000000000000', check_code: 123456 }],
      ['/check', { customer_uuid: sb.customerUuid, check_code: '123456' }],
      ['/retry', { customer_uuid: sb.customerUuid }],
      ['/retry', { customer_uuid: sb.customerUuid, authentication_uuid: null }],
      ['/authentication/feedback', { customer_uuid: sb.customerUuid, phone_number: PHONE }],
      ['/authentication/feedback', { customer_uuid: sb.customerUuid, phone_number: PHONE, status: true }],
    ];
    for (const [path, body] of cases) expectError(await postJson(path, body), 'bad_request');
  });

  it('invalid_phone_number for anything but E.164', async () => {
    for (const phone of ['+0', '15551234567', '+1 555 123 4567', '+1-555-123-4567', '+1234567890123456', '+', '', '+15551234567\n', '+１５５５']) {
      expectError(await postJson('/authentication', createBody({ phone_number: phone })), 'invalid_phone_number');
    }
    for (const phone of ['0015551234567', '%2B0', '%ZZ', 'abc']) {
      expectError(await send('GET', `/lookup/${phone}`, { headers: { 'customer-uuid': sb.customerUuid } }), 'invalid_phone_number');
    }
  });

  it('invalid_auth_uuid for malformed or unknown authentication ids', async () => {
    for (const id of ['nope', '', '00000000-0000-4000-8000-00000000000', '00000000-0000-4000-8000-000000000000']) {
      expectError(await postJson('/check', { customer_uuid: sb.customerUuid, authentication_uuid: id, check_code: '1' }), 'invalid_auth_uuid');
      expectError(await postJson('/retry', { customer_uuid: sb.customerUuid, authentication_uuid: id }), 'invalid_auth_uuid');
    }
  });

  it('lookup: bad_request without the customer-uuid header or with an unknown type', async () => {
    expectError(await send('GET', '/lookup/%2B15551234567'), 'bad_request');
    expectError(await send('GET', '/lookup/%2B15551234567?type=ssn', { headers: { 'customer-uuid': sb.customerUuid } }), 'bad_request');
    const ok = await send('GET', '/lookup/%2B15551234567?type=cnam&type=cnam', { headers: { 'customer-uuid': sb.customerUuid } });
    expect(ok.status).toBe(200);
  });

  it('unknown fields are ignored', async () => {
    expect((await postJson('/authentication', createBody({ extra: { nested: [1, 2] }, __proto__: { admin: true } }))).status).toBe(200);
  });
});

describe('routes', () => {
  it('404 JSON for unknown paths, before any API key check', async () => {
    for (const path of ['/v2/authentication', '/v1', '/v1/', '/v1/check/', '/v1/authentication/a/b', '/', '/v1/lookup/']) {
      const res = await request(`http://127.0.0.1:${sb.port}${path}`, { dispatcher: agent });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toBe('application/json');
      expect(await res.body.json()).toEqual({ message: 'Not Found' });
    }
  });

  it('405 JSON with Allow for a wrong method', async () => {
    const cases: [string, string, string][] = [
      ['GET', '/check', 'POST'],
      ['PUT', '/authentication', 'POST'],
      ['DELETE', '/retry', 'POST'],
      ['GET', '/authentication/feedback', 'POST'],
      ['POST', '/authentication/00000000-0000-4000-8000-000000000000', 'GET'],
      ['POST', '/lookup/%2B15551234567', 'GET'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await send(method, path);
      expect(res.status).toBe(405);
      expect(res.contentType).toBe('application/json');
      expect(res.headers.allow).toBe(allow);
      expect(res.body).toEqual({ message: 'Method Not Allowed' });
    }
  });
});

describe('hostile input', () => {
  it('a body over 64 KiB is a 400 bad_request, and the server keeps serving', async () => {
    const huge = JSON.stringify(createBody({ device_id: 'x'.repeat(70 * 1024) }));
    const res = await send('POST', '/authentication', { body: huge, headers: { 'content-type': 'application/json' } });
    expectError(res, 'bad_request');
    expect((await postJson('/authentication', createBody())).status).toBe(200);
  });

  it('a body far over the limit gets the connection dropped, and the server keeps serving', async () => {
    const body = Buffer.alloc(2 * 1024 * 1024, 0x20);
    await expect(send('POST', '/authentication', { body, headers: { 'content-type': 'application/json' } })).rejects.toThrow();
    expect((await postJson('/authentication', createBody())).status).toBe(200);
  });

  it('garbage on the socket gets a JSON 400, not a crash', async () => {
    const answer = await rawExchange(sb.port, 'THIS IS NOT HTTP\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toContain('application/json');
    expect(answer).toContain('"bad_request"');
    const overflow = await rawExchange(sb.port, `GET /v1/check HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`);
    expect(overflow).toMatch(/^HTTP\/1\.1 431/);
    expect((await postJson('/authentication', createBody())).status).toBe(200);
  });

  it('a client that disconnects mid-body is forgotten', async () => {
    const socket: Socket = connect(sb.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `POST /v1/authentication HTTP/1.1\r\nHost: x\r\nx-api-key: ${sb.apiKey}\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"customer_uuid":`,
    );
    await new Promise((r) => setImmediate(r));
    socket.destroy();
    expect((await postJson('/authentication', createBody())).status).toBe(200);
    expect(sb.latestCode(PHONE)).toBeDefined();
  });

  it('an absolute-form or odd request target does not confuse routing', async () => {
    for (const target of ['http://evil.example/v1/lookup/%2B1555', '//evil.example/v1/check', '//[', '/v1/lookup/%2B1555/../../x']) {
      const answer = await rawExchange(sb.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 40[045]/);
      expect(answer).toContain('application/json');
    }
  });

  it('random bodies and path segments always get a 200 or a Ding 400, never a crash', async () => {
    const field = fc.oneof(fc.string(), fc.constant(PHONE), fc.constant(sb.customerUuid), fc.uuid(), fc.integer(), fc.boolean(), fc.constant(null), fc.object());
    const body = fc.dictionary(
      fc.constantFrom('customer_uuid', 'phone_number', 'authentication_uuid', 'check_code', 'status', 'ip', 'device_type', 'app_realm', 'locale', 'callback_url', 'is_returning_user', '__proto__', 'constructor'),
      field,
    );
    const post = fc.record({ path: fc.constantFrom('/authentication', '/check', '/retry', '/authentication/feedback'), body: fc.oneof(body, fc.jsonValue()) });
    await fc.assert(
      fc.asyncProperty(post, async ({ path, body: b }) => {
        const res = await postJson(path, b);
        expect(res.contentType).toBe('application/json');
        if (res.status === 400) expect(ERROR_CODES).toContain(res.body.code);
        else expect(res.status).toBe(200);
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/authentication/', '/lookup/'), fc.string({ maxLength: 40 }), async (prefix, segment) => {
        const res = await send('GET', prefix + encodeURIComponent(segment), { headers: { 'customer-uuid': sb.customerUuid } });
        expect(res.contentType).toBe('application/json');
        expect([200, 400, 404, 405]).toContain(res.status);
      }),
      { numRuns: 100 },
    );
  });

  it('deeply nested JSON is just another body', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    expectError(await send('POST', '/check', { body: deep, headers: { 'content-type': 'application/json' } }), 'bad_request');
  });
});

describe('faults', () => {
  it('http500: a 500 with an internal_server_error body', async () => {
    sb.fail({ mode: 'http500' });
    const res = await postJson('/authentication', createBody());
    expect(res.status).toBe(500);
    expect(res.contentType).toBe('application/json');
    expect(res.body.code).toBe('internal_server_error');
    expect((await postJson('/authentication', createBody())).status).toBe(200);
  });

  it('http503, forbidden and bad_json', async () => {
    sb.fail({ mode: 'http503' });
    sb.fail({ mode: 'forbidden' });
    sb.fail({ mode: 'bad_json' });
    const a = await postJson('/authentication', createBody());
    expect([a.status, a.body]).toEqual([503, { message: 'Service Unavailable' }]);
    const b = await postJson('/authentication', createBody());
    expect([b.status, b.body]).toEqual([403, { message: 'Forbidden' }]);
    const c = await postJson('/authentication', createBody());
    expect(c.status).toBe(200);
    expect(c.contentType).toBe('application/json');
    expect(() => JSON.parse(c.text) as unknown).toThrow();
    expect(sb.latestCode(PHONE)).toBeUndefined(); // a faulted call changes no state
  });

  it('times and operation: the next N calls of that operation only, in order', async () => {
    sb.fail({ mode: 'http500', times: 2, operation: 'check' });
    expect((await postJson('/authentication', createBody())).status).toBe(200);
    const id = (await postJson('/authentication', createBody())).body.authentication_uuid;
    const checkBody = { customer_uuid: sb.customerUuid, authentication_uuid: id, check_code: sb.latestCode(PHONE) };
    expect((await postJson('/check', checkBody)).status).toBe(500);
    expect((await postJson('/check', checkBody)).status).toBe(500);
    expect((await postJson('/check', checkBody)).body.status).toBe('valid');
  });

  it('faults apply before the API key check', async () => {
    sb.fail({ mode: 'http503' });
    const res = await postJson('/authentication', createBody(), { 'x-api-key': 'wrong' });
    expect(res.status).toBe(503);
  });

  it('reset: the connection is reset after the request is read', async () => {
    sb.fail({ mode: 'reset', operation: 'lookup' });
    await expect(send('GET', '/lookup/%2B15551234567', { headers: { 'customer-uuid': sb.customerUuid } })).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNRESET|UND_ERR_SOCKET/),
    });
    expect((await send('GET', '/lookup/%2B15551234567', { headers: { 'customer-uuid': sb.customerUuid } })).status).toBe(200);
  });

  it('timeout: the call is never answered; close() releases the held socket', async () => {
    sb.fail({ mode: 'timeout', operation: 'createAuthentication' });
    const client = new Client(`http://127.0.0.1:${sb.port}`, { headersTimeout: 0, bodyTimeout: 0 });
    const pending = client
      .request({ method: 'POST', path: '/v1/authentication', headers: { 'x-api-key': sb.apiKey, 'content-type': 'application/json' }, body: JSON.stringify(createBody()) })
      .then(
        () => 'answered',
        (err: { code?: string }) => err.code,
      );
    await waitFor('the unanswered call to reach the sandbox', () => sb.stats().byOperation.createAuthentication === 1);
    expect(sb.stats().openConnections).toBe(1);
    await sb.close();
    expect(await pending).toBe('UND_ERR_SOCKET');
    expect(sb.stats().openConnections).toBe(0);
    await client.close();
  });

  it('fail() refuses unknown modes, operations and counts', () => {
    // @ts-expect-error: unknown mode, as a JavaScript caller could pass
    expect(() => sb.fail({ mode: 'explode' })).toThrow(TypeError);
    // @ts-expect-error: unknown operation
    expect(() => sb.fail({ mode: 'http500', operation: 'sendSms' })).toThrow(TypeError);
    expect(() => sb.fail({ mode: 'http500', times: 0 })).toThrow(RangeError);
    expect(() => sb.fail({ mode: 'http500', times: 1.5 })).toThrow(RangeError);
  });
});

describe('latency, stats and close', () => {
  it('latencyMs delays answers but not their content; close() cuts a delayed answer short', async () => {
    const slow = await startDingSandbox({ latencyMs: 50 });
    const res = await request(`${slow.url}/authentication`, {
      method: 'POST',
      headers: { 'x-api-key': slow.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ customer_uuid: slow.customerUuid, phone_number: PHONE }),
      dispatcher: agent,
    });
    expect(res.statusCode).toBe(200);
    expect(((await res.body.json()) as Body).status).toBe('pending');
    const veryslow = await startDingSandbox({ latencyMs: 60_000 });
    const pending = request(`${veryslow.url}/lookup/x`, { dispatcher: agent }).then(
      () => 'answered',
      () => 'closed',
    );
    await waitFor('the delayed lookup to reach the sandbox', () => veryslow.stats().requests === 1);
    await veryslow.close();
    expect(await pending).toBe('closed');
    await slow.close();
  });

  it('stats counts TCP connections, requests and operations; reset() zeroes the counters', async () => {
    const client = new Client(`http://127.0.0.1:${sb.port}`, { pipelining: 1 });
    const post = async (path: string, body: Body): Promise<void> => {
      const res = await client.request({
        method: 'POST',
        path: `/v1${path}`,
        headers: { 'x-api-key': sb.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await res.body.dump();
    };
    await post('/authentication', createBody());
    await post('/authentication', createBody());
    await post('/check', { customer_uuid: sb.customerUuid, authentication_uuid: 'x', check_code: '1' });
    await (await client.request({ method: 'GET', path: '/nowhere' })).body.dump();
    expect(sb.stats()).toEqual({
      connectionsOpened: 1,
      openConnections: 1,
      peakOpenConnections: 1,
      requests: 4,
      byOperation: { createAuthentication: 2, check: 1 },
    });
    sb.reset();
    // The peak starts again from what is still open.
    expect(sb.stats()).toEqual({ connectionsOpened: 0, openConnections: 1, peakOpenConnections: 1, requests: 0, byOperation: {} });
    await client.close();
    // The sandbox hears the socket close a moment after client.close() resolves.
    await waitFor('the client socket to close', () => sb.stats().openConnections === 0);
  });

  it('stats keeps the most connections open at once after they close', async () => {
    sb.reset();
    const clients = [0, 1, 2].map(() => new Client(`http://127.0.0.1:${sb.port}`));
    const lookups = clients.map(async (client) => {
      const res = await client.request({ method: 'GET', path: '/v1/lookup/%2B15551234567', headers: { 'x-api-key': sb.apiKey, 'customer-uuid': sb.customerUuid } });
      await res.body.dump();
    });
    await Promise.all(lookups);
    expect(sb.stats()).toMatchObject({ connectionsOpened: 3, openConnections: 3, peakOpenConnections: 3 });
    await Promise.all(clients.map((client) => client.close()));
    await waitFor('the three sockets to close', () => sb.stats().openConnections === 0);
    expect(sb.stats()).toMatchObject({ connectionsOpened: 3, openConnections: 0, peakOpenConnections: 3 });
    sb.reset();
    expect(sb.stats().peakOpenConnections).toBe(0);
  });

  it('close() is idempotent, and afterwards nothing listens', async () => {
    const url = sb.url;
    await Promise.all([sb.close(), sb.close()]);
    await sb.close();
    await expect(request(`${url}/lookup/x`, { dispatcher: agent })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
