// Reading the fields a delivery event needs out of a webhook body, defensively: the payloads are
// only partly documented, so every field is optional and checked for shape before use.

import { phoneFacts } from '../event-phone.js';

const E164 = /^\+[1-9][0-9]{6,14}$/;
const STATUS = /^[a-z][a-z_]{0,31}$/;
const ID = /^[\x21-\x7e]{1,128}$/;

export function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export function idField(value: unknown): string | undefined {
  return typeof value === 'string' && ID.test(value) ? value : undefined;
}

export function statusField(value: unknown): string | undefined {
  return typeof value === 'string' && STATUS.test(value) ? value : undefined;
}

/**
 * The number masked, and its country, found as for the strategy's events (../event-phone.ts);
 * nothing when it is not an E.164 number (never passed on as given).
 */
export function phoneFields(value: unknown): { phone?: string; country?: string } {
  if (typeof value !== 'string' || !E164.test(value)) return {};
  const facts = phoneFacts(value);
  return facts.country === undefined ? { phone: facts.masked } : { phone: facts.masked, country: facts.country };
}

/** A time the provider gave (RFC 3339, or Ding's `+0000` offset) as epoch ms, else undefined. */
export function timeOrUndefined(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  // `2023-05-09T12:09:31+0000`: Date.parse wants the offset's colon.
  const ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isFinite(ms) ? ms : undefined;
}

/** A time the provider gave, else now. */
export function timeField(value: unknown): Date {
  return new Date(timeOrUndefined(value) ?? Date.now());
}
