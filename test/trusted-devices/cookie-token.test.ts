// The device cookie's and token's helpers on their own: reading the Cookie header (quotes, the
// first of two, a valueless cookie), the Secure rule for each way a loopback Host can be written,
// Set-Cookie beside one already set, the stored phone tag's exact form, the constant-time
// comparison of tags of another length, and a stored record read back strictly. The cookie
// helpers run in a real Express app over loopback HTTP.
import { createHash } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { appendSetCookie, deviceCookie, readCookie, secureFor } from '../../lib/trusted-devices/cookie.js';
import { formatRecord, parseRecord } from '../../lib/trusted-devices/store.js';
import { newToken, phoneTag, sameTag, tokenDigest, wellFormedToken } from '../../lib/trusted-devices/token.js';

/** An app that answers what the helpers read from the request: the cookie `n` and the Secure rule. */
function echo(before?: (res: express.Response) => void) {
  const app = express();
  app.get('/', (req, res) => {
    before?.(res);
    appendSetCookie(res, 'ours=1');
    res.json({ cookie: readCookie(req, 'n') ?? null, secure: secureFor(req) });
  });
  return app;
}

describe('readCookie', () => {
  const read = async (header: string) => (await request(echo()).get('/').set('Cookie', header)).body.cookie as string | null;

  it('takes the value inside double quotes (RFC 6265 allows them), and a lone quote as it is', async () => {
    expect(await read('n="abc"')).toBe('abc');
    expect(await read('n=""')).toBe('');
    expect(await read('n="')).toBe('"');
    expect(await read('n="abc')).toBe('"abc');
    expect(await read('n=abc"')).toBe('abc"');
  });

  it('takes the first of two cookies of the name, trims spaces, and skips other names and valueless parts', async () => {
    expect(await read('n=first; n=second')).toBe('first');
    expect(await read('a=1;  n = v ; b=2')).toBe('v');
    // A part without '=' is no cookie: "nx" is not "n" with its last character dropped.
    expect(await read('nx; n=v')).toBe('v');
    expect(await read('nn=1; xn=2')).toBeNull();
    expect(await request(echo()).get('/').then((r) => r.body.cookie)).toBeNull();
  });
});

describe('secureFor', () => {
  const secure = async (host: string) => (await request(echo()).get('/').set('Host', host)).body.secure as boolean;

  it('is not Secure for each way of writing a loopback host over a loopback socket', async () => {
    for (const host of ['localhost', 'localhost:3000', 'LOCALHOST:3000', '127.0.0.1', '127.0.0.1:80', '[::1]', '[::1]:3000', '[::1']) {
      // '[::1' (no closing bracket) is the client's own malformed header: not loopback, so Secure.
      expect([host, await secure(host)]).toEqual([host, host === '[::1']);
    }
  });

  it('is Secure for any other host, however close to a loopback one', async () => {
    for (const host of ['localhost.example', 'app.example:3000', '127.0.0.2', '[::2]:3000', 'xlocalhost']) {
      expect([host, await secure(host)]).toEqual([host, true]);
    }
  });
});

describe('deviceCookie', () => {
  /** deviceCookie() on a real request over loopback HTTP, with the Host header given. */
  const cookieOf = async (host: string, name: string, isDefault: boolean, path = '/') => {
    const app = express();
    app.get('/', (req, res) => res.json(deviceCookie(name, isDefault, path, req)));
    return (await request(app).get('/').set('Host', host)).body as { name: string; secure: boolean };
  };

  it('a name the app chose is used as given: Secure only off loopback or with a __Host-/__Secure- prefix at its start', async () => {
    expect(await cookieOf('localhost:3000', 'device', false)).toEqual({ name: 'device', secure: false });
    expect(await cookieOf('app.example', 'device', false)).toEqual({ name: 'device', secure: true });
    for (const name of ['__Host-device', '__secure-device', '__HOST-d']) expect(await cookieOf('localhost', name, false)).toEqual({ name, secure: true });
    for (const name of ['my__Host-device', 'x__secure-d']) expect(await cookieOf('localhost', name, false)).toEqual({ name, secure: false });
  });

  it('the default name: plain on loopback HTTP, __Host- when Secure, __Secure- with another path', async () => {
    expect(await cookieOf('127.0.0.1', 'passport-ding.device', true)).toEqual({ name: 'passport-ding.device', secure: false });
    expect(await cookieOf('app.example', 'passport-ding.device', true)).toEqual({ name: '__Host-passport-ding.device', secure: true });
    expect(await cookieOf('app.example', 'passport-ding.device', true, '/account')).toEqual({ name: '__Secure-passport-ding.device', secure: true });
  });
});

