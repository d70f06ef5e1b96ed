// What the sandbox "knows" about a number, whichever API asks: its country and line kind from
// libphonenumber-js's full metadata, and a plausible carrier of that country (longest
// calling-code prefix wins).
// Each API module says these in its own vocabulary.
import { parsePhoneNumberFromString, type NumberType } from 'libphonenumber-js/max';

/** libphonenumber-js's kinds: MOBILE, FIXED_LINE, FIXED_LINE_OR_MOBILE, TOLL_FREE, ... */
export type LineKind = NonNullable<NumberType>;

type Carrier = readonly [country: string, mcc: string, mnc: string, carrier: string];

const BY_CALLING_CODE: Record<string, Carrier> = {
  '1': ['US', '310', '410', 'AT&T'],
  '7': ['RU', '250', '01', 'MTS'],
  '27': ['ZA', '655', '10', 'MTN'],
  '30': ['GR', '202', '01', 'Cosmote'],
  '31': ['NL', '204', '08', 'KPN'],
  '32': ['BE', '206', '01', 'Proximus'],
  '33': ['FR', '208', '01', 'Orange'],
  '34': ['ES', '214', '07', 'Movistar'],
  '39': ['IT', '222', '01', 'TIM'],
  '41': ['CH', '228', '01', 'Swisscom'],
  '44': ['GB', '234', '15', 'Vodafone'],
  '45': ['DK', '238', '01', 'TDC'],
  '46': ['SE', '240', '01', 'Telia'],
  '47': ['NO', '242', '01', 'Telenor'],
  '48': ['PL', '260', '02', 'T-Mobile'],
  '49': ['DE', '262', '01', 'Telekom'],
  '52': ['MX', '334', '020', 'Telcel'],
  '55': ['BR', '724', '05', 'Claro'],
  '61': ['AU', '505', '01', 'Telstra'],
  '62': ['ID', '510', '10', 'Telkomsel'],
  '63': ['PH', '515', '02', 'Globe'],
  '64': ['NZ', '530', '01', 'One NZ'],
  '65': ['SG', '525', '01', 'Singtel'],
  '81': ['JP', '440', '10', 'NTT docomo'],
  '82': ['KR', '450', '05', 'SK Telecom'],
  '86': ['CN', '460', '00', 'China Mobile'],
  '90': ['TR', '286', '01', 'Turkcell'],
  '91': ['IN', '404', '45', 'Airtel'],
  '234': ['NG', '621', '30', 'MTN'],
  '351': ['PT', '268', '06', 'MEO'],
  '353': ['IE', '272', '01', 'Vodafone'],
  '971': ['AE', '424', '02', 'Etisalat'],
  '972': ['IL', '425', '01', 'Partner'],
};

function carrierFor(phoneNumber: string): Carrier | undefined {
  const digits = phoneNumber.slice(1);
  for (let len = 3; len >= 1; len -= 1) {
    const hit = BY_CALLING_CODE[digits.slice(0, len)];
    if (hit) return hit;
  }
  return undefined;
}

export interface NumberFacts {
  country?: string;
  mcc?: string;
  mnc?: string;
  carrier?: string;
  /** Undefined where the metadata does not know the range (e.g. the +1 555 test numbers). */
  kind?: LineKind;
}

export function numberFacts(phoneNumber: string): NumberFacts {
  const facts: NumberFacts = {};
  const parsed = parsePhoneNumberFromString(phoneNumber);
  // The number's own country where the plan places it: a calling code shared by several countries
  // (+1, +7, +44) has one of them in the table, whose carrier is no carrier of the others (a
  // Toronto number is CA, not a US number on AT&T). Numbers no plan places (the +1 555 test range)
  // keep the table's country and carrier.
  const country = parsed?.country;
  const carrier = carrierFor(phoneNumber);
  if (carrier && (country === undefined || country === carrier[0])) [facts.country, facts.mcc, facts.mnc, facts.carrier] = carrier;
  else if (country !== undefined) facts.country = country;
  const kind = parsed?.getType();
  if (kind !== undefined) facts.kind = kind;
  return facts;
}
