// An in-memory user store: enough for the example, gone at restart. A real app keeps users in
// its database; two app instances sharing sessions must also share this store (the demo user
// and the phone-to-id mapping are deterministic, so instances agree; see userIdForPhone).
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
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
// same user without a shared database.
function userIdForPhone(phone: string): string {
  return `phone-${createHash('sha256').update(phone).digest('hex').slice(0, 16)}`;
}

export class UserStore {
  readonly #byId = new Map<string, User>();
  // A fixed hash for unknown usernames, so a wrong username costs as much time as a wrong password.
  #dummyHash: string | undefined;

  static async create(demo?: DemoUser): Promise<UserStore> {
    const store = new UserStore();
    store.#dummyHash = await hashPassword(randomBytes(16).toString('hex'));
    if (demo) {
      store.#byId.set('demo', {
        id: 'demo',
        name: demo.username,
        phone: demo.phone,
        username: demo.username,
        passwordHash: await hashPassword(demo.password),
      });
    }
    return store;
  }

  findById(id: string): User | undefined {
    return this.#byId.get(id);
  }

  /** Phone login: the number is the account. Called with an E.164 number the provider verified. */
  findOrCreateByPhone(phone: string): User {
    for (const user of this.#byId.values()) if (user.phone === phone) return user;
    const user: User = { id: userIdForPhone(phone), name: 'Phone user', phone, username: undefined, passwordHash: undefined };
    this.#byId.set(user.id, user);
    return user;
  }

  /** Restores a phone user another instance created (ids are derived from the phone). */
  restore(id: string, phone: string): User | undefined {
    if (userIdForPhone(phone) !== id) return undefined;
    return this.findOrCreateByPhone(phone);
  }

  async authenticate(username: string, password: string): Promise<User | undefined> {
    const user = [...this.#byId.values()].find((u) => u.username === username);
    const ok = await checkPassword(password, user?.passwordHash ?? this.#dummyHash ?? '');
    return ok && user ? user : undefined;
  }
}
