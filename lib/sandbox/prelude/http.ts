// The HTTP-facing pieces of the V2 API that differ from V1: routes, the Bearer key, the JSON body
// error, and what each fault mode looks like in V2's shapes. The shared server (../server.ts)
// calls these for paths under /v2.
import { parseJsonObject } from '../body.js';
import type { FaultAction } from '../faults.js';
import { keyMatcher } from '../key.js';
import { FORBIDDEN, gatewayError, type Reply } from '../reply.js';
import { matchIn, type Route, type RouteMatch } from '../routes.js';
import type { FaultMode } from '../types.js';
import type { PreludeOperation } from './operations.js';
import { preludeError, UNAUTHORIZED_MISSING, UNAUTHORIZED_WRONG } from './reply.js';
import { ulid } from './state.js';

export type PreludeRouteMatch = RouteMatch<PreludeOperation>;

const ROUTES: Route<PreludeOperation>[] = [
  { pattern: /^\/v2\/verification$/, method: 'POST', operation: 'createVerification' },
  { pattern: /^\/v2\/verification\/check$/, method: 'POST', operation: 'checkVerification' },
  { pattern: /^\/v2\/lookup\/([^/]+)$/, method: 'GET', operation: 'lookupPhoneNumber' },
];

export function isPreludePath(pathname: string): boolean {
  return pathname === '/v2' || pathname.startsWith('/v2/');
}

/** Method + path -> operation; `param` is the raw path parameter (lookup's number), else `''`. */
export function matchPreludeRoute(method: string, pathname: string): PreludeRouteMatch {
  return matchIn(ROUTES, method, pathname);
}

/** Checks `Authorization: Bearer <key>`; the 401 to answer, or undefined when it is the key. */
export function preludeAuthorizer(apiKey: string): (header: string | string[] | undefined) => Reply | undefined {
  const isKey = keyMatcher(apiKey);
  return (header) => {
    const token = typeof header === 'string' ? /^Bearer +([\x21-\x7e]+)$/i.exec(header)?.[1] : undefined;
    if (token === undefined) return UNAUTHORIZED_MISSING;
    return isKey(token) ? undefined : UNAUTHORIZED_WRONG;
  };
}

/** The body as a JSON object, or the V2 400 to answer (V1's checks, V2's error shape). */
export function parsePreludeBody(data: Buffer, contentType: string | undefined): { body: Record<string, unknown> } | { reply: Reply } {
  const parsed = parseJsonObject(data, contentType);
  if ('body' in parsed) return parsed;
  const message = (parsed.reply.body as { message?: unknown } | undefined)?.message;
  return { reply: preludeError('invalid_request', typeof message === 'string' ? message : 'the request body is not valid') };
}

/** What fault `mode` looks like on a V2 call. */
export function preludeFaultAction(mode: FaultMode, operation: PreludeOperation, now: number): FaultAction {
  switch (mode) {
    case 'timeout':
      return { kind: 'hold' };
    case 'reset':
      return { kind: 'reset' };
    case 'http500':
      return { kind: 'reply', reply: preludeError('internal', 'Internal server error', undefined, 500) };
    case 'http503':
      return { kind: 'reply', reply: gatewayError(503, 'Service Unavailable') };
    case 'forbidden':
      return { kind: 'reply', reply: FORBIDDEN };
    case 'bad_json':
      // Claims JSON, is not: a truncated object, the way a cut-off proxy answer looks.
      return { kind: 'reply', reply: { status: 200, raw: operation === 'lookupPhoneNumber' ? '{"phone_number": "+' : '{"id": "vrf_' } };
    case 'unknown_status_value':
      return { kind: 'reply', reply: { status: 200, body: offContract(operation, now) } };
  }
}

/** A 200 body that breaks the contract in one place only: a value no version of V2 has. */
function offContract(operation: PreludeOperation, now: number): Record<string, unknown> {
  switch (operation) {
    case 'createVerification':
      return { id: ulid('vrf', now), status: 'approved', method: 'message' };
    case 'checkVerification':
      return { id: ulid('vrf', now), status: 'expired' };
    case 'lookupPhoneNumber':
      // A line type no version of V2 lists (the V1 fault says `Landline` the same way).
      return { phone_number: '+15555550100', country_code: 'US', line_type: 'landline', flags: [] };
  }
}

export type { Reply };
