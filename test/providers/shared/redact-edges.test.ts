// The edges of redaction (lib/providers/shared/redact.ts): the shortest secret blanked, the
// shortest digit run masked, and the default of no secrets. The rules themselves and both
// providers over HTTP are in redact.test.ts.
import { describe, expect, it } from 'vitest';
import { maskPhoneNumbers, redactUpstreamText } from '../../../lib/providers/shared/redact.js';

describe('redaction edges', () => {
  it('a secret of exactly 4 characters is blanked', () => {
    expect(redactUpstreamText('key k3y! refused', ['k3y!'])).toBe('key [redacted] refused');
  });

  it('a run of exactly 6 digits is masked to its last two; 5 stay', () => {
    expect(maskPhoneNumbers('ref 123 456')).toBe('ref ••• •56');
    expect(maskPhoneNumbers('ref 12 345')).toBe('ref 12 345');
    expect(redactUpstreamText('to 555 123')).toBe('to ••• •23');
  });

  it('without secrets, codes and numbers are still redacted', () => {
    expect(redactUpstreamText('code 123456 for +14155552671')).toBe('code •••••• for +•••••••••71');
  });
});
