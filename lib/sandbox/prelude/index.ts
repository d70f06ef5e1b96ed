// The Prelude Verify V2 API module, served under /v2: the Bearer key, V2's error shape, its
// faults, its operations, its window state and its signed webhooks. ../sandbox.ts puts it in the
// list the core serves; its parts are exported for tests that drive them without HTTP.
import type { ApiModule } from '../core/module.js';
import type { Delivery } from '../core/webhooks.js';
import type { NumberBehavior } from '../types.js';
import { preludeFaultAction } from './faults.js';
import { PRELUDE_OPERATIONS, PRELUDE_SANDBOX_OPERATIONS, type PreludeNumberBehavior, type PreludeOperation } from './operations.js';
import { preludeAuthorizer, preludeError } from './reply.js';
import { PRELUDE_ROUTES } from './routes.js';
import { lazyKeys, SIGNATURE_HEADER, signatureHeader } from './signature.js';
import { PreludeState, type PreludeStateSettings } from './state.js';

export { PreludeState, ulid } from './state.js';
export type { CreateScript, PreludeStateSettings } from './state.js';
export { PRELUDE_OPERATIONS, PRELUDE_OPERATIONS_LIST, PRELUDE_SANDBOX_OPERATIONS, scriptFor } from './operations.js';
export type {
  PreludeContext,
  PreludeCreateScript,
  PreludeInput,
  PreludeNumberBehavior,
  PreludeNumberScript,
  PreludeOperation,
  PreludeSandboxOperation,
} from './operations.js';
export { lookupV2 } from './lookup.js';
export { parsePreludeBody, preludeAuthorizer } from './reply.js';
export { preludeFaultAction } from './faults.js';
export { signatureHeader } from './signature.js';
export type { PreludeEventEnvelope, PreludeEventType } from './webhooks.js';
export { validateCheck, validateCreate, validateLookup } from './validate.js';

export interface PreludeModuleDeps {
  apiKey: string;
  settings: Omit<PreludeStateSettings, 'webhook'>;
  now: () => number;
  numbers: ReadonlyMap<string, NumberBehavior | PreludeNumberBehavior>;
  deliver: (delivery: Delivery) => void;
}

export interface PreludeModule extends ApiModule<PreludeOperation> {
  /** The SPKI PEM that verifies this sandbox's webhook signatures (the pair is made on first use). */
  webhookPublicKey(): string;
}

export function createPreludeModule(deps: PreludeModuleDeps): PreludeModule {
  const authorize = preludeAuthorizer(deps.apiKey);
  const keys = lazyKeys();
  const state = new PreludeState(
    {
      ...deps.settings,
      webhook: (url, event) => {
        // Signed once: every retry sends these same bytes with this same signature.
        const body = Buffer.from(JSON.stringify(event));
        deps.deliver({ url, body, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signatureHeader(body, keys().privateKey) } });
      },
    },
    deps.now,
  );
  const context = { state, numbers: deps.numbers };
  return {
    prefix: '/v2',
    operations: PRELUDE_SANDBOX_OPERATIONS,
    routes: PRELUDE_ROUTES,
    authorize: (headers) => authorize(headers.authorization),
    badBody: (problem) => preludeError('invalid_request', problem),
    internalError: () => preludeError('internal', 'sandbox error', undefined, 500),
    fault: (mode, operation, now) => preludeFaultAction(mode, operation, now),
    run: (operation, input) => PRELUDE_OPERATIONS[operation](context, input),
    clear: () => state.clear(),
    webhookPublicKey: () => keys().publicKeyPem,
  };
}
