// "Remember this device" for the second factor, in process memory: the cookie and its attributes,
// the guard that skips the SMS, every way a device is refused (another user, expired, revoked one
// or all, a changed number, a forged, tampered or missing cookie) and the memory bound. Real
// Express, express-session and Passport; the FakeProvider stands in for the OTP API.
import { randomBytes } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { DingConfigurationError, DingOtpStrategy, MAX_TRUSTED_DAYS } from 'passport-ding';
import type { TestUser } from '../helpers/users.js';
import { CookieClient } from '../helpers/cookie-client.js';
import { COOKIE, SECURE_COOKIE, trustedApp } from '../helpers/trusted-app.js';
import type { TrustedApp } from '../helpers/trusted-app.js';
import { FakeProvider } from '../helpers/fake-provider.js';
import { MemoryDeviceStore } from '../../lib/trusted-devices/memory-store.js';
import { rememberAfter } from '../../lib/trusted-devices/remember.js';
import { wrongCode } from '../helpers/codes.js';
import { testClock } from '../helpers/clock.js';

const ALICE_PHONE = '+14155552671';
const CAROL_PHONE = '+14155552672';
const DAY = 86_400_000;

/** Password login, then the code with `remember` in the form; answers the verify response. */
async function login(app: TrustedApp, client: CookieClient, user: TestUser, form: object = { rememberDevice: 'on' }) {
  await client.post('/login/password', { userId: user.id }).then((r) => expect(r.status).toBe(200));
  const start = await client.post('/2fa/start');
  expect(start.status).toBe(200);
  if (start.body.skipped === true) return start;
  return client.post('/2fa/code', { code: app.fake.code(user.phoneNumber), ...form });
}

/** A new browser session for `user` on the same device: logs out, logs in with the password. */
async function again(client: CookieClient, user: TestUser) {
  await client.post('/logout');
  await client.post('/login/password', { userId: user.id }).then((r) => expect(r.status).toBe(200));
  return (await client.get('/2fa/trusted')).body.trusted as boolean;
}

function setup(options: Parameters<typeof trustedApp>[0] = true) {
  const app = trustedApp(options);
  const alice = app.users.add(ALICE_PHONE);
  const carol = app.users.add(CAROL_PHONE);
  return { app, alice, carol, client: new CookieClient(app.t.app) };
}

