// The V2 route table, served under /v2.
import { matchIn, type Route, type RouteMatch } from '../core/routes.js';
import type { PreludeOperation } from './operations.js';

export type PreludeRouteMatch = RouteMatch<PreludeOperation>;

export const PRELUDE_ROUTES: Route<PreludeOperation>[] = [
  { pattern: /^\/v2\/verification$/, method: 'POST', operation: 'createVerification' },
  { pattern: /^\/v2\/verification\/check$/, method: 'POST', operation: 'checkVerification' },
  { pattern: /^\/v2\/lookup\/([^/]+)$/, method: 'GET', operation: 'lookupPhoneNumber' },
];

/** Method + path -> operation; `param` is the raw path parameter (lookup's number), else `''`. */
export function matchPreludeRoute(method: string, pathname: string): PreludeRouteMatch {
  return matchIn(PRELUDE_ROUTES, method, pathname);
}
