// What V1 lookup answers for a number: the carrier and line type the core knows (../core/numbers.ts)
// in V1's vocabulary, or whatever `numbers` scripts for it.
import { LINE_TYPES, type LineType, type LookupResponseWire } from '../../providers/ding/wire.js';
import { numberFacts, type LineKind } from '../core/numbers.js';
import type { NumberBehavior } from '../types.js';

/**
 * libphonenumber-js's kinds in V1's words. FIXED_LINE_OR_MOBILE (most of +1, where the plans do
 * not tell them apart) says Mobile, as a carrier lookup of a live US number usually does.
 */
const LINE_TYPE: Record<LineKind, LineType> = {
  MOBILE: 'Mobile',
  FIXED_LINE_OR_MOBILE: 'Mobile',
  FIXED_LINE: 'FixedLine',
  TOLL_FREE: 'TollFree',
  PREMIUM_RATE: 'PremiumRate',
  SHARED_COST: 'SharedCost',
  VOIP: 'Voip',
  PERSONAL_NUMBER: 'Other',
  PAGER: 'Pager',
  UAN: 'UniversalAccess',
  VOICEMAIL: 'VoiceMail',
};

/** The line type of an unscripted number; Mobile where the metadata does not know the range. */
export function defaultLineType(phoneNumber: string): LineType {
  const { kind } = numberFacts(phoneNumber);
  return kind === undefined ? 'Mobile' : LINE_TYPE[kind];
}

export function lookupNumber(phoneNumber: string, cnam: boolean, behavior: NumberBehavior | undefined): LookupResponseWire {
  const body: LookupResponseWire = { phone_number: phoneNumber };
  const facts = numberFacts(phoneNumber);
  if (facts.carrier !== undefined) Object.assign(body, { mcc: facts.mcc, mnc: facts.mnc, carrier: facts.carrier });
  if (facts.country !== undefined) body.country_code = facts.country;
  body.number_ported = false;
  body.temporary_phone_number = false;
  // A number scripted as `invalid_line` looks like a landline here too.
  body.line_type = behavior === 'invalid_line' ? 'FixedLine' : defaultLineType(phoneNumber);
  if (cnam) body.caller_name = 'SANDBOX CALLER';
  if (typeof behavior === 'object') {
    const { caller_name: callerName, ...rest } = behavior.lookup;
    Object.assign(body, rest);
    if (cnam && callerName !== undefined) body.caller_name = callerName;
  }
  return body;
}

const STRING_FIELDS = ['phone_number', 'mcc', 'mnc', 'caller_name', 'carrier', 'country_code'] as const;
const BOOLEAN_FIELDS = ['number_ported', 'temporary_phone_number'] as const;

/**
 * What is wrong with a scripted V1 lookup answer, if anything: an unknown field or a value the
 * spec does not allow (e.g. `line_type: 'Landline'`) would give replies real clients reject.
 * An `undefined` value is allowed: it removes the field from the answer.
 */
export function lookupScriptProblem(lookup: Record<string, unknown>): string | undefined {
  for (const [field, value] of Object.entries(lookup)) {
    if (value === undefined) continue;
    if ((STRING_FIELDS as readonly string[]).includes(field)) {
      if (typeof value !== 'string') return `lookup.${field} must be a string`;
    } else if ((BOOLEAN_FIELDS as readonly string[]).includes(field)) {
      if (typeof value !== 'boolean') return `lookup.${field} must be a boolean`;
    } else if (field === 'line_type') {
      if (!(LINE_TYPES as readonly unknown[]).includes(value)) return `lookup.line_type must be one of ${LINE_TYPES.join(', ')}`;
    } else {
      return `lookup.${field} is not a field of Ding's lookup answer`;
    }
  }
  return undefined;
}
