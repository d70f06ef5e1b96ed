// How the CLI prints a code it "sent", in a module of its own so the format can be read and
// tested apart from the command (./cli-main.ts).
// Masked as the library masks numbers everywhere (pendingVerification(), events), so a printed
// line matches the page it belongs to.
import { maskPhone } from '../phone.js';
import type { CodeEvent } from './types.js';

/**
 * One code as printed: the code, the masked number and the kind, then how it went and the message
 * as the user would read it (WebOTP's `@domain #code` last line included), each line under `| `.
 */
export function codeLines({ code, phoneNumber, kind, channel, method, message }: CodeEvent): string {
  const text = message.split('\n').map((line) => `  | ${line}`.trimEnd());
  return [`code ${code} for ${maskPhone(phoneNumber)} (${kind})`, `  by ${channel} (method ${method}):`, ...text].join('\n');
}
