// The "remember this device" cookie behind a TLS-terminating proxy on the same machine, with no
// `trust proxy` set. nginx's default is `proxy_set_header Host $proxy_host` (the host of
// `proxy_pass`, e.g. `127.0.0.1:3000`) and Apache's `ProxyPreserveHost Off` does the same: the app
// sees a loopback Host on a loopback socket, the very request the loopback exemption was made
// for (a browser on this machine over plain HTTP). The browser, though, is on the internet over
// HTTPS: a cookie without Secure there is sent on any plain-HTTP request to the site (readable by
// whoever sits on the network) and, unprefixed, can be overwritten from a plain-HTTP page.
//
// What a request from such a proxy still tells: a forwarding header (X-Forwarded-For/-Proto/-Host,
// Forwarded, Via, X-Real-IP; a browser sends none of them), or the app's environment (Express's
// `app.get('env')`, NODE_ENV): the loopback exemption is for development. Either one makes the
// cookie Secure and `__Host-`. Real Express, express-session and Passport over loopback HTTP.
import type { Request } from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { secureFor } from '../../lib/trusted-devices/cookie.js';
import { CookieClient } from '../helpers/cookie-client.js';
import { COOKIE, SECURE_COOKIE, trustedApp } from '../helpers/trusted-app.js';
import type { TrustedApp } from '../helpers/trusted-app.js';

const PHONE = '+14155552671';

/** Password, code with the remember box ticked; the device cookie's Set-Cookie line, whichever name it took. */
async function remembered(app: TrustedApp, client: CookieClient): Promise<string> {
  const alice = app.users.findOrCreate(PHONE);
  await client.post('/login/password', { userId: alice.id }).then((r) => expect(r.status).toBe(200));
  await client.post('/2fa/start').then((r) => expect(r.body).toEqual({ skipped: false }));
  await client.post('/2fa/code', { code: app.fake.code(PHONE), rememberDevice: 'on' }).then((r) => expect(r.status).toBe(200));
  const line = client.setCookie(SECURE_COOKIE) ?? client.setCookie(COOKIE);
  expect(line).toBeDefined();
  return line as string;
}

describe('the device cookie behind a same-host proxy without trust proxy', () => {
  it('plain HTTP from a browser on this machine (loopback Host and socket, no forwarding header): unprefixed, not Secure', async () => {
    const app = trustedApp();
    const line = await remembered(app, new CookieClient(app.t.app));
    expect(line.startsWith(`${COOKIE}=`)).toBe(true);
    expect(line.split('; ')).not.toContain('Secure');
  });

  for (const [header, value] of [
    ['X-Forwarded-Proto', 'https'],
    ['X-Forwarded-For', '203.0.113.7'],
    ['X-Forwarded-Host', 'app.example'],
    ['Forwarded', 'for=203.0.113.7;proto=https'],
    ['Via', '1.1 proxy'],
    ['X-Real-IP', '203.0.113.7'],
  ] as const) {
    it(`a loopback Host with ${header} (a proxy sent it, not a browser): __Host- and Secure, and read back there`, async () => {
      const app = trustedApp();
      const client = new CookieClient(app.t.app);
      client.headers[header] = value;
      const line = await remembered(app, client);
      expect(line.startsWith(`${SECURE_COOKIE}=`)).toBe(true);
      expect(line.split('; ')).toEqual(expect.arrayContaining(['Secure', 'Path=/', 'HttpOnly']));
      // The next sign-in through the same proxy finds the device.
      await client.post('/logout');
      await client.post('/login/password', { userId: app.users.findOrCreate(PHONE).id });
      expect((await client.get('/2fa/trusted')).body.trusted).toBe(true);
    });
  }

  it("in production (app.get('env'), from NODE_ENV), a loopback Host with no forwarding header (nginx's default): __Host- and Secure", async () => {
    const app = trustedApp();
    app.t.app.set('env', 'production');
    const line = await remembered(app, new CookieClient(app.t.app));
    expect(line.startsWith(`${SECURE_COOKIE}=`)).toBe(true);
    expect(line.split('; ')).toContain('Secure');
  });
});

describe('secureFor outside Express (no req.app): NODE_ENV decides', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  const loopback = (headers: Record<string, string> = {}) =>
    ({ secure: false, headers: { host: 'localhost:3000', ...headers }, socket: { localAddress: '127.0.0.1' } }) as unknown as Request;

  it('not Secure on loopback in development, Secure in production or with a forwarding header', () => {
    vi.stubEnv('NODE_ENV', 'development');
    expect(secureFor(loopback())).toBe(false);
    expect(secureFor(loopback({ 'x-forwarded-proto': 'https' }))).toBe(true);
    vi.stubEnv('NODE_ENV', 'production');
    expect(secureFor(loopback())).toBe(true);
  });

  it('Secure for a request that came over TLS itself (HTTPS straight to localhost: req.secure, no forwarding header) in development', () => {
    vi.stubEnv('NODE_ENV', 'development');
    expect(secureFor({ ...loopback(), secure: true } as Request)).toBe(true);
  });

  it("a req.app without a get function (another framework's own) is not Express's: NODE_ENV decides", () => {
    const withApp = { ...loopback(), app: {} } as unknown as Request;
    vi.stubEnv('NODE_ENV', 'development');
    expect(secureFor(withApp)).toBe(false);
    vi.stubEnv('NODE_ENV', 'production');
    expect(secureFor(withApp)).toBe(true);
  });
});
