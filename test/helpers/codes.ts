// Wrong codes for tests: well-formed (six ASCII digits, so they reach the provider) and certainly
// not the one that was sent, whatever the sandbox or fake provider picked.

/** A well-formed code that is certainly not `code`. */
export function wrongCode(code: string | undefined): string {
  return code === '000000' ? '111111' : '000000';
}
