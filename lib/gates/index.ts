// Gates: checks that can refuse a send before any code goes out (see each file).
export { countryAllowed, countryOf, resolveAllowedCountries } from './country.js';
export { checkLine, DEFAULT_REFUSED_LINE_TYPES, normalizeLineType, resolveLineTypeGate } from './line-type.js';
export type { LineTypeGate, LineTypeGateOptions, LineVerdict } from './line-type.js';
export { runBeforeSend } from './before-send.js';
export type { BeforeSend, BeforeSendContext, BeforeSendVerdict } from './before-send.js';
