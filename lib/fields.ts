// Reads a form or JSON field from `req.body`, with bracket paths (`user[phone]`) as
// passport-local does. The body only, never the query string: a code or phone number in a URL
// ends up in access logs, browser history and Referer headers. Only a string is a value; anything
// else (an array from `phone=a&phone=b`, an object, a number from JSON) is reported as
// `NOT_A_STRING`, so the strategy never has to guess what a client meant and can say what to fix.

import type { Request } from 'express';
import { OtpConfigurationError } from './errors.js';

/** A field that is present but holds something other than a string. */
export const NOT_A_STRING: unique symbol = Symbol('passport-ding.not-a-string');

/** Splits `user[phone]` into `['user', 'phone']`; a plain name is one segment. */
export function fieldPath(field: string): string[] {
  return field.split(']').join('').split('[');
}

/**
 * The value at `field` in `body`: the string, `NOT_A_STRING` for any other value, or `undefined`
 * when absent (`null` counts as absent). Own properties only. A body parsed without nesting
 * (`express.urlencoded({ extended: false })`) keeps `user[phone]` as one flat key, so that literal
 * key is tried first, then the nested path.
 */
export function readFieldValue(body: unknown, field: string): string | typeof NOT_A_STRING | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  let value: unknown;
  if (Object.prototype.hasOwnProperty.call(body, field)) {
    value = (body as Record<string, unknown>)[field];
  } else if (!field.includes('[') && !field.includes(']')) {
    // A plain name is its own path, just looked up: absent (the optional `channel` field, most often).
    return undefined;
  } else {
    value = body;
    for (const key of fieldPath(field)) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
      // Own properties only: `__proto__` or `constructor` must not reach Object.prototype.
      if (!Object.prototype.hasOwnProperty.call(value, key)) return undefined;
      value = (value as Record<string, unknown>)[key];
    }
  }
  if (typeof value === 'string') return value;
  return value === undefined || value === null ? undefined : NOT_A_STRING;
}

/** The string at `field` in `body`, or `undefined` (absent, or not a string). */
export function readField(body: unknown, field: string): string | undefined {
  const value = readFieldValue(body, field);
  return typeof value === 'string' ? value : undefined;
}

// Body parsers per content type, as the configuration error names them: the type in the
// library's words, never the client's header (which may hold anything up to the header limit).
const PARSERS: Array<[RegExp, string, string]> = [
  [/^application\/x-www-form-urlencoded\b/i, 'application/x-www-form-urlencoded', 'app.use(express.urlencoded({ extended: false }))'],
  [/^application\/json\b/i, 'application/json', 'app.use(express.json())'],
  // express.json() takes application/json alone: a +json type (JSON:API's vnd.api+json,
  // problem+json) needs its type option, or the advice would send the developer in a circle.
  [/^application\/[\w.+-]+\+json\b/i, 'application/*+json', "app.use(express.json({ type: ['application/json', 'application/*+json'] }))"],
  [/^multipart\/form-data\b/i, 'multipart/form-data', "a multipart parser such as multer's upload.none() (or post the form as application/x-www-form-urlencoded)"],
];
const BOTH = 'app.use(express.urlencoded({ extended: false })) for HTML forms and app.use(express.json()) for JSON';

function hasBody(req: Request): boolean {
  const headers = req.headers;
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
}

/**
 * `req.body`, or a configuration error when no body parser has read the request. Express 4's and
 * 5's parsers define `req.body` once they run, so a request without it never met one. A request
 * that met a parser and still has no body (Express 5 leaves a body of a type no parser took, JSON
 * posted to an app that parses forms only, undefined) is read as empty: the client chose the type,
 * so it is the client's mistake, a 4xx, not a configuration error any anonymous client could raise.
 */
export function bodyOf(req: Request): unknown {
  const body: unknown = req.body;
  if (body !== undefined) return body;
  const parser = hasBody(req) ? PARSERS.find(([pattern]) => pattern.test(req.headers['content-type'] ?? '')) : undefined;
  // A parser ran (it defines `req.body`, undefined or not): whatever it left is the body.
  if ('body' in (req as object)) {
    if (parser !== undefined) warnUnparsed(parser);
    return body;
  }
  if (parser !== undefined) return missingParser(`${parser[1]} bodies need ${parser[2]}`);
  return missingParser(`add ${BOTH}`);
}

// Content types already reported: at most one warning per entry of PARSERS in a process, so a
// client posting them again and again cannot fill the log.
const warned = new Set<string>();

/**
 * The app's developer still learns which parser is missing when their own client posts a type the
 * app does not parse (its logins all answer `missing_phone_number`), without a 500 a client could
 * raise: a warning, once per content type, in the library's words.
 */
function warnUnparsed([, type, fix]: [RegExp, string, string]): void {
  if (warned.has(type)) return;
  warned.add(type);
  process.emitWarning(
    `passport-ding: a body of type ${type} reached passport.authenticate() but no body parser took it, so it was read as empty (missing_phone_number or missing_code); if your clients post ${type}, add ${fix}. Reported once`,
    { code: 'PASSPORT_DING_UNPARSED_BODY' },
  );
}

function missingParser(fix: string): never {
  throw new OtpConfigurationError(
    `passport-ding reads its form fields from req.body, but no body parser has read this request: ${fix}, before passport.authenticate()`,
  );
}
