// A tiny line logger. What it must never print: codes, API keys, session ids, secrets,
// passwords or a full phone number. Callers pass only safe fields; as a second line of defence
// it drops fields whose names look secret and masks any long run of digits in what remains.
// (The one exception is the sandbox's code line in ./start.ts, which is the sandbox's purpose.)
// passport-ding's events are logged as one JSON line each (see ./otp-events.ts).
import type { PassportDingEvent } from 'passport-ding';
import { eventLine } from './otp-events.js';

export type LogValue = string | number | boolean | undefined;
export type LogFields = Record<string, LogValue>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** One passport-ding event (`onEvent`, the delivery webhooks) as one JSON line. */
  event(event: PassportDingEvent): void;
}

const SECRET_NAME = /code|otp|key|secret|password|passwd|token|sid|session|cookie|authorization/i;
// Phone numbers and codes are digit runs: 4 or more digits standing alone (not inside an id
// such as `phone-3f9a0123bc`) are masked wherever they appear.
const DIGITS = /(?<![A-Za-z0-9])\+?\d[\d\s-]{2,}\d(?![A-Za-z0-9])/g;

/** `+15551230123` -> `+1•••••••23`: enough to tell numbers apart in logs, not to dial one. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 4) return '•'.repeat(digits.length);
  return `${phone.startsWith('+') ? '+' : ''}${digits.slice(0, 1)}${'•'.repeat(digits.length - 3)}${digits.slice(-2)}`;
}

function clean(value: LogValue): string {
  const text = String(value).replace(DIGITS, (run) => (run.replace(/\D/g, '').length >= 4 ? maskPhone(run) : run));
  return /[\s"=]/.test(text) ? JSON.stringify(text) : text;
}

function format(level: string, event: string, fields: LogFields = {}): string {
  const parts = [new Date().toISOString(), level, event];
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    // Numbers the app chooses to log (status, ms, retryAfter) are safe; strings are checked.
    if (SECRET_NAME.test(name)) parts.push(`${name}=[redacted]`);
    else parts.push(`${name}=${typeof value === 'string' ? clean(value) : String(value)}`);
  }
  return parts.join(' ');
}

export function createLogger(write: (line: string) => void = (line) => console.log(line)): Logger {
  return {
    info: (event, fields) => write(format('info', event, fields)),
    warn: (event, fields) => write(format('warn', event, fields)),
    error: (event, fields) => write(format('error', event, fields)),
    event: (event) => write(eventLine(event)),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {}, event() {} };
