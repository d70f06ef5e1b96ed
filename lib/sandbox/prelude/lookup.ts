// What V2's lookup answers for a number: the V1 module's answer (../ding/lookup.ts: the line type
// from the numbering plan on a plausible carrier of the number's country, or what `numbers`
// scripts in V1 terms) said the V2 way, with a V2 `lookup` script from `preludeNumbers` merged
// over it. So a number scripted once, `{ lookup: { line_type: 'PremiumRate' } }`, is premium-rate
// on both APIs. (The one import across modules: `numbers` is written in V1's words.)
import type { LineType, LookupResponseWire as DingLookupWire } from '../../providers/ding/wire.js';
import {
  LINE_TYPE_TO_DING,
  LOOKUP_FLAGS,
  LOOKUP_LINE_TYPES,
  type LookupFlag,
  type LookupLineType,
  type LookupResponseWire,
  type NetworkInfoWire,
} from '../../providers/prelude/wire.js';
import { lookupNumber } from '../ding/lookup.js';
import type { NumberBehavior } from '../types.js';
import type { PreludeNumberBehavior } from './operations.js';

const FROM_DING = new Map<LineType, LookupLineType>(LOOKUP_LINE_TYPES.map((t) => [LINE_TYPE_TO_DING[t], t]));

/** A V1 lookup body in V2's shape: snake_case line type, `flags`, `network_info`. */
function fromDing(v1: DingLookupWire): LookupResponseWire {
  const body: LookupResponseWire = {};
  if (v1.phone_number !== undefined) body.phone_number = v1.phone_number;
  if (v1.country_code !== undefined) body.country_code = v1.country_code;
  const lineType = v1.line_type === undefined ? undefined : FROM_DING.get(v1.line_type);
  if (lineType !== undefined) body.line_type = lineType;
  const flags: LookupFlag[] = [];
  if (v1.number_ported === true) flags.push('ported');
  if (v1.temporary_phone_number === true) flags.push('temporary');
  body.flags = flags;
  if (v1.caller_name !== undefined) body.caller_name = v1.caller_name;
  if (v1.carrier !== undefined || v1.mcc !== undefined || v1.mnc !== undefined) {
    const network: NetworkInfoWire = {};
    if (v1.carrier !== undefined) network.carrier_name = v1.carrier;
    if (v1.mcc !== undefined) network.mcc = v1.mcc;
    if (v1.mnc !== undefined) network.mnc = v1.mnc;
    body.network_info = network;
  }
  return body;
}

export function lookupV2(phoneNumber: string, cnam: boolean, behavior: NumberBehavior | PreludeNumberBehavior | undefined): LookupResponseWire {
  const v2Script = typeof behavior === 'object' && 'prelude' in behavior && 'lookup' in behavior.prelude ? behavior.prelude.lookup : undefined;
  // A V2 script of another kind (a create outcome) leaves lookup at its default.
  const v1Behavior = typeof behavior === 'object' && 'prelude' in behavior ? undefined : behavior;
  const body = fromDing(lookupNumber(phoneNumber, cnam, v1Behavior));
  if (v2Script) {
    const { caller_name: callerName, ...rest } = v2Script;
    Object.assign(body, rest);
    // As in V1: the caller name is only there when asked for.
    if (cnam && callerName !== undefined) body.caller_name = callerName;
  }
  return body;
}

const STRING_FIELDS = ['phone_number', 'country_code', 'caller_name'] as const;
const NETWORK_FIELDS = ['network_info', 'original_network_info'] as const;

/**
 * What is wrong with a scripted V2 lookup answer, if anything (see the V1 twin in
 * ../ding/lookup.ts). An `undefined` value removes the field.
 */
export function preludeLookupScriptProblem(lookup: Record<string, unknown>): string | undefined {
  for (const [field, value] of Object.entries(lookup)) {
    if (value === undefined) continue;
    if ((STRING_FIELDS as readonly string[]).includes(field)) {
      if (typeof value !== 'string') return `lookup.${field} must be a string`;
    } else if (field === 'line_type') {
      if (!(LOOKUP_LINE_TYPES as readonly unknown[]).includes(value)) return `lookup.line_type must be one of ${LOOKUP_LINE_TYPES.join(', ')}`;
    } else if (field === 'flags') {
      if (!Array.isArray(value) || value.some((f) => !(LOOKUP_FLAGS as readonly unknown[]).includes(f))) {
        return `lookup.flags must be a list of ${LOOKUP_FLAGS.join(', ')}`;
      }
    } else if ((NETWORK_FIELDS as readonly string[]).includes(field)) {
      const ok =
        typeof value === 'object' &&
        value !== null &&
        Object.entries(value).every(([k, v]) => ['carrier_name', 'mcc', 'mnc'].includes(k) && (v === undefined || typeof v === 'string'));
      if (!ok) return `lookup.${field} must be { carrier_name?, mcc?, mnc? } of strings`;
    } else {
      return `lookup.${field} is not a field of Prelude's lookup answer`;
    }
  }
  return undefined;
}
