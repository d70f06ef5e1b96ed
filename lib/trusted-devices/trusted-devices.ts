// "Remember this device" for the second factor. After a right code with the remember field ticked,
// the browser gets a cookie with a random token, and the store keeps the token's digest with the
// user, the phone number (as a tag bound to the token) and an expiry. The app's guard asks
// `isTrusted(req)` before it sends a code: yes only for the same token, not expired, the same user
// (the `userId` option) and the user's phone number now (`secondFactor(req)`) the same as then.
//
// Revocation: one device (`forget`, e.g. on "log out this device"), all of a user's devices
// (`forgetAll`), and on its own when the user's number has changed: a device presented with
// another number than it was remembered with is forgotten there and then.

import type { Request, Response } from 'express';
import { OtpConfigurationError } from '../errors.js';
import { bodyOf, readFieldValue } from '../fields.js';
import type { Settings } from '../options.js';
import { userKey } from '../pending.js';
import { normalizePhone } from '../phone.js';
import { currentUserKey, secondFactorPhone } from '../actions/context.js';
import { appendSetCookie, deviceCookie, readCookie, serializeCookie } from './cookie.js';
import type { DeviceCookie } from './cookie.js';
import { MemoryDeviceStore } from './memory-store.js';
import type { TrustedDeviceSettings } from './options.js';
import { RedisDeviceStore } from './redis-store.js';
import type { DeviceStore } from './store.js';
import { newToken, phoneTag, sameTag, tokenDigest, wellFormedToken } from './token.js';

const YES = new Set(['on', 'true', '1', 'yes']);

export class TrustedDevices {
  readonly #settings: Settings;
  readonly #options: TrustedDeviceSettings;
  readonly #store: DeviceStore;

  constructor(settings: Settings, options: TrustedDeviceSettings) {
    this.#settings = settings;
    this.#options = options;
    const { store } = options;
    this.#store = store.kind === 'memory' ? new MemoryDeviceStore(store.maxDevices) : new RedisDeviceStore(store.client, store.prefix, store.timeoutMs);
  }

  /** The store (for tests of its bound). */
  get store(): DeviceStore {
    return this.#store;
  }

  /** Whether the form asked to remember this device. */
  asked(req: Request): boolean {
    const body = bodyOf(req);
    const value = readFieldValue(body, this.#options.field);
    if (typeof value === 'string') return YES.has(value.trim().toLowerCase());
    // A JSON client's `"rememberDevice": true`.
    return body !== null && typeof body === 'object' && Object.hasOwn(body, this.#options.field) && (body as Record<string, unknown>)[this.#options.field] === true;
  }

  /**
   * Remembers this device for the signed-in user and `phoneNumber` (E.164, just verified): stores
   * the token's digest, then sets the cookie. The store first, so a cookie never names nothing.
   * Trusted for `days`, or until `endsAt` (epoch ms) if that comes first.
   */
  async remember(req: Request, phoneNumber: string, endsAt?: number): Promise<void> {
    const res = responseOf(req);
    const user = await currentUserKey({ req, settings: this.#settings });
    if (user === undefined) return;
    // Remembered again on a device that was (an expired or older cookie of the same user): the new
    // token replaces the old one, which would otherwise hold a place in the user's index.
    const previous = wellFormedToken(this.#readCookie(req));
    if (previous !== undefined) {
      const digest = tokenDigest(previous);
      const record = await this.#store.get(digest);
      if (record && sameTag(record.user, user)) await this.#store.remove(digest, record.user);
    }
    const token = newToken();
    const now = this.#settings.now();
    const expiresAt = Math.min(now + this.#options.ttlMs, endsAt ?? Infinity);
    if (expiresAt <= now) return;
    await this.#store.add(tokenDigest(token), { user, phone: phoneTag(token, phoneNumber), createdAt: now, expiresAt }, this.#options.maxDevicesPerUser, now);
    this.#setCookie(req, res, token, Math.ceil((expiresAt - now) / 1000), now);
  }

  /**
   * True when this request's device was remembered for the signed-in user and their current phone
   * number, and the trust has not expired or been revoked. Rejects with TrustedDeviceStoreError
   * when the store fails (ask for the code then), and with OtpConfigurationError when `userId` or
   * `secondFactor` answer something that is not an id or a phone number.
   */
  async isTrusted(req: Request): Promise<boolean> {
    const token = wellFormedToken(this.#readCookie(req));
    if (token === undefined) return false;
    const user = await currentUserKey({ req, settings: this.#settings });
    if (user === undefined) return false;
    const digest = tokenDigest(token);
    const record = await this.#store.get(digest);
    if (!record) return false;
    if (this.#settings.now() >= record.expiresAt) {
      await this.#store.remove(digest, record.user);
      return false;
    }
    // Another user's device (a shared computer): not theirs to skip with, and not theirs to revoke.
    if (!sameTag(record.user, user)) return false;
    const phone = normalizePhone(await secondFactorPhone({ req, settings: this.#settings }), this.#settings.defaultCountry);
    if (!phone.ok || !sameTag(record.phone, phoneTag(token, phone.e164))) {
      // The number changed (or is gone) since this device was remembered: forget it for good, so
      // that changing the number back does not bring it back.
      await this.#store.remove(digest, record.user);
      return false;
    }
    return true;
  }

  /**
   * Forgets the device this request comes from and clears its cookie (e.g. "log out this device").
   * Holding the token is what it takes: no user check. Resolves with whether one was remembered.
   */
  async forget(req: Request, res: Response | undefined = req.res): Promise<boolean> {
    const cookie = this.#readCookie(req);
    const token = wellFormedToken(cookie);
    let forgotten = false;
    if (token !== undefined) {
      const digest = tokenDigest(token);
      const record = await this.#store.get(digest);
      if (record) {
        await this.#store.remove(digest, record.user);
        forgotten = true;
      }
    }
    if (res && cookie !== undefined) this.#setCookie(req, res, '', 0, this.#settings.now());
    return forgotten;
  }

  /** Forgets every device remembered for the user with this id; resolves with how many there were. */
  forgetAll(id: string | number): Promise<number> {
    if (!(typeof id === 'string' && id !== '') && !(typeof id === 'number' && Number.isFinite(id))) {
      return Promise.reject(new OtpConfigurationError('forgetAllDevices(userId) takes the user id as a non-empty string or a number, as the `userId` option answers it'));
    }
    return this.#store.removeUser(userKey(String(id)));
  }

  #cookie(req: Request): DeviceCookie {
    const { cookieName, defaultCookieName, cookiePath } = this.#options;
    return deviceCookie(cookieName, defaultCookieName, cookiePath, req);
  }

  #readCookie(req: Request): string | undefined {
    return readCookie(req, this.#cookie(req).name);
  }

  #setCookie(req: Request, res: Response, value: string, maxAgeSeconds: number, now: number): void {
    const { name, secure } = this.#cookie(req);
    appendSetCookie(res, serializeCookie(name, value, { path: this.#options.cookiePath, secure, maxAgeSeconds, now }));
  }
}

function responseOf(req: Request): Response {
  const res = req.res;
  if (res && typeof res.setHeader === 'function' && typeof res.getHeader === 'function') return res;
  throw new OtpConfigurationError('trustedDevices sets a cookie on the response, but req.res is missing: use the strategy from Express (or set req.res)');
}
