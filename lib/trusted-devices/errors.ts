import { PassportDingError } from '../errors.js';

/**
 * The trusted-device store (Redis) could not be read or written. `isTrustedDevice` rejects with it:
 * treat the device as unknown and ask for the code (the safe answer); the login itself never
 * depends on the store.
 */
export class TrustedDeviceStoreError extends PassportDingError {
  override readonly code = 'PASSPORT_DING_DEVICE_STORE';
  /** A store the app depends on is down: 503, as for the limit store. */
  override readonly status = 503;
}

/** A plain copy of a store error: a Redis client error can hold the connection and its options. */
export function deviceStoreError(err: unknown): TrustedDeviceStoreError {
  if (err instanceof TrustedDeviceStoreError) return err;
  const cause = new Error(err instanceof Error ? err.message : String(err));
  if (err instanceof Error) cause.name = err.name;
  delete cause.stack;
  return new TrustedDeviceStoreError('The trusted-device store failed', { cause });
}
