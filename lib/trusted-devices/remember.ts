// The strategy's one step for trusted devices: after a login decision, remember the device when
// the login succeeded and the form asked for it.

import type { Request } from 'express';
import { TrustedDeviceStoreError } from './errors.js';
import type { TrustedDevices } from './trusted-devices.js';

/**
 * `decision`, after remembering the device if it is a success and the remember field is ticked
 * (until `trustEndsAt` at the latest, when set: a test number's fixed code earns no trust past it).
 * Best effort on the store: the code is already spent, so a store that fails costs the user the
 * next SMS, not this login. Anything else (no `req.res`, a `userId` that answers nonsense) is a
 * bug in the app and becomes the error decision.
 */
export async function rememberAfter<D extends { type: string }>(
  devices: TrustedDevices | undefined,
  req: Request,
  phoneNumber: string,
  decision: D,
  trustEndsAt?: number,
): Promise<D | { type: 'error'; err: Error }> {
  if (!devices || decision.type !== 'success') return decision;
  try {
    if (devices.asked(req)) await devices.remember(req, phoneNumber, trustEndsAt);
  } catch (err) {
    if (err instanceof TrustedDeviceStoreError) return decision;
    return { type: 'error', err: err instanceof Error ? err : new Error(String(err)) };
  }
  return decision;
}
