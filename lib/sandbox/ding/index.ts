// The Ding V1 API module, served under /v1: the x-api-key check, V1's error shape, its faults,
// its six operations and its state. ../sandbox.ts puts it in the list the core serves.
import type { SandboxClock } from '../core/clock.js';
import { keyMatcher } from '../core/key.js';
import type { ApiModule } from '../core/module.js';
import { FORBIDDEN } from '../core/reply.js';
import type { Delivery } from '../core/webhooks.js';
import type { NumberBehavior } from '../types.js';
import { faultAction } from './faults.js';
import { OPERATIONS, SANDBOX_OPERATIONS, type SandboxOperation } from './operations.js';
import { dingError } from './reply.js';
import { DING_ROUTES } from './routes.js';
import { SandboxState, type StateSettings } from './state.js';

export { SANDBOX_OPERATIONS, type SandboxOperation } from './operations.js';
export { SandboxState } from './state.js';
export type { DingWebhookEvent } from './webhooks.js';

export interface DingModuleDeps {
  apiKey: string;
  customerUuid: string;
  settings: Omit<StateSettings, 'webhook'>;
  clock: SandboxClock;
  numbers: Map<string, NumberBehavior>;
  /** Sends a webhook delivery (../core/webhooks.ts). */
  deliver: (delivery: Delivery) => void;
}

export function createDingModule(deps: DingModuleDeps): ApiModule<SandboxOperation> {
  const isKey = keyMatcher(deps.apiKey);
  const state = new SandboxState(
    {
      ...deps.settings,
      // V1 signs nothing: the body as JSON, to the URL exactly as given (its query string included).
      webhook: (url, event) => deps.deliver({ url, body: Buffer.from(JSON.stringify(event)), headers: { 'content-type': 'application/json' } }),
    },
    deps.clock,
  );
  const context = { state, customerUuid: deps.customerUuid, numbers: deps.numbers };
  return {
    prefix: '/v1',
    operations: SANDBOX_OPERATIONS,
    routes: DING_ROUTES,
    authorize: (headers) => {
      const key = headers['x-api-key'];
      return typeof key === 'string' && isKey(key) ? undefined : FORBIDDEN;
    },
    badBody: (problem) => dingError('bad_request', problem),
    internalError: () => ({ ...dingError('internal_server_error', 'sandbox error'), status: 500 }),
    fault: (mode, operation, now, body) => faultAction(mode, operation, now, body?.authentication_uuid),
    run: (operation, input) => OPERATIONS[operation](context, input),
    clear: () => state.clear(),
  };
}
