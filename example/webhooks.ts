// The providers' delivery webhooks (docs/webhooks.md): where they post, how the strategies learn
// the address (`webhookUrl`, sent as `callback_url` with every create), and what is done with a
// report: one JSON log line, and the status kept for the code page (./delivery-status.ts).
//
// Mounted before any body parser, the CSRF check and the session: the handlers read the raw body
// themselves (a Prelude signature covers the exact bytes), and the provider has no CSRF token or
// session; it is authenticated by the signature (Prelude) or the secret in the URL (Ding V1).
import { Router } from 'express';
import { dingWebhook, preludeWebhook } from 'passport-ding';
import type { DeliveryEvent, DingOtpStrategyOptions, OnEvent, WebhookStoreOption } from 'passport-ding';
import type { DeliveryStatusStore } from './delivery-status.js';
import type { Logger } from './logger.js';

export interface WebhookSettings {
  /**
   * This app's address as the provider reaches it, e.g. `https://app.example.com` (no path): the
   * provider posts to `<publicUrl>/webhooks/prelude` or `<publicUrl>/webhooks/ding`.
   */
  publicUrl: string;
  /** Prelude V2: the webhook signing key (PEM); in sandbox mode the sandbox's `webhookPublicKey`. */
  preludePublicKey?: string | undefined;
  /** Ding V1 (unsigned webhooks): a random secret of 16+ characters, carried in the callback URL. */
  dingSecret?: string | undefined;
}

export const PRELUDE_WEBHOOK_PATH = '/webhooks/prelude';
export const DING_WEBHOOK_PATH = '/webhooks/ding';

function endpoint(publicUrl: string, path: string): string {
  return new URL(path, publicUrl).href;
}

/** The strategies' `webhookUrl` option for `provider`. */
export function webhookUrlFor(settings: WebhookSettings, provider: 'prelude' | 'ding'): NonNullable<DingOtpStrategyOptions['webhookUrl']> {
  if (provider === 'prelude') {
    if (!settings.preludePublicKey) throw new TypeError('createApp: webhooks.preludePublicKey is required with Prelude (set PRELUDE_WEBHOOK_PUBLIC_KEY)');
    return endpoint(settings.publicUrl, PRELUDE_WEBHOOK_PATH);
  }
  if (!settings.dingSecret) throw new TypeError('createApp: webhooks.dingSecret is required with Ding V1 (set DING_WEBHOOK_SECRET)');
  return { url: endpoint(settings.publicUrl, DING_WEBHOOK_PATH), secret: settings.dingSecret };
}

/** The webhook route of `provider`, logging each report and keeping its status. */
export function webhookRoutes(options: {
  settings: WebhookSettings;
  provider: 'prelude' | 'ding';
  statuses: DeliveryStatusStore;
  logger: Logger;
  /** De-duplication of event ids: in Redis when the app has it, so a retry hitting another instance is still one report. */
  store?: WebhookStoreOption | undefined;
}): Router {
  const { settings, statuses, logger } = options;
  // Awaited by the handler: if the status cannot be stored (Redis down) the answer is a 500 and
  // the provider delivers the report again later.
  const onEvent: OnEvent = async (event) => {
    logger.event(event);
    if (event.type === 'delivery') await statuses.record(event as DeliveryEvent);
  };
  const store = options.store ? { store: options.store } : {};
  const router = Router();
  if (options.provider === 'prelude') {
    router.post(PRELUDE_WEBHOOK_PATH, preludeWebhook({ publicKey: settings.preludePublicKey ?? '', onEvent, ...store }));
  } else {
    router.post(DING_WEBHOOK_PATH, dingWebhook({ secret: settings.dingSecret ?? '', onEvent, ...store }));
  }
  return router;
}
