// Phone numbers in the CLI's output are masked: `+1•••••7890`. Enough to tell test numbers
// apart, not enough to copy a real one out of a log.
export function maskPhone(e164: string): string {
  const digits = e164.replace(/^\+/, '');
  if (digits.length <= 6) return `+${'•'.repeat(Math.max(0, digits.length - 2))}${digits.slice(-2)}`;
  return `+${digits.slice(0, 1)}${'•'.repeat(digits.length - 5)}${digits.slice(-4)}`;
}
