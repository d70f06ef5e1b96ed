// Request bodies on the wire (lib/sandbox/core/body.ts through core/server.ts): the 64 KiB cap to
// the byte, the 1 MiB drain bound, which media types count as JSON, and the message of each
// refusal in Ding's 400, which is the problem the core found. Each test starts its own sandbox.
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import type { DingSandbox } from '../../lib/sandbox/index.js';
import { withSandbox } from '../helpers/sandbox-io.js';

const PHONE = '+15551234567';
const LIMIT = 64 * 1024;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

async function post(sb: DingSandbox, body: string | Buffer | null, contentType: string | null = 'application/json'): Promise<Answer> {
  const headers: Record<string, string> = { 'x-api-key': sb.apiKey };
  if (contentType !== null) headers['content-type'] = contentType;
  const res = await request(`${sb.url}/authentication`, { method: 'POST', headers, body });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown>, headers: res.headers };
}

/** A create body padded (with a field Ding ignores) to exactly `size` bytes. */
function padded(sb: DingSandbox, size: number): string {
  const head = JSON.stringify({ customer_uuid: sb.customerUuid, phone_number: PHONE, pad: '' });
  const text = `${head.slice(0, -2)}${'x'.repeat(size - head.length)}"}`;
  expect(Buffer.byteLength(text)).toBe(size);
  return text;
}

const badRequest = (message: string): Record<string, unknown> => ({ code: 'bad_request', message, doc_url: expect.stringContaining('#bad_request') as unknown });

describe('the body cap', () => {
  it('a body of exactly 64 KiB is read whole; one byte more is "too large", on a connection the sandbox closes', async () => {
    await withSandbox(async (sb) => {
      const fits = await post(sb, padded(sb, LIMIT));
      expect(fits.status).toBe(200);
      expect(fits.body.status).toBe('pending');
      const over = await post(sb, padded(sb, LIMIT + 1));
      expect(over).toMatchObject({ status: 400, body: badRequest('the request body is too large'), headers: { connection: 'close' } });
    });
  });

  it('a body of exactly 1 MiB is drained and answered; past it the connection is dropped', async () => {
    await withSandbox(async (sb) => {
      const drained = await post(sb, Buffer.alloc(1024 * 1024, 0x20));
      expect(drained).toMatchObject({ status: 400, body: badRequest('the request body is too large') });
      await expect(post(sb, Buffer.alloc(1024 * 1024 + 64 * 1024, 0x20))).rejects.toThrow();
      expect((await post(sb, padded(sb, 100))).status).toBe(200);
    });
  });
});

describe('what counts as a JSON object', () => {
  it('application/json in any case, with parameters, and application/*+json are JSON', async () => {
    await withSandbox(async (sb) => {
      for (const type of ['application/json', 'Application/JSON ; charset=utf-8', 'application/vnd.ding+json', 'APPLICATION/PROBLEM+JSON']) {
        expect((await post(sb, padded(sb, 200), type)).status, type).toBe(200);
      }
    });
  });

  it('other media types, or none, are refused with their message', async () => {
    await withSandbox(async (sb) => {
      for (const type of ['text/plain', 'text/vnd.ding+json', 'application/xml', 'application/jsonx', 'json', '', null]) {
        expect(await post(sb, padded(sb, 200), type), String(type)).toMatchObject({ status: 400, body: badRequest('Content-Type must be application/json') });
      }
    });
  });

  it('an empty body, text that is not JSON or not UTF-8, and JSON that is no object: each its message', async () => {
    await withSandbox(async (sb) => {
      expect(await post(sb, null)).toMatchObject({ status: 400, body: badRequest('a JSON request body is required') });
      // Even without a Content-Type, an empty body is reported as such.
      expect(await post(sb, null, null)).toMatchObject({ status: 400, body: badRequest('a JSON request body is required') });
      for (const text of ['{"customer_uuid":', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])]) {
        expect(await post(sb, text)).toMatchObject({ status: 400, body: badRequest('the request body is not valid JSON') });
      }
      for (const text of ['[]', 'null', '"str"', '42', 'true']) {
        expect(await post(sb, text), text).toMatchObject({ status: 400, body: badRequest('the request body must be a JSON object') });
      }
    });
  });
});
