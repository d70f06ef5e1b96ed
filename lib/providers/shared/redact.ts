// What an upstream text (an API's error message, a field name it quotes) may keep before it is
// stored on an error. Apps log errors, and a provider's message can quote what it was sent: the
// phone number, the code, even the API key. Shared by every provider's error-body parser.

// A digit, then digits with up to three separators between them (spaces, dashes, dots,
// parentheses), with an optional `+` before: `+15551230001`, `555 123 0001`, `(555) 123-0001`.
// Separators and digits never overlap, so matching stays linear on any input.
const DIGIT_RUN = /\+?\d(?:[ .()-]{0,3}\d)*/g;
const MIN_MASKED_DIGITS = 6;
// A code is 4 to 10 digits in one piece (Ding's and Prelude's are 4 to 8; custom codes up to 10).
const CODE_SHAPED = /^\d{4,10}$/;

/**
 * Ding's and Prelude's messages can quote the number (`+0 is not a valid phone number`), in any
 * format, and apps log error messages. Every run of 6 or more digits (separators allowed inside,
 * `+` or not) keeps only its last two digits; shorter runs (a code size, a count) stay.
 */
export function maskPhoneNumbers(text: string): string {
  return text.replace(DIGIT_RUN, (run) => maskRun(run, false));
}

/**
 * An upstream text as it may be kept on an error: each secret (the API key) replaced by
 * `[redacted]`, every run of 4 to 10 digits written in one piece (what a code looks like) blanked
 * out whole, and longer or separated runs masked as phone numbers (`maskPhoneNumbers`). A year or
 * an amount in the text is blanked too: the text is for an operator, who has the request id.
 */
export function redactUpstreamText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    // Keys are at least a few characters; a one-character "secret" would blank the whole text.
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out.replace(DIGIT_RUN, (run) => maskRun(run, true));
}

function maskRun(run: string, codes: boolean): string {
  if (codes && CODE_SHAPED.test(run)) return '•'.repeat(run.length);
  let digits = 0;
  for (const c of run) if (c >= '0' && c <= '9') digits += 1;
  if (digits < MIN_MASKED_DIGITS) return run;
  let seen = 0;
  return run.replace(/\d/g, (d) => (++seen > digits - 2 ? d : '•'));
}
