// Reads an API reply, one JSON object at a time, field by field. Each reader checks a field's type
// as it reads it, and anything off the contract (not an object, a wrong type, a missing required
// field, an unknown enum value, a zone-less date) is an OtpUnavailableError('malformed_response')
// naming the operation and the field, never a silent `undefined`. Shared by the Ding and Prelude
// parsers; each keeps its own contract (which fields, which enums).
import { OtpUnavailableError } from '../../errors.js';

export class ReplyFields {
  readonly #label: string;
  readonly #obj: Record<string, unknown>;
  readonly #where: string;

  /** `label` names the call in errors, e.g. `Ding check`. */
  constructor(label: string, value: unknown, where = 'reply') {
    this.#label = label;
    this.#where = where;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw this.bad('is not a JSON object');
    this.#obj = value as Record<string, unknown>;
  }

  /** The error for a reply that breaks the contract, in this reader's words. */
  bad(what: string): OtpUnavailableError {
    return new OtpUnavailableError('malformed_response', `${this.#label}: ${this.#where} ${what}`);
  }

  #get(key: string, required: boolean): unknown {
    const v = this.#obj[key];
    // JSON null is treated as absent: the specs have no nullable fields, but absence is allowed.
    if (v === undefined || v === null) {
      if (required) throw this.bad(`lacks \`${key}\``);
      return undefined;
    }
    return v;
  }

  string(key: string, required: true): string;
  string(key: string, required?: false): string | undefined;
  string(key: string, required = false): string | undefined {
    const v = this.#get(key, required);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw this.bad(`has a non-string \`${key}\``);
    return v;
  }

  /** A string of a given form (`what` names it in the error: 'a UUID', 'an id'). */
  matching(key: string, pattern: RegExp, what: string, required: true): string;
  matching(key: string, pattern: RegExp, what: string, required?: false): string | undefined;
  matching(key: string, pattern: RegExp, what: string, required = false): string | undefined {
    const v = this.string(key, required as false);
    if (v !== undefined && !pattern.test(v)) throw this.bad(`has a \`${key}\` that is not ${what}`);
    return v;
  }

  boolean(key: string): boolean | undefined {
    const v = this.#get(key, false);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw this.bad(`has a non-boolean \`${key}\``);
    return v;
  }

  number(key: string): number | undefined {
    const v = this.#get(key, false);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw this.bad(`has a non-numeric \`${key}\``);
    return v;
  }

  count(key: string): number | undefined {
    const v = this.number(key);
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw this.bad(`has a \`${key}\` that is not a count`);
    return v;
  }

  oneOf<T extends string>(key: string, values: readonly T[], required: true): T;
  oneOf<T extends string>(key: string, values: readonly T[], required?: false): T | undefined;
  oneOf<T extends string>(key: string, values: readonly T[], required = false): T | undefined {
    const v = this.string(key, required as false);
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) throw this.bad(`has an unknown \`${key}\` value`);
    return v as T;
  }

  date(key: string, required: true): Date;
  date(key: string, required?: false): Date | undefined;
  date(key: string, required = false): Date | undefined {
    const v = this.string(key, required as false);
    if (v === undefined) return undefined;
    const d = parseDateTime(v);
    if (!d) throw this.bad(`has a \`${key}\` that is not an RFC 3339 date-time with a zone`);
    return d;
  }

  object(key: string): ReplyFields | undefined {
    const v = this.#get(key, false);
    return v === undefined ? undefined : new ReplyFields(this.#label, v, `\`${key}\``);
  }

  array(key: string): unknown[] | undefined {
    const v = this.#get(key, false);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw this.bad(`has a non-array \`${key}\``);
    return v;
  }

  strings(key: string): string[] | undefined {
    const v = this.#get(key, false);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw this.bad(`has a \`${key}\` that is not a list of strings`);
    return v as string[];
  }
}

/**
 * RFC 3339 `date-time`: a zone (`Z` or `±hh:mm`) is required, as in Ding's own SDK; a zone-less
 * time would be read in the server's local zone and silently shift expiry times. Fractions beyond
 * milliseconds (Ding has sent nanoseconds) are truncated. The form, position by position:
 * `yyyy-mm-dd` `T`, `t` or a space, `hh:mm:ss`, an optional `.` and one or more digits, then `Z`,
 * `z` or `+hh:mm` / `-hh:mm`, and nothing after.
 */
