// What a trusted-device store does. Records are keyed by the token's digest; a per-user index
// (bounded by `maxDevicesPerUser`) lets "forget all my devices" find them.

export interface DeviceRecord {
  /** The user, as `userKey(id)` (the digest the pending verification keeps too). */
  user: string;
  /** `phoneTag(token, e164)` of the number the device was remembered with. */
  phone: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms; the record is refused from then on. */
  expiresAt: number;
}

export interface DeviceStore {
  /** Stores `record` under `digest`; forgets the user's oldest devices past `maxPerUser`. */
  add(digest: string, record: DeviceRecord, maxPerUser: number, now: number): Promise<void>;
  get(digest: string): Promise<DeviceRecord | undefined>;
  /** Forgets one device of `user`. */
  remove(digest: string, user: string): Promise<void>;
  /** Forgets every device of `user`; resolves with how many there were. */
  removeUser(user: string): Promise<number>;
}

/** A record as stored (JSON), read back strictly: anything malformed is no record. */
export function parseRecord(raw: unknown): DeviceRecord | undefined {
  if (typeof raw !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const r = value as Record<string, unknown>;
  if (typeof r.u !== 'string' || typeof r.p !== 'string' || typeof r.c !== 'number' || typeof r.e !== 'number') return undefined;
  return { user: r.u, phone: r.p, createdAt: r.c, expiresAt: r.e };
}

export function formatRecord(record: DeviceRecord): string {
  return JSON.stringify({ u: record.user, p: record.phone, c: record.createdAt, e: record.expiresAt });
}
