// Reads a form or JSON field from `req.body`, with bracket paths (`user[phone]`) as
// passport-local does. The body only, never the query string: a code or phone number in a URL
// ends up in access logs, browser history and Referer headers. Anything that is not a string (an
// array from `phone=a&phone=b`, an object, a number from JSON) counts as missing, so the strategy
// never has to guess what a client meant.

/** Splits `user[phone]` into `['user', 'phone']`; a plain name is one segment. */
export function fieldPath(field: string): string[] {
  return field.split(']').join('').split('[');
}

/**
 * The string at `field` in `body`, or `undefined`. Own properties only. A body parsed without
 * nesting (`express.urlencoded({ extended: false })`) keeps `user[phone]` as one flat key, so
 * that literal key is tried first, then the nested path.
 */
export function readField(body: unknown, field: string): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  if (Object.prototype.hasOwnProperty.call(body, field)) {
    const flat: unknown = (body as Record<string, unknown>)[field];
    return typeof flat === 'string' ? flat : undefined;
  }
  let value: unknown = body;
  for (const key of fieldPath(field)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    // Own properties only: `__proto__` or `constructor` must not reach Object.prototype.
    if (!Object.prototype.hasOwnProperty.call(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'string' ? value : undefined;
}
