// The memory store on its own: bounded by maxKeys (the least recently used key goes, a key in use
// stays), expired keys freed without a timer per key, and the same counter rules as Redis.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Limits, MemoryStore, resolveLimits } from '../../lib/limits/index.js';

const hit = (key: string, windowMs = 60_000, slide = false) => ({ key, add: 1 as const, windowMs, slide });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('memory store', () => {
  it('holds at most maxKeys keys: a flood of new keys evicts the quiet ones, a key in use stays', async () => {
    const store = new MemoryStore(100);
    await store.hit([hit('quiet')]);
    for (let i = 0; i < 1000; i += 1) {
      await store.hit([hit(`flood-${i}`), hit('hot')]);
      expect(store.size).toBeLessThanOrEqual(100);
    }
    const [hot, quiet] = await store.hit([hit('hot'), hit('quiet')]);
    expect(hot?.count).toBe(1001);
    // The quiet key was evicted: its count starts again (the trade-off docs/limits.md describes).
    expect(quiet?.count).toBe(1);
  });

  it('sets no timer per key, and frees expired keys as later writes go on, a few keys per write', async () => {
    let now = 1_000_000;
    const timers = [vi.spyOn(globalThis, 'setTimeout'), vi.spyOn(globalThis, 'setInterval')];
    const store = new MemoryStore(10_000, () => now);
    for (let i = 0; i < 5000; i += 1) await store.hit([hit(`k${i}`, 30_000)]);
    await store.mark('owner', 'token', 30_000);
    expect(store.size).toBe(5001);
    for (const timer of timers) expect(timer).not.toHaveBeenCalled();
    now += 61_000;
    // Reads see them gone at once (and free what they read)...
    expect((await store.hit([{ ...hit('k1'), add: 0 }]))[0]?.count).toBe(0);
    expect(await store.readMark('owner')).toBeUndefined();
    const before = store.size;
    expect(before).toBeLessThan(5001);
    // ...and each write frees two more (two per key it touches): none walks the whole store.
    await store.hit([hit('live', 3_600_000)]);
    expect(store.size).toBe(before - 1);
    for (let i = 0; i < 1000; i += 1) await store.hit([hit('live', 3_600_000)]);
    expect(store.size).toBe(before - 2001);
    for (let i = 0; i < 1500; i += 1) await store.hit([hit('live', 3_600_000)]);
    expect(store.size).toBe(1);
    expect((await store.hit([hit('live', 3_600_000)]))[0]?.count).toBe(2502);
    for (const timer of timers) expect(timer).not.toHaveBeenCalled();
  });

  it('fixed windows stay put, sliding windows start again with each point; a window ends at its length exactly', async () => {
    let now = 1_000_000;
    const store = new MemoryStore(100, () => now);
    await store.hit([hit('fixed', 10_000), hit('sliding', 10_000, true)]);
    now += 9_000;
    const [fixed, sliding] = await store.hit([hit('fixed', 10_000), hit('sliding', 10_000, true)]);
    expect(fixed).toEqual({ count: 2, msLeft: 1_000 });
    expect(sliding).toEqual({ count: 2, msLeft: 10_000 });
    now += 1_000;
    const [again, still] = await store.hit([hit('fixed', 10_000), { ...hit('sliding', 10_000, true), add: 0 }]);
    expect(again?.count).toBe(1);
    expect(still?.count).toBe(2);
  });

  it('gives back and forgets; a mark is removed only by its own holder', async () => {
    const store = new MemoryStore(100);
    await store.hit([hit('a'), hit('a')]);
    await store.giveBack(['a', 'missing']);
    expect((await store.hit([hit('a')]))[0]?.count).toBe(2);
    await store.forget(['a']);
    expect((await store.hit([hit('a')]))[0]?.count).toBe(1);
    await store.mark('m', 'B', 1000);
    await store.unmark('m', 'A');
    expect(await store.readMark('m')).toBe('B');
    await store.unmark('m', 'B');
    expect(await store.readMark('m')).toBeUndefined();
  });

  it('reads a key it does not hold as a count of 0 with no time left, and a counter as no mark', async () => {
    const store = new MemoryStore(100);
    expect(await store.hit([{ ...hit('none'), add: 0 }])).toEqual([{ count: 0, msLeft: 0 }]);
    await store.hit([hit('counter')]);
    expect(await store.readMark('counter')).toBeUndefined();
  });

  it('gives back within the window it has: no new window, no key made for nothing, none kept at 0', async () => {
    let now = 1_000_000;
    const store = new MemoryStore(100, () => now);
    await store.hit([hit('a', 60_000), hit('a', 60_000)]);
    now += 20_000;
    await store.giveBack(['a', 'missing']);
    // The window still ends where the first point opened it.
    expect(await store.hit([{ ...hit('a', 60_000), add: 0 }])).toEqual([{ count: 1, msLeft: 40_000 }]);
    expect(store.size).toBe(1);
    await store.giveBack(['a']);
    expect(store.size).toBe(0);
    // A key given back that was not there counts from 1 like any new key.
    expect((await store.hit([hit('missing'), hit('missing')])).map((c) => c.count)).toEqual([1, 2]);
  });

  it("keeps a mark's lifetime when someone else's unmark leaves it", async () => {
    let now = 1_000_000;
    const store = new MemoryStore(100, () => now);
    await store.mark('m', 'B', 60_000);
    now += 20_000;
    await store.unmark('m', 'A');
    expect(await store.readMark('m')).toBe('B');
    now += 40_000;
    expect(await store.readMark('m')).toBeUndefined();
  });

  it('a write looks at two keys of the round per key it touches: expired ones go, live ones stay for the next round', async () => {
    let now = 1_000_000;
    const store = new MemoryStore(100, () => now);
    await store.hit([hit('k1', 10_000), hit('k2', 600_000), hit('k3', 10_000), hit('k4', 600_000)]);
    now += 9_999;
    // At its last millisecond a key is still held, and stays in the round.
    await store.hit([{ ...hit('k2'), add: 0 }]);
    expect(store.size).toBe(4);
    now += 1;
    // One key touched: k1 (expired) goes, k2 (live) goes to the back.
    await store.hit([{ ...hit('k2'), add: 0 }]);
    expect(store.size).toBe(3);
    // A mark sweeps too: k3 goes, k4 stays.
    await store.mark('m', 'owner', 600_000);
    expect(store.size).toBe(3);
    expect((await store.hit([{ ...hit('k2'), add: 0 }, { ...hit('k4'), add: 0 }])).map((c) => c.count)).toEqual([1, 1]);
    // Keys deleted meanwhile leave the round without a trace; the live ones stay.
    await store.forget(['k2']);
    for (let i = 0; i < 5; i += 1) await store.hit([{ ...hit('k4'), add: 0 }]);
    expect(store.size).toBe(2);
    expect(await store.readMark('m')).toBe('owner');
    // Live keys stayed in the round: once expired, later writes free them too.
    now += 600_000;
    await store.hit([hit('next', 600_000)]);
    expect(store.size).toBe(1);
  });

  // Mutation testing (issue 20): a key deleted meanwhile (forgotten, given back to 0, unmarked,
  // evicted) leaves the round when the sweep reaches it, so the sweep's steps go to stored keys
  // (`left > 0` → `left >= 0` kept such keys in the round for ever).
  it('keys deleted meanwhile leave the round when reached: the next steps go to keys still stored', async () => {
    let now = 1_000_000;
    const store = new MemoryStore(100, () => now);
    await store.hit([hit('a', 600_000), hit('b', 600_000)]);
    await store.forget(['a', 'b']);
    // Two steps: a and b leave the round; then e joins it.
    await store.hit([hit('e', 10_000)]);
    now += 10_000;
    // Its steps reach e (expired), which goes; f joins the round after them.
    await store.hit([hit('f', 600_000)]);
    expect(store.size).toBe(1);
    expect((await store.hit([{ ...hit('f'), add: 0 }])).map((c) => c.count)).toEqual([1]);
  });

  it('is the default store, sized by limits.maxKeys', async () => {
    const settings = resolveLimits({ maxKeys: 200 });
    if (!settings) throw new Error('off');
    const limits = new Limits(settings);
    for (let i = 0; i < 500; i += 1) await limits.reserveSend(`+1201555${String(1000 + i)}`, `198.51.${i % 250}.${i % 7}`, 30_000);
    expect((limits.store as MemoryStore).size).toBeLessThanOrEqual(200);
  });
});
