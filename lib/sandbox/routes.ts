// Method + path -> operation, for V1 here and for V2 (./prelude/http.ts) through `matchIn`. The
// fixed path /authentication/feedback wins over /authentication/{auth_uuid}, as OpenAPI path
// matching requires: the first route whose pattern matches decides.
import type { SandboxOperation } from './types.js';

export interface Route<Op extends string> {
  pattern: RegExp;
  method: 'GET' | 'POST';
  operation: Op;
}

export type RouteMatch<Op extends string = SandboxOperation> =
  | { operation: Op; method: 'GET' | 'POST'; param: string }
  | { status: 404 }
  | { status: 405; allow: string };

/** The route of `routes` for method + path; `param` is the raw path parameter, else `''`. */
export function matchIn<Op extends string>(routes: readonly Route<Op>[], method: string, pathname: string): RouteMatch<Op> {
  for (const route of routes) {
    const m = route.pattern.exec(pathname);
    if (!m) continue;
    if (method !== route.method) return { status: 405, allow: route.method };
    return { operation: route.operation, method: route.method, param: m[1] ?? '' };
  }
  return { status: 404 };
}

const ROUTES: Route<SandboxOperation>[] = [
  { pattern: /^\/v1\/authentication$/, method: 'POST', operation: 'createAuthentication' },
  { pattern: /^\/v1\/check$/, method: 'POST', operation: 'check' },
  { pattern: /^\/v1\/retry$/, method: 'POST', operation: 'retry' },
  { pattern: /^\/v1\/authentication\/feedback$/, method: 'POST', operation: 'feedback' },
  { pattern: /^\/v1\/authentication\/([^/]+)$/, method: 'GET', operation: 'getAuthenticationStatus' },
  { pattern: /^\/v1\/lookup\/([^/]+)$/, method: 'GET', operation: 'lookup' },
];

export function matchRoute(method: string, pathname: string): RouteMatch {
  return matchIn(ROUTES, method, pathname);
}
