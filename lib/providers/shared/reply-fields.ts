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

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * RFC 3339 `date-time`: a zone (`Z` or `±hh:mm`) is required, as in Ding's own SDK; a zone-less
 * time would be read in the server's local zone and silently shift expiry times. Fractions beyond
 * milliseconds (Ding has sent nanoseconds) are truncated.
 */
export function parseDateTime(value: string): Date | undefined {
  // Every reply of a login carries one or two of these: number fields are read straight from the
  // match, without intermediate arrays or Dates.
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  const fraction = m[7];
  const ms = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  // 60 is a leap second; Date has none, so it rolls into the next minute.
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000;
  return Number.isFinite(t) ? new Date(t) : undefined;
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
