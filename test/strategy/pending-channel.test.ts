// The channel in the pending verification: written as `h`, read back only when it reads as a
// channel name (a tampered or corrupted store cannot put markup or a long string on the code
// page), and shown by pendingVerification(req).
import { describe, expect, it } from 'vitest';
import { pendingVerification, readPending, writePending, type PendingState, type SessionLike } from '../../lib/pending.js';

const STATE: PendingState = { id: 'vrf_1', phoneNumber: '+14155552671', createdAt: 1, expiresAt: 2, nextRetryAt: 3, attemptsLeft: 5 };

function session(): SessionLike {
  return { save: (cb: (err?: unknown) => void) => cb() };
}

describe('the pending channel', () => {
  it('round-trips as `h` and reaches the public view', () => {
    const s = session();
    writePending(s, 'k', { ...STATE, channel: 'voice' });
    expect((s.k as Record<string, unknown>).h).toBe('voice');
    expect(readPending(s, 'k')?.channel).toBe('voice');
    expect(pendingVerification({ session: s }, 'k')?.channel).toBe('voice');
  });

  it('is absent when none was recorded, and the record stays as small as before', () => {
    const s = session();
    writePending(s, 'k', STATE);
    expect(Object.keys(s.k as object)).not.toContain('h');
    expect(pendingVerification({ session: s }, 'k')).not.toHaveProperty('channel');
  });

  it('drops a stored value that is not a channel name, keeping the rest of the verification', () => {
    for (const h of ['<script>', 'x'.repeat(33), 42, 'WhatsApp', '']) {
      const s = session();
      writePending(s, 'k', STATE);
      (s.k as Record<string, unknown>).h = h;
      const state = readPending(s, 'k');
      expect(state?.id).toBe('vrf_1');
      expect(state).not.toHaveProperty('channel');
    }
  });
});
