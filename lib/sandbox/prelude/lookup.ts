// What V2's lookup answers for a number: the V1 sandbox's answer (../lookup.ts: a mobile line on a
// plausible carrier of the number's country, or what `numbers` scripts in V1 terms) said the V2
// way, with a V2 `lookup` script from `preludeNumbers` merged over it. So a number scripted once,
// `{ lookup: { line_type: 'PremiumRate' } }`, is premium-rate on both APIs.
import type { LineType, LookupResponseWire as DingLookupWire } from '../../providers/ding/wire.js';
import {
  LINE_TYPE_TO_DING,
  LOOKUP_LINE_TYPES,
  type LookupFlag,
  type LookupLineType,
  type LookupResponseWire,
} from '../../providers/prelude/wire.js';
import { lookupNumber } from '../lookup.js';
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
    body.network_info = { carrier_name: v1.carrier, mcc: v1.mcc, mnc: v1.mnc };
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
