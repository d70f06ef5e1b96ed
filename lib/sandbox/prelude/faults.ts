// What each fault mode looks like on a V2 call.
import type { FaultAction, FaultMode } from '../core/faults.js';
import { FORBIDDEN, gatewayError } from '../core/reply.js';
import type { PreludeOperation } from './operations.js';
import { preludeError } from './reply.js';
import { ulid } from './state.js';

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
