// The deadline queue of lib/deadline.ts on a fake clock: each call's deadline ends at its own
// time, whatever ran before it, and a finished call's deadline never fires. (The deadlines of
// real calls, against stalling servers, are in providers/shared/http.test.ts.)
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineReached, Deadlines } from '../../../lib/deadline.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Deadlines', () => {
  it('ends each deadline at its own time, in the order they started', () => {
    const deadlines = new Deadlines(300);
    const first = deadlines.start();
    vi.advanceTimersByTime(150);
    const second = deadlines.start();
    const expired: string[] = [];
    first.onExpire(() => expired.push('first'));
    second.onExpire(() => expired.push('second'));

    vi.advanceTimersByTime(149);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['first']);
    expect(first.expired).toBe(true);
    expect(first.reason).toBeInstanceOf(DeadlineReached);
    expect(second.expired).toBe(false);

    vi.advanceTimersByTime(149);
    expect(expired).toEqual(['first']);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['first', 'second']);
    expect(deadlines.running).toBe(0);
  });

  it('never fires a deadline whose call finished, and lets the next one run its full length', () => {
    const deadlines = new Deadlines(300);
    const finished = deadlines.start();
    const listener = vi.fn();
    finished.onExpire(listener);
    vi.advanceTimersByTime(100);
    finished.clear();
    const next = deadlines.start();
    // The timer was armed for the finished call: when it fires, it re-arms for the next one.
    vi.advanceTimersByTime(200);
    expect(next.expired).toBe(false);
    vi.advanceTimersByTime(99);
    expect(next.expired).toBe(false);
    vi.advanceTimersByTime(1);
    expect(next.expired).toBe(true);
    expect(listener).not.toHaveBeenCalled();
    expect(finished.expired).toBe(false);
  });

  it('calls no listener that was removed, and takes none after the deadline is over', () => {
    const deadlines = new Deadlines(50);
    const deadline = deadlines.start();
    const removed = vi.fn();
    const kept = vi.fn();
    deadline.onExpire(removed);
    deadline.onExpire(kept);
    deadline.offExpire(removed);
    vi.advanceTimersByTime(50);
    expect(removed).not.toHaveBeenCalled();
    expect(kept).toHaveBeenCalledTimes(1);
    const late = vi.fn();
    deadline.onExpire(late);
    vi.advanceTimersByTime(1000);
    expect(late).not.toHaveBeenCalled();
    expect(kept).toHaveBeenCalledTimes(1);
  });

  it('keeps only the calls in flight: finished deadlines are dropped as new ones start', () => {
    const deadlines = new Deadlines(5000);
    const open = [deadlines.start(), deadlines.start()];
    for (let i = 0; i < 10_000; i += 1) deadlines.start().clear();
    expect(deadlines.running).toBe(2);
    for (const d of open) d.clear();
    deadlines.start().clear();
    expect(deadlines.running).toBe(0);
    expect(vi.getTimerCount()).toBeLessThanOrEqual(1);
  });

  it('a call started from an expiry listener gets its own full deadline, and still one timer', () => {
    const deadlines = new Deadlines(100);
    const first = deadlines.start();
    vi.advanceTimersByTime(50);
    const second = deadlines.start();
    let started: ReturnType<Deadlines['start']> | undefined;
    first.onExpire(() => {
      started = deadlines.start();
    });
    vi.advanceTimersByTime(50);
    expect(first.expired).toBe(true);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(50);
    expect(second.expired).toBe(true);
    expect(started?.expired).toBe(false);
    vi.advanceTimersByTime(50);
    expect(started?.expired).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('uses one timer for any number of calls in flight', () => {
    const deadlines = new Deadlines(1000);
    const all = Array.from({ length: 100 }, () => deadlines.start());
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(all.every((d) => d.expired)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
