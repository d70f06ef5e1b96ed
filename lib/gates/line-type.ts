// The line-type gate: before a code is sent, ask the provider's lookup what kind of line the
// number is, and refuse lines that cost money to reach or are not one person's phone. SMS pumping
// fraud sends codes to premium-rate and shared-cost ranges and collects a share of the fee.
//
//   lineTypes: true                                             PremiumRate and SharedCost refused
//   lineTypes: { refuse: ['PremiumRate', 'SharedCost', 'Voip'], refuseTemporary: true }
//
// Names are Ding's (`PremiumRate`); Prelude's spelling (`premium_rate`) matches too. A lookup
// that does not say the line type lets the number through; a lookup that fails is a fault.

import { OtpApiError } from '../errors.js';
import { LINE_TYPES } from '../providers/ding/wire.js';
import type { OtpProvider } from '../providers/provider.js';

/** The `lineTypes` option in its object form: the line types to refuse, and whether to refuse temporary numbers. */
export interface LineTypeGateOptions {
  /** Line types refused. Default `['PremiumRate', 'SharedCost']`. */
  refuse?: string[] | undefined;
  /** Refuse numbers the lookup marks as temporary (disposable, virtual). Default false. */
  refuseTemporary?: boolean | undefined;
}

/** The line types `lineTypes: true` refuses. */
export const DEFAULT_REFUSED_LINE_TYPES = ['PremiumRate', 'SharedCost'] as const;

export interface LineTypeGate {
  refuse: ReadonlySet<string>;
  refuseTemporary: boolean;
}

// Prelude's short names for the few types whose words differ from Ding's.
const ALIASES: Record<string, string> = { isp: 'internetserviceprovider' };

/** `PremiumRate`, `premium_rate` and `premium-rate` -> `premiumrate`. */
export function normalizeLineType(name: string): string {
  const flat = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return ALIASES[flat] ?? flat;
}

const KNOWN = new Set(LINE_TYPES.map(normalizeLineType));

function fail(expected: string): never {
  throw new TypeError(`DingOtpStrategy: option \`lineTypes\` must be ${expected}`);
}

/** Checks the `lineTypes` option; `undefined` when the gate is off. */
export function resolveLineTypeGate(value: unknown): LineTypeGate | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { refuse: new Set(DEFAULT_REFUSED_LINE_TYPES.map(normalizeLineType)), refuseTemporary: false };
  if (typeof value !== 'object' || value === null) fail('true, false or { refuse?, refuseTemporary? }');
  const { refuse, refuseTemporary } = value as Record<string, unknown>;
  const names: unknown = refuse ?? [...DEFAULT_REFUSED_LINE_TYPES];
  if (!Array.isArray(names) || !names.every((n): n is string => typeof n === 'string' && KNOWN.has(normalizeLineType(n)))) {
    fail(`{ refuse: [...] } with line types from: ${LINE_TYPES.join(', ')}`);
  }
  if (refuseTemporary !== undefined && typeof refuseTemporary !== 'boolean') fail('{ refuseTemporary: boolean }');
  return { refuse: new Set(names.map(normalizeLineType)), refuseTemporary: refuseTemporary === true };
}

export type LineVerdict = 'allowed' | 'refused' | 'invalid_phone_number';

/** Looks the number up and says whether a code may go to it. Throws on a lookup fault. */
export async function checkLine(provider: OtpProvider, e164: string, gate: LineTypeGate): Promise<LineVerdict> {
  if (typeof provider.lookup !== 'function') {
    // Caught at construction; kept so a provider swapped at runtime fails closed.
    throw new TypeError(`The ${provider.name} provider has no lookup(), which the lineTypes gate needs`);
  }
  let info;
  try {
    info = await provider.lookup(e164);
  } catch (err) {
    if (err instanceof OtpApiError && err.apiCode === 'invalid_phone_number') return 'invalid_phone_number';
    throw err;
  }
  if (gate.refuseTemporary && info.temporary === true) return 'refused';
  if (typeof info.lineType === 'string' && gate.refuse.has(normalizeLineType(info.lineType))) return 'refused';
  return 'allowed';
}
