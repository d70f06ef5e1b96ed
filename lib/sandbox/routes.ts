// Method + path -> operation. The fixed path /authentication/feedback wins over
// /authentication/{auth_uuid}, as OpenAPI path matching requires.
import type { SandboxOperation } from './types.js';

export type RouteMatch =
  | { operation: SandboxOperation; method: 'GET' | 'POST'; param: string }
  | { status: 404 }
  | { status: 405; allow: string };

const ROUTES: { pattern: RegExp; method: 'GET' | 'POST'; operation: SandboxOperation }[] = [
  { pattern: /^\/v1\/authentication$/, method: 'POST', operation: 'createAuthentication' },
  { pattern: /^\/v1\/check$/, method: 'POST', operation: 'check' },
  { pattern: /^\/v1\/retry$/, method: 'POST', operation: 'retry' },
  { pattern: /^\/v1\/authentication\/feedback$/, method: 'POST', operation: 'feedback' },
  { pattern: /^\/v1\/authentication\/([^/]+)$/, method: 'GET', operation: 'getAuthenticationStatus' },
  { pattern: /^\/v1\/lookup\/([^/]+)$/, method: 'GET', operation: 'lookup' },
];

export function matchRoute(method: string, pathname: string): RouteMatch {
  for (const route of ROUTES) {
    const m = route.pattern.exec(pathname);
    if (!m) continue;
    if (method !== route.method) return { status: 405, allow: route.method };
    return { operation: route.operation, method: route.method, param: m[1] ?? '' };
  }
  return { status: 404 };
}
