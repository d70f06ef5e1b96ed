// lib/http.ts's `errorStatuses`: which 4xx answers have their JSON body read as the API's error.
// Ding's default ([400]) must behave as before; Prelude lists more. Real sockets, one small
// node:http server that answers with the status and body named in the request path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DingApiError, DingAuthError, DingUnavailableError } from '../../../lib/errors.js';
import { JsonHttpClient, type JsonHttpClientOptions } from '../../../lib/http.js';
import { startUpstream, type Upstream } from '../../helpers/upstream.js';

let upstream: Upstream;
let baseUrl = '';
const clients: JsonHttpClient[] = [];

beforeAll(async () => {
  // GET /<status>/<json|html>: that status, with an error body or a gateway's HTML page.
  upstream = await startUpstream((req) => {
    const [, status, kind] = req.url.split('/');
    return kind === 'html'
      ? { status: Number(status), raw: '<html>busy</html>', headers: { 'content-type': 'text/html' } }
      : { status: Number(status), body: { code: 'some_code', message: 'refused' } };
  });
  baseUrl = upstream.url;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await upstream.close();
});

function client(extra: Partial<JsonHttpClientOptions> = {}): JsonHttpClient {
  const c = new JsonHttpClient({
    baseUrl,
    parseErrorBody: (body, status) => {
      const { code, message } = body as { code?: unknown; message?: unknown };
      return typeof code === 'string' && typeof message === 'string' ? new DingApiError(code, message, undefined, status) : undefined;
    },
    ...extra,
  });
  clients.push(c);
  return c;
}

const call = (c: JsonHttpClient, path: string): Promise<unknown> =>
  c.request({ method: 'GET', path, operation: 'probe' }).catch((err: unknown) => err);

describe('errorStatuses', () => {
  it('defaults to 400 only: another 4xx is a fault with its status, its body unread', async () => {
    const c = client();
    expect(await call(c, '/400/json')).toMatchObject({ name: 'OtpApiError', apiCode: 'some_code', upstreamStatus: 400 });
    for (const status of [404, 409, 422, 429]) {
      const err = await call(c, `/${status}/json`);
      expect(err).toBeInstanceOf(DingUnavailableError);
      expect(err).toMatchObject({ reason: 'server_error', upstreamStatus: status });
    }
  });

  it('reads the body of each listed status as the API error, with that status', async () => {
    const c = client({ errorStatuses: [400, 422, 429] });
    for (const status of [400, 422, 429]) {
      expect(await call(c, `/${status}/json`)).toMatchObject({ name: 'OtpApiError', apiCode: 'some_code', upstreamStatus: status });
    }
    // Not listed: still a fault.
    expect(await call(c, '/404/json')).toMatchObject({ name: 'OtpUnavailableError', upstreamStatus: 404 });
  });

  it('a listed status without the documented body is a malformed reply that keeps its status', async () => {
    const c = client({ errorStatuses: [429] });
    const err = await call(c, '/429/html');
    expect(err).toBeInstanceOf(DingUnavailableError);
    expect(err).toMatchObject({ reason: 'malformed_response', upstreamStatus: 429 });
    // Listing 429 without a parser: the body cannot be understood either.
    const bare = client({ errorStatuses: [429], parseErrorBody: undefined });
    expect(await call(bare, '/429/json')).toMatchObject({ reason: 'malformed_response', upstreamStatus: 429 });
  });

  it('401 and 403 stay DingAuthError, whatever is listed', async () => {
    const c = client({ errorStatuses: [400, 422] });
    for (const status of [401, 403]) expect(await call(c, `/${status}/json`)).toBeInstanceOf(DingAuthError);
  });

  it('accepts only 4xx statuses other than 401 and 403', () => {
    for (const bad of [[401], [403], [200], [500], [399], [400.5], ['400']]) {
      expect(() => new JsonHttpClient({ baseUrl, errorStatuses: bad as number[] })).toThrow(TypeError);
    }
    expect(() => client({ errorStatuses: [] })).not.toThrow();
  });
});
