// The `trustedDevices` option checked on its own: defaults, each bound at its edge, the Redis
// store's shape, and each refusal with its exact message (trusted-devices.test.ts checks the same
// through the strategy's constructor by pattern). Also the store error's plain copy of its cause.
import { describe, expect, it } from 'vitest';
import { MAX_TRUSTED_DAYS, TRUSTED_DEVICE_DEFAULTS, resolveTrustedDevices } from '../../lib/trusted-devices/options.js';
import { TrustedDeviceStoreError, deviceStoreError } from '../../lib/trusted-devices/errors.js';

const DAY = 86_400_000;
const redis = { eval: () => Promise.resolve(1) };
const resolve = (value: unknown) => () => resolveTrustedDevices(value, true);
const message = (name: string, expected: string) => `DingOtpStrategy: option \`trustedDevices.${name}\` must be ${expected}`;

describe('resolveTrustedDevices', () => {
  it('absent or false is off; true is every default, in memory', () => {
    expect(resolveTrustedDevices(undefined, true)).toBeUndefined();
    expect(resolveTrustedDevices(false, true)).toBeUndefined();
    expect(resolveTrustedDevices(undefined, false)).toBeUndefined();
    const defaults = {
      store: { kind: 'memory', maxDevices: 10_000 },
      ttlMs: 30 * DAY,
      field: 'rememberDevice',
      cookieName: 'passport-ding.device',
      defaultCookieName: true,
      cookiePath: '/',
      maxDevicesPerUser: 10,
    };
    expect(resolveTrustedDevices(true, true)).toEqual(defaults);
    expect(resolveTrustedDevices({}, true)).toEqual(defaults);
    expect(resolveTrustedDevices({ store: 'memory' }, true)).toEqual(defaults);
    expect(TRUSTED_DEVICE_DEFAULTS.prefix).toBe('passport-ding:device:');
  });

  it('takes each value at its bounds', () => {
    expect(resolveTrustedDevices({ days: 1, maxDevicesPerUser: 1, maxDevices: 1 }, true)).toMatchObject({ ttlMs: DAY, maxDevicesPerUser: 1, store: { kind: 'memory', maxDevices: 1 } });
    expect(resolveTrustedDevices({ days: MAX_TRUSTED_DAYS, maxDevicesPerUser: 100, maxDevices: 1_000_000 }, true)).toMatchObject({ ttlMs: 400 * DAY, maxDevicesPerUser: 100, store: { maxDevices: 1_000_000 } });
    expect(resolveTrustedDevices({ field: 'remember[device]', cookieName: "a!#$%&'*+-.^_`|~9Z", cookiePath: '/a/b~:<' }, true)).toMatchObject({ field: 'remember[device]', cookieName: "a!#$%&'*+-.^_`|~9Z", defaultCookieName: false, cookiePath: '/a/b~:<' });
  });

  it('only a name that starts with __Host- (any case) needs cookiePath /', () => {
    for (const cookieName of ['my__Host-device', 'a__host-b', '__Secure-device']) {
      expect(resolveTrustedDevices({ cookieName, cookiePath: '/account' }, true)).toMatchObject({ cookieName, cookiePath: '/account' });
    }
    const refusal = message('cookiePath', "'/' with a `__Host-` cookie name (browsers refuse a __Host- cookie on any other path)");
    for (const cookieName of ['__Host-device', '__HOST-device', '__host-d']) expect(resolve({ cookieName, cookiePath: '/account' })).toThrow(refusal);
  });

  it('a Redis store: its client, prefix and timeoutMs (default, or given: 1 to 60,000 ms)', () => {
    expect(resolveTrustedDevices({ store: { redis } }, true)?.store).toEqual({ kind: 'redis', client: redis, prefix: 'passport-ding:device:', timeoutMs: 1000 });
    expect(resolveTrustedDevices({ store: { redis, prefix: 'app:', timeoutMs: 1 } }, true)?.store).toEqual({ kind: 'redis', client: redis, prefix: 'app:', timeoutMs: 1 });
    expect(resolveTrustedDevices({ store: { redis, timeoutMs: 60_000 } }, true)?.store).toMatchObject({ timeoutMs: 60_000 });
  });

  it('refuses each bad value with its exact message', () => {
    for (const value of [null, 1, 'yes', 'memory']) expect(resolve(value)).toThrow('DingOtpStrategy: option `trustedDevices` must be an object, true or false');
    for (const value of [true, {}]) {
      expect(() => resolveTrustedDevices(value, false)).toThrow('DingOtpStrategy: option `trustedDevices` needs `secondFactor` (it skips the second factor, so there must be one)');
    }
    expect(resolve({ days: 3, dayz: 3 })).toThrow('DingOtpStrategy: option `trustedDevices` has no `dayz` (known: store, days, field, cookieName, cookiePath, maxDevicesPerUser, maxDevices)');
    for (const days of [0, MAX_TRUSTED_DAYS + 1, 1.5, '30', Number.NaN, null]) expect(resolve({ days })).toThrow(message('days', 'an integer from 1 to 400'));
    for (const n of [0, 101, 2.5, '10']) expect(resolve({ maxDevicesPerUser: n })).toThrow(message('maxDevicesPerUser', 'an integer from 1 to 100'));
    for (const n of [0, 1_000_001, '1']) expect(resolve({ maxDevices: n })).toThrow(message('maxDevices', 'an integer from 1 to 1000000'));
    for (const field of ['', 'a b', 3]) expect(resolve({ field })).toThrow(message('field', 'a non-empty field name'));
    for (const cookieName of ['', 'a b', 'a;b', 'a=b', 'é', 5]) expect(resolve({ cookieName })).toThrow(message('cookieName', "a cookie name (letters, digits and !#$%&'*+-.^_`|~)"));
    for (const cookiePath of ['', 'a', '/a b', '/a;b', '/\u0000', '/é', 1]) expect(resolve({ cookiePath })).toThrow(message('cookiePath', "a path starting with '/' (no ';' or spaces)"));
    for (const store of [null, 'redis', {}, { redis: null }, { redis: 'x' }]) expect(resolve({ store })).toThrow(message('store', "'memory' or { redis: client, prefix?, timeoutMs? }"));
    for (const client of [{}, { eval: 'x' }]) expect(resolve({ store: { redis: client } })).toThrow(message('store.redis', 'a node-redis (4+) or ioredis client'));
    for (const prefix of ['', 3]) expect(resolve({ store: { redis, prefix } })).toThrow(message('store.prefix', 'a non-empty string'));
    for (const timeoutMs of [0, 60_001, 1.5, '1000', null, Number.NaN]) expect(resolve({ store: { redis, timeoutMs } })).toThrow(message('store.timeoutMs', 'an integer from 1 to 60000 (milliseconds)'));
    expect(resolve({ store: { redis }, maxDevices: 5 })).toThrow(message('maxDevices', 'left out with a Redis store (Redis entries expire; bound Redis with its own maxmemory)'));
  });
});

describe('deviceStoreError', () => {
  it('keeps a TrustedDeviceStoreError; copies any other error to a plain cause with its name and message, no stack', () => {
    const original = new TrustedDeviceStoreError('as it is');
    expect(deviceStoreError(original)).toBe(original);
    const client = Object.assign(new RangeError('connection lost'), { options: { password: 'secret' } });
    const err = deviceStoreError(client);
    expect(err).toBeInstanceOf(TrustedDeviceStoreError);
    expect(err.message).toBe('The trusted-device store failed');
    expect([err.code, err.status]).toEqual(['PASSPORT_DING_DEVICE_STORE', 503]);
    const cause = err.cause as Error;
    expect(cause).not.toBe(client);
    expect([cause.constructor, cause.name, cause.message, cause.stack, 'options' in cause]).toEqual([Error, 'RangeError', 'connection lost', undefined, false]);
    const thrown = deviceStoreError('down').cause as Error;
    expect([thrown.name, thrown.message, thrown.stack]).toEqual(['Error', 'down', undefined]);
  });
});
