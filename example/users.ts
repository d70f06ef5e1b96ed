// An in-memory user store: enough for the example, gone at restart. A real app keeps users in
// its database; two app instances sharing sessions must also share this store (the demo user
// and the phone-to-id mapping are deterministic, so instances agree; see userIdForPhone).
import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export interface User {
  id: string;
  name: string;
  /** E.164. The second factor texts this number. */
  phone: string | undefined;
  username: string | undefined;
  passwordHash: string | undefined;
}

export interface DemoUser {
  username: string;
  password: string;
  /** E.164 phone that receives the second-factor code. */
  phone: string;
}

/** `scrypt$<salt hex>$<hash hex>`, from node:crypto only. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32);
  return `scrypt$${salt.toString('hex')}$${hash.toString('hex')}`;
}

export async function checkPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, saltHex, hashHex] = stored.split('$');
  if (scheme !== 'scrypt' || !saltHex || !hashHex) return false;
  const expected = Buffer.from(hashHex, 'hex');
  const actual = await scryptAsync(password, Buffer.from(saltHex, 'hex'), expected.length);
  return timingSafeEqual(actual, expected);
}

// A stable id per phone, so every instance behind a shared session store maps a number to the
// same user without a shared database. Ids appear in logs, so they must not lead back to the
// number: an unkeyed hash would (there are only about 10^10 numbers per country code to try).
// A keyed hash (HMAC with a key only the app has) is as stable and as opaque as a random id.
function userIdForPhone(idKey: Buffer, phone: string): string {
  return `u-${createHmac('sha256', idKey).update(phone).digest('hex').slice(0, 32)}`;
}

export class UserStore {
  readonly #byId = new Map<string, User>();
  readonly #idKey: Buffer;
  // A fixed hash for unknown usernames, so a wrong username costs as much time as a wrong password.
  #dummyHash: string | undefined;

  private constructor(idKey: Buffer) {
    this.#idKey = idKey;
  }

  /**
   * `idKey` keys the phone users' ids: every instance that shares sessions needs the same one
   * (createApp derives it from the session secret). Random when absent.
   */
  static async create(demo?: DemoUser, idKey: Buffer = randomBytes(32)): Promise<UserStore> {
    const store = new UserStore(idKey);
    store.#dummyHash = await hashPassword(randomBytes(16).toString('hex'));
    if (demo) await store.addPasswordUser({ id: 'demo', ...demo });
    return store;
  }

  /** A user who signs in with a password and then a code texted to `phone`. */
  async addPasswordUser(user: DemoUser & { id: string }): Promise<User> {
    const created: User = {
      id: user.id,
      name: user.username,
      phone: user.phone,
      username: user.username,
      passwordHash: await hashPassword(user.password),
    };
    this.#byId.set(created.id, created);
    return created;
  }

  findById(id: string): User | undefined {
    return this.#byId.get(id);
  }

  /**
   * Phone login: the number is the account. Called with an E.164 number the provider verified.
   * May return an account that has a password: the caller decides (see ./auth.ts).
   */
  findOrCreateByPhone(phone: string): User {
    for (const user of this.#byId.values()) if (user.phone === phone) return user;
    // The id this number would get belongs to an account that changed to another number since:
    // a new account for the old number must not take it over (a random id instead).
    const derived = userIdForPhone(this.#idKey, phone);
    const id = this.#byId.has(derived) ? `u-${randomBytes(16).toString('hex')}` : derived;
    const user: User = { id, name: 'Phone user', phone, username: undefined, passwordHash: undefined };
    this.#byId.set(user.id, user);
    return user;
  }

  /**
   * Gives user `id` the verified number `phone`, unless another account has it: then nothing
   * changes and the answer is false. Synchronous, so the check and the change cannot interleave
   * with another request's.
   */
  changePhone(id: string, phone: string): boolean {
    const user = this.#byId.get(id);
    if (!user) return false;
    for (const other of this.#byId.values()) if (other !== user && other.phone === phone) return false;
    user.phone = phone;
    return true;
  }

  /** Restores a phone user another instance created (ids are derived from the phone). */
  restore(id: string, phone: string): User | undefined {
    if (userIdForPhone(this.#idKey, phone) !== id) return undefined;
    return this.findOrCreateByPhone(phone);
  }

  async authenticate(username: string, password: string): Promise<User | undefined> {
    const user = [...this.#byId.values()].find((u) => u.username === username);
    const ok = await checkPassword(password, user?.passwordHash ?? this.#dummyHash ?? '');
    return ok && user ? user : undefined;
  }
}