export function parseDateTime(value: string): Date | undefined {
  // Every reply of a login carries one or two of these: read by character code, with no regex
  // match, substrings, Number() conversions or array made per date.
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  const hour = digits(value, 11, 2);
  const minute = digits(value, 14, 2);
  const second = digits(value, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  const separator = value.charCodeAt(10);
  if (value.charCodeAt(4) !== DASH || value.charCodeAt(7) !== DASH || value.charCodeAt(13) !== COLON || value.charCodeAt(16) !== COLON) return undefined;
  if (separator !== 0x54 /* T */ && separator !== 0x74 /* t */ && separator !== 0x20 /* space */) return undefined;
  let at = 19;
  let ms = 0;
  if (value.charCodeAt(at) === 0x2e /* . */) {
    const start = ++at;
    for (let d = digitAt(value, at); d >= 0; d = digitAt(value, ++at)) if (at - start < 3) ms = ms * 10 + d;
    if (at === start) return undefined;
    for (let read = at - start; read < 3; read++) ms *= 10;
  }
  let offsetMinutes = 0;
  const zone = value.charCodeAt(at);
  if (zone === 0x5a /* Z */ || zone === 0x7a /* z */) {
    if (value.length !== at + 1) return undefined;
  } else if (zone === PLUS || zone === DASH) {
    const oh = digits(value, at + 1, 2);
    const om = digits(value, at + 4, 2);
    if (oh < 0 || om < 0 || value.charCodeAt(at + 3) !== COLON || value.length !== at + 6) return undefined;
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone === DASH ? -1 : 1) * (oh * 60 + om);
  } else {
    return undefined;
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  // 60 is a leap second; Date has none, so it rolls into the next minute.
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  // Date.UTC reads a year 0-99 as 1900-1999: the year goes 400 years on, one whole Gregorian
  // cycle (the same weekdays and leap years), and the cycle is taken off the instant again.
  const t = Date.UTC(year + 400, month - 1, day, hour, minute, second, ms) - GREGORIAN_CYCLE_MS - offsetMinutes * 60_000;
  return Number.isFinite(t) ? new Date(t) : undefined;
}

/** 400 Gregorian years: 146 097 days. */
const GREGORIAN_CYCLE_MS = 146_097 * 86_400_000;
const DASH = 0x2d;
const PLUS = 0x2b;
const COLON = 0x3a;

/** The ASCII digit at `at` (0-9), or -1 for anything else, past the end included. */
function digitAt(value: string, at: number): number {
  const d = value.charCodeAt(at) - 0x30; // NaN past the end
  return d >= 0 && d <= 9 ? d : -1;
}

/** The `count` ASCII digits from `at` as a number, or -1 if any is not one. */
function digits(value: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = digitAt(value, i);
    if (d < 0) return -1;
    n = n * 10 + d;
  }
  return n;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number);
}

/** The keys of `T` whose type admits `undefined`. */
type UndefinedKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];

/**
 * `T` as compact() returns it: a key that may hold `undefined` becomes an optional key that, when
 * present, holds a value (what `exactOptionalPropertyTypes` calls `k?: V`).
 */
export type Compact<T> = { [K in Exclude<keyof T, UndefinedKeys<T>>]: T[K] } & { [K in UndefinedKeys<T>]?: Exclude<T[K], undefined> };

/**
 * Drops keys whose value is undefined, so results compare and print cleanly. A copy rather than
 * `delete`, which would turn the reply into a slow dictionary-mode object; and nothing at all for
 * a reply with every field present, as Ding's usually are.
 */
export function compact<T extends object>(o: T): Compact<T> {
  const record = o as Record<string, unknown>;
  let complete = true;
  for (const key in record) {
    if (record[key] === undefined) {
      complete = false;
      break;
    }
  }
  // Either way no key holds undefined, which is what Compact<T> says.
  if (complete) return o as Compact<T>;
  const kept: Record<string, unknown> = {};
  for (const key in record) if (record[key] !== undefined) kept[key] = record[key];
  return kept as Compact<T>;
}
