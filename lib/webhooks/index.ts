// Delivery webhooks: Express handlers for Prelude V2 (signed) and Ding V1 (token in the URL).
export { preludeWebhook } from './prelude.js';
export type { PreludeWebhookOptions } from './prelude.js';
export { dingWebhook } from './ding.js';
export type { DingWebhookOptions } from './ding.js';
export type { WebhookHandler } from './handler.js';
export type { WebhookStoreOption } from './dedup.js';
export type { WebhookUrlOption } from './callback-url.js';
export { verifyPreludeSignature } from './prelude-signature.js';
