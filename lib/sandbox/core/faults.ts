// Fault injection: a FIFO of armed faults, each for the next N calls (of one operation, or any).
// A call takes the first armed fault that matches it. What each mode looks like on the wire is
// each API module's business (its `fault()`); holding and resetting the socket is the server's.
import type { Reply } from './reply.js';

/** The fault modes `sandbox.fail()` takes. */
export const FAULT_MODES = [
  'http500',
  'http503',
  'timeout',
  'reset',
  'bad_json',
  'forbidden',
  'unknown_status_value',
] as const;
/**
 * - `http500`: 500 with the API's internal-error body; `http503`: 503 `{"message":"Service Unavailable"}`.
 * - `timeout`: the request is read and never answered; the socket is held until `close()`.
 * - `reset`: the connection is reset (TCP RST) after the request is read.
 * - `bad_json`: 200, `application/json`, and a body that is not JSON.
 * - `forbidden`: 403 `{"message":"Forbidden"}`, as for a wrong API key.
 * - `unknown_status_value`: 200 with a value outside the contract (e.g. create status `approved`).
 */
export type FaultMode = (typeof FAULT_MODES)[number];

export interface SandboxFault<Op extends string = string> {
  mode: FaultMode;
  /** How many matching calls get the fault. Default 1. */
  times?: number | undefined;
  /** Only calls of this operation match. Default: any operation of any API. */
  operation?: Op | undefined;
}

export type FaultAction = { kind: 'reply'; reply: Reply } | { kind: 'hold' } | { kind: 'reset' };

interface Armed {
  mode: FaultMode;
  left: number;
  operation: string | undefined;
}

export class FaultQueue {
  readonly #operations: readonly string[];
  #armed: Armed[] = [];

  /** `operations`: every operation name a fault may target (all modules'). */
  constructor(operations: readonly string[]) {
    this.#operations = operations;
  }

  add(fault: SandboxFault): void {
    if (typeof fault !== 'object' || fault === null || !FAULT_MODES.includes(fault.mode)) {
      throw new TypeError(`DingSandbox: fail() mode must be one of ${FAULT_MODES.join(', ')}`);
    }
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new RangeError('DingSandbox: fail() times must be a positive integer');
    if (fault.operation !== undefined && !this.#operations.includes(fault.operation)) {
      throw new TypeError(`DingSandbox: fail() operation must be one of ${this.#operations.join(', ')}`);
    }
    this.#armed.push({ mode: fault.mode, left: times, operation: fault.operation });
  }

  clear(): void {
    this.#armed = [];
  }

  /** The fault for this call, if one is armed; spends one of its `times`. */
  take(operation: string): FaultMode | undefined {
    const i = this.#armed.findIndex((f) => f.operation === undefined || f.operation === operation);
    const fault = this.#armed[i];
    if (!fault) return undefined;
    fault.left -= 1;
    if (fault.left === 0) this.#armed.splice(i, 1);
    return fault.mode;
  }
}
