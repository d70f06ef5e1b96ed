// The delivery report of this session's verification, for the code pages: the status the
// provider's webhook reported (./../webhooks.ts) for the verification id this session's own send
// remembered (./../otp-events.ts). A session never names another verification, so it never sees
// another session's status. One table for the three code pages (login, second factor, phone
// change), so each shows its report the same way.
import { Router } from 'express';
import type { Request } from 'express';
import { DEFAULT_SESSION_KEY, pendingVerification, PHONE_CHANGE_SESSION_KEY } from 'passport-ding';
import { PHONE_CHANGE, SECOND_FACTOR } from '../auth.js';
import type { DeliveryStatusStore } from '../delivery-status.js';
import { deliveryIdOf } from '../otp-events.js';
import { noStore } from '../security.js';
import type { CodePageExtras } from '../views/code-extras.js';

/** A code page's delivery endpoint, and the session key its strategy keeps the pending code under. */
interface CodePageDelivery {
  url: string;
  sessionKey: string;
}

/** The strategies whose code pages show a delivery report. */
export type CodePageStrategy = 'ding' | typeof SECOND_FACTOR | typeof PHONE_CHANGE;

/** By the strategy whose code the page shows. */
const ENDPOINTS: Record<CodePageStrategy, CodePageDelivery> = {
  ding: { url: '/login/code/delivery', sessionKey: DEFAULT_SESSION_KEY },
  [SECOND_FACTOR]: { url: '/2fa/code/delivery', sessionKey: SECOND_FACTOR },
  [PHONE_CHANGE]: { url: '/account/phone/code/delivery', sessionKey: PHONE_CHANGE_SESSION_KEY },
};

function storeOf(req: Request): DeliveryStatusStore | undefined {
  return req.app.locals.deliveryStatuses as DeliveryStatusStore | undefined;
}

async function statusOf(req: Request, strategy: string): Promise<string | undefined> {
  const store = storeOf(req);
  const id = deliveryIdOf(req.session, strategy);
  if (!store || id === undefined) return undefined;
  try {
    return await store.statusOf(id);
  } catch {
    // The store (Redis) failed: the page still works, it just cannot say.
    return undefined;
  }
}

/** The code page's delivery part, or undefined when the app has no delivery webhooks. */
export async function deliveryExtras(req: Request, strategy: CodePageStrategy): Promise<CodePageExtras['delivery']> {
  if (!storeOf(req)) return undefined;
  return { url: ENDPOINTS[strategy].url, status: await statusOf(req, strategy) };
}

/**
 * `GET …/code/delivery` -> `{ status }` (null until a report came), for the page's script, for
 * the code pages of `strategies`. Mounted where those pages' routes are, after their guards
 * (the phone change's sits behind its sign-in and second-factor checks, like its code page).
 */
export function deliveryRoutes(...strategies: CodePageStrategy[]): Router {
  const router = Router();
  for (const strategy of strategies) {
    const { url, sessionKey } = ENDPOINTS[strategy];
    router.get(url, noStore, (req, res, next) => {
      if (!storeOf(req) || !pendingVerification(req, sessionKey)) return void res.status(404).json({ status: null });
      statusOf(req, strategy).then((status) => res.json({ status: status ?? null }), next);
    });
  }
  return router;
}
