// lib/limits/window.ts on its own, with real Limits on the memory store: Prelude's verification
// windows belong to the session that sent last, Ding's sends need no owner.
import { describe, expect, it } from 'vitest';
import { claimWindow, Limits, noLimits, releaseWindow, windowState } from '../../lib/limits/index.js';

const PHONE = '+12015550123';
const prelude = { name: 'prelude' };
const ding = { name: 'ding' };

describe('verification window owner', () => {
  it('Prelude: a send gives the session a new random token (96 bits, base64url) that owns the number', async () => {
    const limits = new Limits(noLimits());
    const first = await claimWindow(limits, prelude, PHONE, undefined, 600_000);
    const second = await claimWindow(limits, prelude, PHONE, undefined, 600_000);
    expect(first).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(second).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(second).not.toBe(first);
    // The last send owns the window.
    expect(await windowState(limits, prelude, { phoneNumber: PHONE, owner: second })).toBe('held');
    expect(await windowState(limits, prelude, { phoneNumber: PHONE, owner: first })).toBe('lost');
    expect(await windowState(limits, prelude, { phoneNumber: PHONE })).toBe('lost');
    // A resend keeps the session's token and takes the window back.
    expect(await claimWindow(limits, prelude, PHONE, first, 600_000)).toBe(first);
    expect(await windowState(limits, prelude, { phoneNumber: PHONE, owner: first })).toBe('held');
  });

  it('Prelude: a right code releases the mark of its own session only', async () => {
    const limits = new Limits(noLimits());
    const mine = await claimWindow(limits, prelude, PHONE, undefined, 600_000);
    await releaseWindow(limits, prelude, { phoneNumber: PHONE, owner: 'someone else' });
    expect(await limits.windowHolder(PHONE, mine)).toBe('owner');
    await releaseWindow(limits, prelude, { phoneNumber: PHONE, owner: mine });
    expect(await limits.windowHolder(PHONE, mine)).toBe('given back');
    // Given back, not taken: a right code of this session (maybe a double tap's other request).
    expect(await windowState(limits, prelude, { phoneNumber: PHONE, owner: mine })).toBe('given back');
    expect(await limits.windowHolder(PHONE, mine)).toBe('given back');
    // Given back by this session only: another session, which lost the window before, lost it.
    expect(await windowState(limits, prelude, { phoneNumber: PHONE, owner: 'an earlier owner' })).toBe('lost');
    // A pending state without an owner never gave a window back: it owns none.
    expect(await windowState(limits, prelude, { phoneNumber: PHONE })).toBe('lost');
    // A new send takes the window over the given-back mark.
    const next = await claimWindow(limits, prelude, PHONE, undefined, 600_000);
    expect(await windowState(limits, prelude, { phoneNumber: PHONE, owner: next })).toBe('held');
    expect(await windowState(limits, prelude, { phoneNumber: PHONE, owner: mine })).toBe('lost');
  });

  it('Prelude: a mark that is gone (lapsed, a store that restarted empty, another instance\'s memory) is a window lost, not given back', async () => {
    let now = 1_000_000;
    const limits = new Limits(noLimits(), () => now);
    const mine = await claimWindow(limits, prelude, PHONE, undefined, 60_000);
    // Another process's store never saw the mark.
    expect(await windowState(new Limits(noLimits()), prelude, { phoneNumber: PHONE, owner: mine })).toBe('lost');
    expect(await limits.windowHolder(PHONE, mine)).toBe('owner');
    // Given back, the mark keeps the code's life, then lapses: lost, as any window gone.
    await releaseWindow(limits, prelude, { phoneNumber: PHONE, owner: mine });
    now += 59_999;
    expect(await windowState(limits, prelude, { phoneNumber: PHONE, owner: mine })).toBe('given back');
    now += 1;
    expect(await windowState(limits, prelude, { phoneNumber: PHONE, owner: mine })).toBe('lost');
    expect(await limits.windowHolder(PHONE, mine)).toBe('none');
  });

  it('Ding: no token, no mark, and every session holds its own window', async () => {
    const limits = new Limits(noLimits());
    expect(await claimWindow(limits, ding, PHONE, 'kept?', 600_000)).toBeUndefined();
    expect((limits.store as unknown as { size: number }).size).toBe(0);
    expect(await windowState(limits, ding, { phoneNumber: PHONE })).toBe('held');
    // Even with a Prelude mark on the number, a Ding session is not asked about it, nor removes it.
    const token = await claimWindow(limits, prelude, PHONE, undefined, 600_000);
    expect(await windowState(limits, ding, { phoneNumber: PHONE, owner: 'other' })).toBe('held');
    expect(await limits.windowHolder(PHONE, 'other')).toBe('other');
    await releaseWindow(limits, ding, { phoneNumber: PHONE, owner: token });
    expect(await limits.windowHolder(PHONE, token)).toBe('owner');
  });
});
