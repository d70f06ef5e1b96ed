// The Prelude Verify V2 side of the sandbox: window state, operations and their HTTP pieces.
// Mounted by ../server.ts under /v2; usable on its own through PreludeState and PRELUDE_OPERATIONS.
export { PreludeState, ulid } from './state.js';
export type { CreateScript, PreludeStateSettings } from './state.js';
export { PRELUDE_OPERATIONS, PRELUDE_OPERATIONS_LIST, scriptFor } from './operations.js';
export type { PreludeContext, PreludeCreateScript, PreludeInput, PreludeNumberBehavior, PreludeNumberScript, PreludeOperation } from './operations.js';
export { lookupV2 } from './lookup.js';
export { isPreludePath, matchPreludeRoute, parsePreludeBody, preludeAuthorizer, preludeFaultAction } from './http.js';
export type { PreludeRouteMatch } from './http.js';
export { validateCheck, validateCreate, validateLookup } from './validate.js';
