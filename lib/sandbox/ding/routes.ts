// The V1 route table, served under /v1.
import type { Route } from '../core/routes.js';
import type { SandboxOperation } from './operations.js';

export const DING_ROUTES: Route<SandboxOperation>[] = [
  { pattern: /^\/v1\/authentication$/, method: 'POST', operation: 'createAuthentication' },
  { pattern: /^\/v1\/check$/, method: 'POST', operation: 'check' },
  { pattern: /^\/v1\/retry$/, method: 'POST', operation: 'retry' },
  { pattern: /^\/v1\/authentication\/feedback$/, method: 'POST', operation: 'feedback' },
  { pattern: /^\/v1\/authentication\/([^/]+)$/, method: 'GET', operation: 'getAuthenticationStatus' },
  { pattern: /^\/v1\/lookup\/([^/]+)$/, method: 'GET', operation: 'lookup' },
];
