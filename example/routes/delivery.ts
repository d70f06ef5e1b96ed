// The delivery report of this session's verification, for the code pages: the status the
// provider's webhook reported (./../webhooks.ts) for the verification id this session's own send
// remembered (./../otp-events.ts). A session never names another verification, so it never sees
// another session's status.
import { Router } from 'express';
import type { Request } from 'express';
import { DEFAULT_SESSION_KEY, pendingVerification } from 'passport-ding';
import { SECOND_FACTOR } from '../auth.js';
import type { DeliveryStatusStore } from '../delivery-status.js';
import { deliveryIdOf } from '../otp-events.js';
import { noStore } from '../security.js';
import type { CodePageExtras } from '../views/code-extras.js';

/** The code pages' delivery endpoints, by the strategy whose code they show. */
const ENDPOINTS: Record<string, string> = { ding: '/login/code/delivery', [SECOND_FACTOR]: '/2fa/code/delivery' };

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
export async function deliveryExtras(req: Request, strategy: string): Promise<CodePageExtras['delivery']> {
  const url = ENDPOINTS[strategy];
  if (!storeOf(req) || url === undefined) return undefined;
  return { url, status: await statusOf(req, strategy) };
}

/** `GET …/code/delivery` -> `{ status }` (null until a report came), for the page's script. */
export function deliveryRoutes(): Router {
  const router = Router();
  for (const [strategy, url] of Object.entries(ENDPOINTS)) {
    router.get(url, noStore, (req, res, next) => {
      const sessionKey = strategy === SECOND_FACTOR ? SECOND_FACTOR : DEFAULT_SESSION_KEY;
      if (!storeOf(req) || !pendingVerification(req, sessionKey)) return void res.status(404).json({ status: null });
      statusOf(req, strategy).then((status) => res.json({ status: status ?? null }), next);
    });
  }
  return router;
}
