// Argument checks the providers share: an API key that can travel in a header, and the non-empty
// strings every call takes. Both throw TypeError: a bad value here is a bug in the app.

// Printable ASCII without spaces: anything else cannot be a header value or is a paste error.
const API_KEY = /^[\x21-\x7e]+$/;

/** Throws `TypeError('<owner> requires an apiKey ...')` unless `value` can be sent as an API key. */
export function requireApiKey(value: unknown, owner: string): asserts value is string {
  if (typeof value !== 'string' || !API_KEY.test(value)) {
    throw new TypeError(`${owner} requires an apiKey (a non-empty string without spaces)`);
  }
}

/** Throws `TypeError('<name> must be a non-empty string')` unless `value` is one. */
export function requireString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
}
