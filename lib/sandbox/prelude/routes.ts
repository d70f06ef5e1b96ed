// The V2 route table, served under /v2.
import type { Route } from '../core/routes.js';
import type { PreludeOperation } from './operations.js';

export const PRELUDE_ROUTES: Route<PreludeOperation>[] = [
  { pattern: /^\/v2\/verification$/, method: 'POST', operation: 'createVerification' },
  { pattern: /^\/v2\/verification\/check$/, method: 'POST', operation: 'checkVerification' },
  { pattern: /^\/v2\/lookup\/([^/]+)$/, method: 'GET', operation: 'lookupPhoneNumber' },
];

