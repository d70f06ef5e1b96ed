// Fault injection: a FIFO of armed faults, each for the next N calls (of one operation, or any).
// A call takes the first armed fault that matches it. What each mode looks like on the wire is
// decided here; holding and resetting the socket is the server's job.
import { randomUUID } from 'node:crypto';
import { rfc3339 } from './clock.js';
import { dingError, FORBIDDEN, gatewayError, type Reply } from './reply.js';
import {
  FAULT_MODES,
  PRELUDE_SANDBOX_OPERATIONS,
  SANDBOX_OPERATIONS,
  type AnyOperation,
  type FaultMode,
  type SandboxFault,
  type SandboxOperation,
} from './types.js';

const ALL_OPERATIONS: readonly AnyOperation[] = [...SANDBOX_OPERATIONS, ...PRELUDE_SANDBOX_OPERATIONS];

export type FaultAction = { kind: 'reply'; reply: Reply } | { kind: 'hold' } | { kind: 'reset' };

interface Armed {
  mode: FaultMode;
  left: number;
  operation: AnyOperation | undefined;
}

export class FaultQueue {
  #armed: Armed[] = [];

  add(fault: SandboxFault): void {
    if (typeof fault !== 'object' || fault === null || !FAULT_MODES.includes(fault.mode)) {
      throw new TypeError(`DingSandbox: fail() mode must be one of ${FAULT_MODES.join(', ')}`);
    }
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new RangeError('DingSandbox: fail() times must be a positive integer');
    if (fault.operation !== undefined && !ALL_OPERATIONS.includes(fault.operation)) {
      throw new TypeError(`DingSandbox: fail() operation must be one of ${ALL_OPERATIONS.join(', ')}`);
    }
    this.#armed.push({ mode: fault.mode, left: times, operation: fault.operation });
  }

  clear(): void {
    this.#armed = [];
  }

  /** The fault for this call, if one is armed; spends one of its `times`. */
  take(operation: AnyOperation): FaultMode | undefined {
    const i = this.#armed.findIndex((f) => f.operation === undefined || f.operation === operation);
    const fault = this.#armed[i];
    if (!fault) return undefined;
    fault.left -= 1;
    if (fault.left === 0) this.#armed.splice(i, 1);
    return fault.mode;
  }
}

export function faultAction(mode: FaultMode, operation: SandboxOperation, now: number, authUuid: unknown): FaultAction {
  switch (mode) {
    case 'timeout':
      return { kind: 'hold' };
    case 'reset':
      return { kind: 'reset' };
    case 'http500':
      return { kind: 'reply', reply: { ...dingError('internal_server_error', 'Internal server error'), status: 500 } };
    case 'http503':
      return { kind: 'reply', reply: gatewayError(503, 'Service Unavailable') };
    case 'forbidden':
      return { kind: 'reply', reply: FORBIDDEN };
    case 'bad_json':
      // Claims JSON, is not: a truncated object, the way a cut-off proxy answer looks.
      return { kind: 'reply', reply: { status: 200, raw: '{"authentication_uuid": "' } };
    case 'unknown_status_value':
      return { kind: 'reply', reply: { status: 200, body: offContract(operation, now, authUuid) } };
  }
}

/** A 200 body that breaks the contract in one place only: a value no enum allows. */
function offContract(operation: SandboxOperation, now: number, authUuid: unknown): Record<string, unknown> {
  const uuid = typeof authUuid === 'string' ? authUuid : randomUUID();
  const at = rfc3339(now);
  switch (operation) {
    case 'createAuthentication':
      // `approved` was a legacy SDK value the spec never listed.
      return { authentication_uuid: uuid, status: 'approved', created_at: at, expires_at: at };
    case 'check':
      return { authentication_uuid: uuid, status: 'expired' };
    case 'retry':
      return { authentication_uuid: uuid, status: 'queued', created_at: at, next_retry_at: at, remaining_retry: 1 };
    case 'feedback':
      // FeedbackResponse has no enum; its one field gets the wrong type instead.
      return { uuid: 42 };
    case 'getAuthenticationStatus':
      return { uuid, phone_number: '+15555550100', created_at: at, signals: {}, events: [{ type: 'sms_sent', created_at: at }] };
    case 'lookup':
      return { phone_number: '+15555550100', country_code: 'US', line_type: 'Landline' };
  }
}