describe('appendSetCookie', () => {
  it('keeps a Set-Cookie already set, as a string or as a list', async () => {
    const one = await request(echo((res) => res.setHeader('Set-Cookie', 'a=1'))).get('/');
    expect(one.headers['set-cookie']).toEqual(['a=1', 'ours=1']);
    const two = await request(echo((res) => res.setHeader('Set-Cookie', ['a=1', 'b=2']))).get('/');
    expect(two.headers['set-cookie']).toEqual(['a=1', 'b=2', 'ours=1']);
    const none = await request(echo()).get('/');
    expect(none.headers['set-cookie']).toEqual(['ours=1']);
  });
});

describe('the token and the phone tag', () => {
  it('a token is 43 base64url characters; anything else is not one of ours', () => {
    const token = newToken();
    expect(wellFormedToken(token)).toBe(token);
    for (const bad of [undefined, '', `${token}A`, token.slice(1), `${token.slice(1)}=`, `${token.slice(1)}+`, ` ${token.slice(1)}`]) {
      expect(wellFormedToken(bad)).toBeUndefined();
    }
  });

  it('the digest and the tag have a fixed form: records stored by one version are read by the next', () => {
    const token = 'A'.repeat(43);
    const sha = (text: string) => createHash('sha256').update(text).digest('base64url');
    expect(tokenDigest(token)).toBe(sha(token));
    // The tag is SHA-256 over the token, a NUL and the number.
    expect(phoneTag(token, '+14155552671')).toBe(sha(`${token}\0+14155552671`));
    expect(phoneTag(token, '+14155552671')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('sameTag is false for tags of another length (no throw), and for another tag of the same length', () => {
    const tag = phoneTag(newToken(), '+14155552671');
    expect(sameTag(tag, tag.slice(1))).toBe(false);
    expect(sameTag(tag.slice(1), tag)).toBe(false);
    expect(sameTag(tag, `${tag.slice(1)}x`)).toBe(false);
    expect(sameTag(tag, `${tag}`)).toBe(true);
  });
});

describe('a stored record read back', () => {
  const record = { user: 'u', phone: 'p', createdAt: 1, expiresAt: 2 };

  it('round-trips, and is read strictly: anything malformed is no record', () => {
    expect(parseRecord(formatRecord(record))).toEqual(record);
    expect(JSON.parse(formatRecord(record))).toEqual({ u: 'u', p: 'p', c: 1, e: 2 });
    const good = { u: 'u', p: 'p', c: 1, e: 2 };
    for (const bad of [
      undefined,
      null,
      1,
      '',
      '{',
      'null',
      '1',
      '"text"',
      JSON.stringify({ ...good, u: 1 }),
      JSON.stringify({ ...good, p: null }),
      JSON.stringify({ ...good, c: '1' }),
      JSON.stringify({ ...good, e: '2' }),
      JSON.stringify({ p: 'p', c: 1, e: 2 }),
      JSON.stringify({ u: 'u', c: 1, e: 2 }),
      JSON.stringify({ u: 'u', p: 'p', e: 2 }),
      JSON.stringify({ u: 'u', p: 'p', c: 1 }),
    ]) {
      expect([bad, parseRecord(bad)]).toEqual([bad, undefined]);
    }
  });
});