describe('trusted devices: the cookie', () => {
  it('a right code with the remember field sets an HttpOnly, SameSite=Lax cookie of 256 random bits for 30 days, not Secure on loopback HTTP', async () => {
    const { app, alice, client } = setup();
    const res = await login(app, client, alice);
    expect(res.status).toBe(200);
    const line = client.setCookie(COOKIE) as string;
    expect(line).toBeDefined();
    const [pair, ...attributes] = line.split('; ');
    expect(pair).toMatch(new RegExp(`^${COOKIE.replace('.', '\\.')}=[A-Za-z0-9_-]{43}$`));
    expect(attributes).toEqual(expect.arrayContaining(['Path=/', `Max-Age=${30 * 86400}`, 'HttpOnly', 'SameSite=Lax']));
    expect(attributes).not.toContain('Secure');
    const expires = attributes.find((a) => a.startsWith('Expires='))?.slice('Expires='.length) as string;
    expect(Math.abs(Date.parse(expires) - (app.clock.now() + 30 * DAY))).toBeLessThan(1000);
    // The session cookie (new at this login: Passport regenerates the session) is set beside it.
    const lines = res.headers['set-cookie'] as unknown as string[];
    expect(lines.map((l) => l.split('=')[0]).sort()).toEqual(['connect.sid', COOKIE]);
  });

  it('is Secure and named __Host- when the request is addressed to another host than loopback; the plain name is not read there', async () => {
    const { app, alice, client } = setup();
    await login(app, client, alice);
    expect(client.setCookie(COOKIE)).toBeDefined();
    client.host = 'app.example';
    await client.post('/logout');
    await client.post('/login/password', { userId: alice.id });
    // The unprefixed cookie (one any sibling host or plain-HTTP page could have set) is not read
    // on a Secure origin: the device is not trusted by it.
    expect((await client.get('/2fa/trusted')).body.trusted).toBe(false);
    await client.post('/2fa/send');
    await client.post('/2fa/code', { code: app.fake.code(ALICE_PHONE), rememberDevice: 'true' }).then((r) => expect(r.status).toBe(200));
    const [pair, ...attributes] = (client.setCookie(SECURE_COOKIE) as string).split('; ');
    expect(pair).toMatch(/^__Host-passport-ding\.device=[A-Za-z0-9_-]{43}$/);
    // What a browser requires of a __Host- cookie: Secure, Path=/, no Domain.
    expect(attributes).toEqual(expect.arrayContaining(['Secure', 'Path=/']));
    expect(attributes.some((a) => a.toLowerCase().startsWith('domain='))).toBe(false);
    expect(await again(client, alice)).toBe(true);
    // Forgetting clears the prefixed cookie.
    expect((await client.post('/device/forget')).body).toEqual({ forgotten: true });
    expect((client.setCookie(SECURE_COOKIE) as string).split('; ')).toContain('Max-Age=0');
    expect(await again(client, alice)).toBe(false);
  });

  it('is named __Secure- with a cookiePath other than /, and a chosen name is used as given (Secure when it has a prefix)', async () => {
    for (const [options, name] of [
      [{ cookiePath: '/account' }, '__Secure-passport-ding.device'],
      [{ cookieName: 'device' }, 'device'],
    ] as const) {
      const { app, alice, client } = setup(options);
      client.host = 'app.example';
      await login(app, client, alice);
      expect((client.setCookie(name) as string).split('; ')).toContain('Secure');
    }
    // On loopback HTTP a prefixed name the app chose is still Secure: a browser keeps it only so.
    const { app, alice, client } = setup({ cookieName: '__Host-device' });
    await login(app, client, alice);
    expect((client.setCookie('__Host-device') as string).split('; ')).toContain('Secure');
    expect(() => trustedApp({ cookieName: '__Host-device', cookiePath: '/account' })).toThrow(/cookiePath.*__Host-/);
  });

  it('is set as well when the app verifies with a custom callback, and Secure over HTTPS behind a trusted proxy', async () => {
    const { app, alice, client } = setup();
    app.t.app.set('trust proxy', 'loopback');
    await client.post('/login/password', { userId: alice.id });
    await client.post('/2fa/send');
    const res = await client.post('/2fa/code-callback', { code: app.fake.code(ALICE_PHONE), rememberDevice: 'on' });
    expect(res.body).toEqual({ ok: true });
    expect((client.setCookie(COOKIE) as string).split('; ')).not.toContain('Secure');
    expect(await again(client, alice)).toBe(true);

    const https = new CookieClient(app.t.app);
    await https.post('/login/password', { userId: alice.id });
    await https.post('/2fa/send');
    const secure = await request(app.t.app)
      .post('/2fa/code-callback')
      .set('X-Forwarded-Proto', 'https')
      .set('Cookie', [...https.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
      .send({ code: app.fake.code(ALICE_PHONE), rememberDevice: 'on' });
    const line = (secure.headers['set-cookie'] as unknown as string[]).find((l) => l.startsWith(`${SECURE_COOKIE}=`)) as string;
    expect(line.split('; ')).toContain('Secure');
  });

  it('`days`, `cookieName` and `cookiePath` are the options', async () => {
    const { app, alice, client } = setup({ days: 7, cookieName: 'device', cookiePath: '/account' });
    await login(app, client, alice, { rememberDevice: true });
    const attributes = (client.setCookie('device') as string).split('; ');
    expect(attributes).toEqual(expect.arrayContaining(['Path=/account', `Max-Age=${7 * 86400}`]));
  });

  it('no cookie without the field, or with it unticked', async () => {
    for (const form of [{}, { rememberDevice: 'off' }, { rememberDevice: 'false' }, { rememberDevice: '' }, { rememberDevice: ['on'] }, { rememberDevice: false }]) {
      const { app, alice, client } = setup();
      const res = await login(app, client, alice, form);
      expect(res.status).toBe(200);
      expect(client.setCookie(COOKIE)).toBeUndefined();
      expect(await again(client, alice)).toBe(false);
    }
  });

  it('no cookie when the code is wrong', async () => {
    const { app, alice, client } = setup();
    await client.post('/login/password', { userId: alice.id });
    await client.post('/2fa/start');
    const wrong = wrongCode(app.fake.code(ALICE_PHONE));
    expect((await client.post('/2fa/code', { code: wrong, rememberDevice: 'on' })).status).toBe(401);
    expect(client.setCookie(COOKIE)).toBeUndefined();
  });
});

describe('trusted devices: the guard', () => {
  it('skips the SMS for the same user on the same device, until the days are over', async () => {
    const { app, alice, client } = setup();
    await login(app, client, alice);
    expect(app.fake.calls('send')).toBe(1);

    await client.post('/logout');
    const res = await login(app, client, alice);
    expect(res.body).toEqual({ skipped: true });
    expect(app.fake.calls('send')).toBe(1);
    expect((await client.get('/me')).body.secondFactor).toBe(true);

    app.clock.advance(30 * DAY - 1);
    expect(await again(client, alice)).toBe(true);
    app.clock.advance(1);
    expect(await again(client, alice)).toBe(false);
    // Expired is gone: the clock going back does not bring it back.
    app.clock.reset();
    expect(await again(client, alice)).toBe(false);
    expect((await login(app, client, alice)).body.skipped).toBeUndefined();
    expect(app.fake.calls('send')).toBe(2);
  });

  it("another user's cookie is refused on the same device, and stays the owner's", async () => {
    const { app, alice, carol, client } = setup();
    await login(app, client, alice);
    expect(await again(client, carol)).toBe(false);
    expect((await client.post('/2fa/start')).body).toEqual({ skipped: false });
    expect(app.fake.calls('send')).toBe(2);
    expect(await again(client, alice)).toBe(true);
  });

  it('refuses nobody signed in, and a missing cookie', async () => {
    const { app, alice, client } = setup();
    await login(app, client, alice);
    await client.post('/logout');
    expect((await client.get('/2fa/trusted')).body.trusted).toBe(false);
    const other = new CookieClient(app.t.app);
    expect(await again(other, alice)).toBe(false);
  });

  it('refuses a forged, a tampered and a malformed cookie', async () => {
    const { app, alice, client } = setup();
    await login(app, client, alice);
    const token = client.cookies.get(COOKIE) as string;
    const flipped = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
    for (const value of [randomBytes(32).toString('base64url'), flipped, `${token}A`, token.slice(1), `"${flipped}"`, 'x', '%00', token.toUpperCase()]) {
      client.cookies.set(COOKIE, value);
      expect(await again(client, alice)).toBe(false);
    }
    // The real one still works: refusals of a forged cookie do not touch it.
    client.cookies.set(COOKIE, token);
    expect(await again(client, alice)).toBe(true);
  });

  it('a changed number revokes the device, for good (changing the number back does not bring it back)', async () => {
    const { app, alice, client } = setup();
    await login(app, client, alice);
    alice.phoneNumber = '+14155550000';
    expect(await again(client, alice)).toBe(false);
    alice.phoneNumber = ALICE_PHONE;
    expect(await again(client, alice)).toBe(false);
  });

  it('a user without a phone number now is refused', async () => {
    const { app, alice, client } = setup();
    await login(app, client, alice);
    alice.phoneNumber = undefined as unknown as string;
    expect(await again(client, alice)).toBe(false);
  });
});

describe('trusted devices: revocation', () => {
  it('forgetDevice forgets this device and clears its cookie; the same user’s other device stays', async () => {
    const { app, alice, client } = setup();
    const laptop = new CookieClient(app.t.app);
    await login(app, client, alice);
    await login(app, laptop, alice);
    const token = client.cookies.get(COOKIE) as string;

    expect((await client.post('/device/forget')).body).toEqual({ forgotten: true });
    expect(client.setCookie(COOKIE)).toMatch(new RegExp(`^${COOKIE.replace('.', '\\.')}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax$`));
    expect(client.cookies.has(COOKIE)).toBe(false);
    // Revoked server-side too: the old cookie, kept by a client that ignored the clearing, is refused.
    client.cookies.set(COOKIE, token);
    expect(await again(client, alice)).toBe(false);
    expect((await client.post('/device/forget')).body).toEqual({ forgotten: false });
    expect(await again(laptop, alice)).toBe(true);
  });

  it("forgetAllDevices forgets every device of the user, and no one else's", async () => {
    const { app, alice, carol, client } = setup();
    const laptop = new CookieClient(app.t.app);
    const carols = new CookieClient(app.t.app);
    await login(app, client, alice);
    await login(app, laptop, alice);
    await login(app, carols, carol);
    expect((await laptop.post('/devices/forget-all')).body).toEqual({ count: 2 });
    expect(await again(client, alice)).toBe(false);
    expect(await again(laptop, alice)).toBe(false);
    expect(await again(carols, carol)).toBe(true);
    await expect(app.strategy.forgetAllDevices('')).rejects.toBeInstanceOf(DingConfigurationError);
    await expect(app.strategy.forgetAllDevices(alice.id)).resolves.toBe(0);
  });

  it('maxDevicesPerUser: a new device past it forgets the user’s oldest', async () => {
    const { app, alice, carol } = setup({ maxDevicesPerUser: 2 });
    const [a, b, c] = [0, 1, 2].map(() => new CookieClient(app.t.app)) as [CookieClient, CookieClient, CookieClient];
    const carols = new CookieClient(app.t.app);
    await login(app, carols, carol);
    for (const device of [a, b, c]) await login(app, device, alice);
    expect(await again(a, alice)).toBe(false);
    expect(await again(b, alice)).toBe(true);
    expect(await again(c, alice)).toBe(true);
    expect(await again(carols, carol)).toBe(true);
  });
});

describe('trusted devices: the memory bound', () => {
  it("remembering the same device again replaces its token instead of adding one", async () => {
    const { app, alice, client } = setup();
    await login(app, client, alice);
    const first = client.cookies.get(COOKIE) as string;
    // The app asks for the code anyway (its own reasons), and the box is ticked again.
    await client.post('/logout');
    await client.post('/login/password', { userId: alice.id });
    await client.post('/2fa/send');
    expect((await client.post('/2fa/code', { code: app.fake.code(ALICE_PHONE), rememberDevice: 'on' })).status).toBe(200);
    const store = (app.strategy as unknown as { _devices: { store: MemoryDeviceStore } })._devices.store;
    expect(client.cookies.get(COOKIE)).not.toBe(first);
    expect(store.size).toBe(1);
    expect(await again(client, alice)).toBe(true);
  });


  it('maxDevices: past it the least recently used device is forgotten, and the store never holds more', async () => {
    const app = trustedApp({ maxDevices: 2 });
    const users = [0, 1, 2].map((i) => app.users.add(`+1415555267${i}`));
    const clients = users.map(() => new CookieClient(app.t.app));
    for (const [i, user] of users.entries()) await login(app, clients[i] as CookieClient, user);
    const store = (app.strategy as unknown as { _devices: { store: MemoryDeviceStore } })._devices.store;
    expect(store.size).toBe(2);
    expect(await again(clients[0] as CookieClient, users[0] as TestUser)).toBe(false);
    expect(await again(clients[1] as CookieClient, users[1] as TestUser)).toBe(true);
    expect(await again(clients[2] as CookieClient, users[2] as TestUser)).toBe(true);
  });

  it('the per-user index is bounded by the same number: evicted devices leave it', async () => {
    const store = new MemoryDeviceStore(3);
    const now = Date.now();
    for (let i = 0; i < 1000; i++) {
      await store.add(`d${i}`, { user: `user${i}`, phone: 'p', createdAt: now, expiresAt: now + DAY }, 10, now);
    }
    expect(store.size).toBe(3);
    // Only the three users still remembered can be found, and forgetting them finds one each.
    expect(await store.removeUser('user0')).toBe(0);
    expect(await store.removeUser('user999')).toBe(1);
    expect(store.size).toBe(2);
  });
});

describe('trusted devices: options', () => {
  const base = { provider: new FakeProvider(), secondFactor: () => ALICE_PHONE };
  it('need secondFactor, and take sane values only', () => {
    expect(() => new DingOtpStrategy({ provider: new FakeProvider(), trustedDevices: true }, async () => false)).toThrow(/needs `secondFactor`/);
    expect(() => new DingOtpStrategy({ ...base, trustedDevices: { days: MAX_TRUSTED_DAYS + 1 } })).toThrow(/trustedDevices.days/);
    expect(() => new DingOtpStrategy({ ...base, trustedDevices: { days: 0 } })).toThrow(/trustedDevices.days/);
    expect(() => new DingOtpStrategy({ ...base, trustedDevices: { days: 1.5 } })).toThrow(/trustedDevices.days/);
    expect(() => new DingOtpStrategy({ ...base, trustedDevices: { cookieName: 'a b' } })).toThrow(/cookieName/);
    expect(() => new DingOtpStrategy({ ...base, trustedDevices: { cookiePath: 'x;y' } })).toThrow(/cookiePath/);
    expect(() => new DingOtpStrategy({ ...base, trustedDevices: { maxDevices: 0 } })).toThrow(/maxDevices/);
    expect(() => new DingOtpStrategy({ ...base, trustedDevices: { maxDevicesPerUser: 101 } })).toThrow(/maxDevicesPerUser/);
    expect(() => new DingOtpStrategy({ ...base, trustedDevices: { store: { redis: {} } } })).toThrow(/store.redis/);
    expect(() => new DingOtpStrategy({ ...base, trustedDevices: { dayz: 3 } as object })).toThrow(/no `dayz`/);
    expect(() => new DingOtpStrategy({ ...base, trustedDevices: { days: MAX_TRUSTED_DAYS } })).not.toThrow();
    expect(() => new DingOtpStrategy({ ...base, trustedDevices: false })).not.toThrow();
  });

  it('a userId that answers nonsense is a configuration error, not a trusted device', async () => {
    const app = trustedApp(true, { options: { userId: () => ({}) as unknown as string } });
    const alice = app.users.add(ALICE_PHONE);
    const client = new CookieClient(app.t.app);
    await client.post('/login/password', { userId: alice.id });
    client.cookies.set(COOKIE, randomBytes(32).toString('base64url'));
    expect((await client.get('/2fa/trusted')).status).toBe(500);
    expect(app.t.errors.at(-1)).toBeInstanceOf(DingConfigurationError);
  });

  it('the helpers without the option are a configuration error', async () => {
    const strategy = new DingOtpStrategy(base);
    await expect(strategy.isTrustedDevice({} as never)).rejects.toBeInstanceOf(DingConfigurationError);
    await expect(strategy.forgetAllDevices('u1')).rejects.toBeInstanceOf(DingConfigurationError);
  });
});

// testNumbers promise that the fixed code dies at `expiresAt` ("a review account that outlives
// its review is the hard-coded bypass this replaces"). Whoever typed the review code (shared in the
// store's review notes) must not keep the second factor waived for `days` after that: trust
// earned with a test number ends at testNumbers.expiresAt.
describe('trusted devices and test numbers (attack3)', () => {
  it('a device remembered with a test number is no longer trusted once the test numbers expire', async () => {
    const REVIEW = '+12015550100';
    const clock = testClock();
    const app = trustedApp(true, { clock, options: { testNumbers: { numbers: { [REVIEW]: '424242' }, expiresAt: clock.now() + DAY } } });
    const reviewer = app.users.add(REVIEW);
    const client = new CookieClient(app.t.app);
    await client.post('/login/password', { userId: reviewer.id }).then((r) => expect(r.status).toBe(200));
    expect((await client.post('/2fa/start')).body).toEqual({ skipped: false });
    expect((await client.post('/2fa/code', { code: '424242', rememberDevice: 'on' })).status).toBe(200);
    // The test number answered: the provider sent nothing.
    expect(() => app.fake.code(REVIEW)).toThrow();
    expect(client.setCookie(COOKIE)).toBeDefined();
    expect(await again(client, reviewer)).toBe(true);
    clock.advance(2 * DAY);
    // The fixed code is dead now...
    await client.post('/2fa/send');
    expect((await client.post('/2fa/code', { code: '424242' })).status).not.toBe(200);
    // ...and so should be what it earned.
    expect(await again(client, reviewer)).toBe(false);
  });
});

// Edges found by mutation testing (issue 20): each pins a decision a planted bug flipped unnoticed.
describe('trusted devices: edges', () => {
  type Devices = { asked(req: unknown): boolean; remember(req: unknown, phone: string, endsAt?: number): Promise<void> };
  const devicesOf = (app: TrustedApp) => (app.strategy as unknown as { _devices: Devices })._devices;

  it('the remember field: on, true, 1 and yes in any case and with spaces around; a JSON true only as the body’s own field', () => {
    const devices = devicesOf(setup().app);
    for (const yes of ['on', ' ON ', 'True', '1', 'yes', 'YES\t']) expect([yes, devices.asked({ body: { rememberDevice: yes } })]).toEqual([yes, true]);
    for (const no of ['off', 'no', '0', 'onn', 'y', '', ' ']) expect([no, devices.asked({ body: { rememberDevice: no } })]).toEqual([no, false]);
    expect(devices.asked({ body: { rememberDevice: true } })).toBe(true);
    // Inherited is not sent: a polluted prototype does not tick the box.
    const bodies: [unknown, boolean][] = [
      [{ rememberDevice: 'true ' }, true],
      [{ rememberDevice: 1 }, false],
      [null, false],
      [{}, false],
      [{ remember: true }, false],
      [Object.create({ rememberDevice: true }), false],
      [undefined, false],
    ];
    for (const [body, expected] of bodies) expect([body, devices.asked({ body, headers: {} })]).toEqual([body, expected]);
  });

  it('remembers nothing for nobody signed in, or for a trust that ends now', async () => {
    const { app } = setup();
    const devices = devicesOf(app);
    const store = (app.strategy as unknown as { _devices: { store: MemoryDeviceStore } })._devices.store;
    const req = (user?: object) => ({ res: new ServerResponse(new IncomingMessage(new Socket())), headers: {}, body: {}, user });
    const nobody = req();
    await devices.remember(nobody, ALICE_PHONE);
    await devices.remember(req({ id: 'u1' }), ALICE_PHONE, app.clock.now());
    expect(store.size).toBe(0);
    expect(nobody.res.getHeader('Set-Cookie')).toBeUndefined();
    // A trust ending a millisecond later is remembered (with a one-second cookie).
    const later = req({ id: 'u1' });
    await devices.remember(later, ALICE_PHONE, app.clock.now() + 1);
    expect(store.size).toBe(1);
    expect(String(later.res.getHeader('Set-Cookie'))).toContain('Max-Age=1;');
  });

  it('rememberAfter: only a success with the box ticked remembers; an error thrown while remembering is the error decision, as an Error', async () => {
    const { app } = setup();
    const devices = devicesOf(app) as unknown as Parameters<typeof rememberAfter>[0];
    const store = (app.strategy as unknown as { _devices: { store: MemoryDeviceStore } })._devices.store;
    const req = (user: object | undefined, body: object = { rememberDevice: 'on' }) => ({ res: new ServerResponse(new IncomingMessage(new Socket())), headers: {}, body, user }) as never;
    const success = { type: 'success' as const };
    await expect(rememberAfter(undefined, req({ id: 'u1' }), ALICE_PHONE, success)).resolves.toBe(success);
    const fail = { type: 'fail' as const };
    await expect(rememberAfter(devices, req({ id: 'u1' }), ALICE_PHONE, fail)).resolves.toBe(fail);
    await expect(rememberAfter(devices, req({ id: 'u1' }, {}), ALICE_PHONE, success)).resolves.toBe(success);
    expect(store.size).toBe(0);
    await expect(rememberAfter(devices, req({ id: 'u1' }), ALICE_PHONE, success)).resolves.toBe(success);
    expect(store.size).toBe(1);
    // A `userId` that throws a string (an app bug): the error decision, with an Error of that text.
    const throwing = trustedApp(true, { options: { userId: () => { throw 'no id'; } } });
    const decided = await rememberAfter(devicesOf(throwing) as unknown as Parameters<typeof rememberAfter>[0], req({ id: 'u1' }), ALICE_PHONE, success);
    expect(decided).toEqual({ type: 'error', err: new Error('no id') });
    expect((decided as { err: unknown }).err).toBeInstanceOf(Error);
    const own = new RangeError('own');
    const again = trustedApp(true, { options: { userId: () => { throw own; } } });
    expect(await rememberAfter(devicesOf(again) as unknown as Parameters<typeof rememberAfter>[0], req({ id: 'u1' }), ALICE_PHONE, success)).toEqual({ type: 'error', err: own });
  });

  it('remembering needs req.res: the store is not touched without it (a configuration error)', async () => {
    const { app, alice, client } = setup();
    await login(app, client, alice);
    const devices = devicesOf(app);
    for (const res of [undefined, {}, { setHeader: () => undefined }, { getHeader: () => undefined }]) {
      await expect(devices.remember({ res, headers: {}, body: {} }, ALICE_PHONE)).rejects.toThrow(/req\.res is missing/);
    }
  });

  it("remembering on a device that holds another user's cookie leaves that user's device remembered (not theirs to revoke)", async () => {
    const { app, alice, carol, client } = setup();
    await login(app, client, alice);
    const alices = client.cookies.get(COOKIE) as string;
    await client.post('/logout');
    await login(app, client, carol);
    expect(client.cookies.get(COOKIE)).not.toBe(alices);
    client.cookies.set(COOKIE, alices);
    expect(await again(client, alice)).toBe(true);
    await expect(app.strategy.forgetAllDevices(alice.id)).resolves.toBe(1);
    await expect(app.strategy.forgetAllDevices(carol.id)).resolves.toBe(1);
  });

  it('forgetDevice without a device cookie sets no cookie', async () => {
    const { app, alice, client } = setup();
    await client.post('/login/password', { userId: alice.id });
    expect((await client.post('/device/forget')).body).toEqual({ forgotten: false });
    expect(client.setCookie(COOKIE)).toBeUndefined();
    // With a cookie the store does not know, it is cleared all the same.
    client.cookies.set(COOKIE, randomBytes(32).toString('base64url'));
    expect((await client.post('/device/forget')).body).toEqual({ forgotten: false });
    expect(client.setCookie(COOKIE)).toMatch(/; Max-Age=0; /);
    void app;
  });

  it('forgetAllDevices takes a non-empty string or a finite number, as `userId` answers it', async () => {
    const { app, alice, client } = setup();
    await login(app, client, alice);
    const message = 'forgetAllDevices(userId) takes the user id as a non-empty string or a number, as the `userId` option answers it';
    for (const id of ['', Number.NaN, Number.POSITIVE_INFINITY, null, undefined, {}, true]) {
      await expect(app.strategy.forgetAllDevices(id as never)).rejects.toThrow(message);
    }
    await expect(app.strategy.forgetAllDevices(7)).resolves.toBe(0);
    await expect(app.strategy.forgetAllDevices(alice.id)).resolves.toBe(1);
  });

  it("a test number's trust ending within a second: Max-Age rounds up, and the device is refused from expiresAt on", async () => {
    const REVIEW = '+12015550100';
    const clock = testClock();
    const ends = clock.now() + DAY + 500;
    const app = trustedApp(true, { clock, options: { testNumbers: { numbers: { [REVIEW]: '424242' }, expiresAt: ends } } });
    const reviewer = app.users.add(REVIEW);
    const client = new CookieClient(app.t.app);
    await client.post('/login/password', { userId: reviewer.id });
    await client.post('/2fa/start');
    expect((await client.post('/2fa/code', { code: '424242', rememberDevice: 'on' })).status).toBe(200);
    expect((client.setCookie(COOKIE) as string).split('; ')).toContain(`Max-Age=${DAY / 1000 + 1}`);
    clock.advance(DAY + 499);
    expect(await again(client, reviewer)).toBe(true);
    clock.advance(1);
    expect(await again(client, reviewer)).toBe(false);
  });
});
