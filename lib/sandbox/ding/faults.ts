// What each fault mode looks like on a V1 call.
import { randomUUID } from 'node:crypto';
import { rfc3339 } from '../core/clock.js';
import type { FaultAction, FaultMode } from '../core/faults.js';
import { FORBIDDEN, gatewayError } from '../core/reply.js';
import type { SandboxOperation } from './operations.js';
import { dingError } from './reply.js';

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
