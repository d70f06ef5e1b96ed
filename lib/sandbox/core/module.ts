// What an API module gives the core: its routes, its key check, its error shapes, its fault
// shapes and its operations. The core runs one request loop over a list of these and knows
// nothing of any API; a new API is one folder that builds an ApiModule and one entry in the list
// that ../sandbox.ts assembles.
import type { FaultAction, FaultMode } from './faults.js';
import type { Reply } from './reply.js';
import type { Route } from './routes.js';

/** A request as an operation sees it, after routing, the key check and body parsing. */
export interface OperationInput {
  /** The parsed JSON object of a POST; `{}` for a GET. */
  body: Record<string, unknown>;
  /** The raw, still percent-encoded path parameter; `''` when the route has none. */
  param: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
}

export interface ApiModule<Op extends string = string> {
  /** Every path equal to this or under it (`/v1`, `/v1/...`) belongs to this module. */
  readonly prefix: string;
  /** Operation names, unique across modules: `fail({ operation })` and `stats().byOperation` use them. */
  readonly operations: readonly Op[];
  readonly routes: readonly Route<Op>[];
  /** The answer for these headers when they do not carry the API key; undefined when they do. */
  authorize(headers: OperationInput['headers']): Reply | undefined;
  /** The 400 for a body that is too large or not a JSON object, in this API's error shape. */
  badBody(problem: string): Reply;
  /** The 500 for a bug in the sandbox itself, in this API's error shape. */
  internalError(): Reply;
  /** What fault `mode` looks like on this API's `operation`. */
  fault(mode: FaultMode, operation: Op, now: number, body: Record<string, unknown> | undefined): FaultAction;
  run(operation: Op, input: OperationInput): Reply;
  /** Forgets all state (`sandbox.reset()`). */
  clear(): void;
}

/** The module a path belongs to, if any. */
export function moduleFor(modules: readonly ApiModule[], pathname: string): ApiModule | undefined {
  return modules.find((m) => pathname === m.prefix || pathname.startsWith(`${m.prefix}/`));
}
