// The memory store on its own: bounded by maxKeys (the least recently used key goes, a key in use
// stays), expired keys freed without a timer per key, and the same counter rules as Redis.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Limits, MAX_MAX_KEYS, MemoryStore, resolveLimits } from '../../lib/limits/index.js';

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

  it('sets no timer per key, and frees expired keys as new keys are stored, two per key stored', async () => {
    let now = 1_000_000;
    const timers = [vi.spyOn(globalThis, 'setTimeout'), vi.spyOn(globalThis, 'setInterval')];
    const store = new MemoryStore(10_000, () => now);
    for (let i = 0; i < 5000; i += 1) await store.hit([hit(`k${i}`, 30_000)]);
    await store.mark('owner', 'token', 30_000);
    expect(store.size).toBe(5001);
    for (const timer of timers) expect(timer).not.toHaveBeenCalled();
    now += 61_000;
    // Reads see them gone at once (the sweep frees them: a read deletes nothing, see lib/lru-delete.ts)...
    expect((await store.hit([{ ...hit('k4999'), add: 0 }]))[0]?.count).toBe(0);
    expect(await store.readMark('owner')).toBeUndefined();
    expect(store.size).toBe(5001);
    // ...a key stored anew frees two: none walks the whole store...
    await store.hit([hit('live', 3_600_000)]);
    expect(store.size).toBe(5001 - 2 + 1);
    // ...a write to a key already held stores nothing, so it has nothing to catch up with...
    for (let i = 0; i < 100; i += 1) await store.hit([hit('live', 3_600_000)]);
    expect(store.size).toBe(5000);
    // ...and the round outruns the new keys until only live ones are left.
    for (let i = 0; i < 1000; i += 1) await store.hit([hit(`new-${i}`, 3_600_000)]);
    expect(store.size).toBe(5000 - 2000 + 1000);
    for (let i = 1000; i < 2500; i += 1) await store.hit([hit(`new-${i}`, 3_600_000)]);
    expect(store.size).toBe(1 + 2500);
    expect((await store.hit([hit('live', 3_600_000)]))[0]?.count).toBe(102);
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
    // The slid window is the hit's own length again, not some longer default: it ends 10 s after
    // its last point, to the millisecond.
    now += 8_999;
    expect((await store.hit([{ ...hit('sliding', 10_000, true), add: 0 }]))[0]).toEqual({ count: 2, msLeft: 1 });
    now += 1;
    expect((await store.hit([{ ...hit('sliding', 10_000, true), add: 0 }]))[0]).toEqual({ count: 0, msLeft: 0 });
  });

  it('gives back and forgets; a mark is removed only by its own holder', async () => {
    const store = new MemoryStore(100);
    await store.hit([hit('a'), hit('a')]);
    await store.giveBack(['a', 'missing']);
    expect((await store.hit([hit('a')]))[0]?.count).toBe(2);
    await store.forget(['a']);
    expect((await store.hit([hit('a')]))[0]?.count).toBe(1);
    await store.mark('m', 'B', 1000);
    await store.replaceMark('m', 'A', 'X');
    expect(await store.readMark('m')).toBe('B');
    await store.replaceMark('m', 'B', 'C');
    expect(await store.readMark('m')).toBe('C');
    await store.replaceMark('gone', 'B', 'C');
    expect(await store.readMark('gone')).toBeUndefined();
  });

  it('keeps one key in several spaces apart: each counter counts, gives back, forgets and expires on its own, beside marks', async () => {
    let now = 1_000_000;
    const store = new MemoryStore(100, () => now);
    const at = (space: number, windowMs = 60_000) => ({ ...hit('+15550100', windowMs), space });
    expect(store.hitSync([at(1), at(2), at(1), at(3, 10_000)]).map((c) => c.count)).toEqual([1, 1, 2, 1]);
    await store.mark('+15550100', 'owner', 30_000, 4);
    await store.mark('+15550100', 'plain', 30_000);
    expect(store.size).toBe(5);
    store.giveBackSync([{ key: '+15550100', space: 1 }]);
    store.forgetSync([{ key: '+15550100', space: 2 }]);
    now += 10_000;
    // Space 3's window ended; space 1 lost a point; space 2 was forgotten; the marks are each their own.
    expect(store.hitSync([{ ...at(1), add: 0 }, { ...at(2), add: 0 }, { ...at(3), add: 0 }]).map((c) => c.count)).toEqual([1, 0, 0]);
    expect([await store.readMark('+15550100', 4), await store.readMark('+15550100'), await store.readMark('+15550100', 1)]).toEqual(['owner', 'plain', undefined]);
    await store.replaceMark('+15550100', 'owner', 'given back', 4);
    expect([await store.readMark('+15550100', 4), await store.readMark('+15550100')]).toEqual(['given back', 'plain']);
    // The plain interface is space 0.
    await store.forget(['+15550100']);
    expect(await store.readMark('+15550100')).toBeUndefined();
    expect(store.hitSync([{ ...at(1), add: 0 }])[0]?.count).toBe(1);
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

  it("keeps a mark's lifetime when replaced, or left by someone else's replaceMark", async () => {
    let now = 1_000_000;
    const store = new MemoryStore(100, () => now);
    await store.mark('m', 'B', 60_000);
    await store.mark('n', 'B', 60_000);
    now += 20_000;
    await store.replaceMark('m', 'A', 'X');
    await store.replaceMark('n', 'B', 'C');
    expect(await store.readMark('m')).toBe('B');
    now += 39_999;
    expect(await store.readMark('n')).toBe('C');
    now += 1;
    expect(await store.readMark('n')).toBeUndefined();
    expect(await store.readMark('m')).toBeUndefined();
  });

  it("reads a window's wait only past the hit's points: within them it answers 0", async () => {
    let now = 1_000_000;
    const store = new MemoryStore(100, () => now);
    const limited = (add: 0 | 1) => ({ ...hit('k', 60_000), add, points: 2 });
    // A new key's wait is its window either way.
    expect(await store.hit([limited(1)])).toEqual([{ count: 1, msLeft: 60_000 }]);
    now += 20_000;
    expect(await store.hit([limited(0)])).toEqual([{ count: 1, msLeft: 0 }]);
    expect(await store.hit([limited(1)])).toEqual([{ count: 2, msLeft: 0 }]);
    // At the limit a read is over it (as the limits count a read), and a point past it is too.
    expect(await store.hit([limited(0)])).toEqual([{ count: 2, msLeft: 40_000 }]);
    expect(await store.hit([limited(1)])).toEqual([{ count: 3, msLeft: 40_000 }]);
    // Without points every answer carries the wait.
    expect(await store.hit([{ ...hit('k', 60_000), add: 0 }])).toEqual([{ count: 3, msLeft: 40_000 }]);
  });

  it('a key stored anew looks at two keys of the round: expired ones go, live ones stay for the next round', async () => {
    let now = 1_000_000;
    const store = new MemoryStore(100, () => now);
    // Each key stored moves the round on by two before it joins it; four live keys only rotate.
    await store.hit([hit('k1', 10_000), hit('k2', 600_000), hit('k3', 10_000), hit('k4', 600_000)]);
    now += 9_999;
    // At its last millisecond a key is still held, and stays in the round.
    await store.hit([hit('n1', 600_000)]);
    expect(store.size).toBe(5);
    now += 1;
    // Reads and writes of keys already held move nothing: k1 and k3 have expired, and stay stored.
    await store.hit([{ ...hit('k2'), add: 0 }, hit('k4')]);
    expect(store.size).toBe(5);
    // A new key frees the two expired ones in the round's next two places, or requeues live ones.
    await store.hit([hit('n2', 600_000)]);
    await store.mark('m', 'owner', 600_000);
    await store.hit([hit('n3', 600_000)]);
    expect(store.size).toBe(6);
    expect((await store.hit([{ ...hit('k2'), add: 0 }, { ...hit('k4'), add: 0 }])).map((c) => c.count)).toEqual([1, 2]);
    // Keys deleted meanwhile leave the round without a trace; the live ones stay.
    await store.forget(['k2', 'n1']);
    for (let i = 0; i < 5; i += 1) await store.hit([hit(`x${i}`, 600_000)]);
    expect(store.size).toBe(4 + 5);
    expect(await store.readMark('m')).toBe('owner');
    // Live keys stayed in the round: once expired, later new keys free them too, two each.
    now += 600_000;
    await store.hit([hit('next-0', 600_000)]);
    expect(store.size).toBe(9 - 2 + 1);
    for (let i = 1; i < 5; i += 1) await store.hit([hit(`next-${i}`, 600_000)]);
    expect(store.size).toBe(5);
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

  // Mutation testing (issue 20): a sliding write to a key already held sets its new window in
  // place; it is no key stored anew, so the round does not move and the key is not queued again
  // (`count === 0` → `true` sent it through the sweep).
  it('a sliding write to a key already held moves no sweep: expired keys stay until a new key comes', async () => {
    let now = 1_000_000;
    const store = new MemoryStore(100, () => now);
    await store.hit([hit('old', 10_000), hit('live', 600_000, true)]);
    now += 10_000;
    for (let i = 0; i < 3; i += 1) {
      expect((await store.hit([hit('live', 600_000, true)]))[0]).toEqual({ count: 2 + i, msLeft: 600_000 });
      expect(store.size).toBe(2);
    }
    await store.hit([hit('new', 600_000)]);
    expect(store.size).toBe(2);
  });

  // Mutation testing (issue 20, the slot table): a give-back only takes points from a counter; a
  // mark under the key is no count (`typeof count !== 'number'` → `false` set it to NaN).
  it('a give-back of a key that holds a mark leaves the mark as it was', async () => {
    const store = new MemoryStore(100);
    await store.mark('m', 'owner', 60_000);
    await store.giveBack(['m']);
    expect(await store.readMark('m')).toBe('owner');
    expect(store.size).toBe(1);
  });

  // Mutation testing (issue 20, the slot table): forgetting a key the store does not hold deletes
  // nothing (`slot !== NONE` → `true` deleted slot -1, which dropped the list of free slots: the
  // next key went past the table's arrays and read no expiry).
  it('forgetting a key it does not hold, after a delete, keeps the freed slot for the next key', async () => {
    const now = 1_000_000;
    const store = new MemoryStore(100, () => now);
    for (let i = 0; i < 100; i += 1) await store.hit([hit(`k${i}`)]);
    await store.forget(['k0', 'missing']);
    await store.hit([hit('new')]);
    expect(await store.hit([hit('new')])).toEqual([{ count: 2, msLeft: 60_000 }]);
    expect(store.size).toBe(100);
  });

  // Mutation testing (issue 20, the slot table): a key stored anew over its own expired slot
  // takes the new value and window and becomes the most recently used (each of the three writes
  // of #store()'s `else` removed left the old count, the old expiry, or its old place in the order).
  it('a key hit again after its window ends starts a new window and is the most recently used', async () => {
    let now = 1_000_000;
    const store = new MemoryStore(100, () => now);
    // Four live keys at the front of the sweep's round, so it does not reach `a` below.
    for (let i = 0; i < 4; i += 1) await store.hit([hit(`x${i}`, 600_000)]);
    await store.hit([hit('a', 10_000), hit('a', 10_000), hit('a', 10_000)]);
    now += 10_000;
    // x0 read after a's last hit: in the order, x1 x2 x3 a x0.
    expect((await store.hit([{ ...hit('x0'), add: 0 }]))[0]?.count).toBe(1);
    expect(await store.hit([hit('a', 10_000)])).toEqual([{ count: 1, msLeft: 10_000 }]);
    expect(store.size).toBe(5);
    // Now x1 x2 x3 x0 a: 99 new keys evict the first four, and a stays, with its new window.
    for (let i = 0; i < 99; i += 1) await store.hit([hit(`n${i}`, 600_000)]);
    expect(store.size).toBe(100);
    const counts = await store.hit([{ ...hit('x0'), add: 0 }, { ...hit('a', 10_000), add: 0 }]);
    expect(counts).toEqual([{ count: 0, msLeft: 0 }, { count: 1, msLeft: 10_000 }]);
  });

  // Mutation testing (issue 20, the slot table): the round is a ring of maxKeys entries; once its
  // front has gone round the ring many times, the sweep still frees expired keys, so a store of
  // short-lived keys stays at the keys still live (the ring's index arithmetic, mutated, lost
  // entries or read past the ring, and expired keys piled up to maxKeys).
  it('frees expired keys the same after the round has gone round its ring many times', async () => {
    let now = 1_000_000;
    const store = new MemoryStore(100, () => now);
    let most = 0;
    for (let i = 0; i < 2000; i += 1) {
      await store.hit([hit(`s${i}`, 1_000)]);
      now += 100;
      most = Math.max(most, store.size);
    }
    // Ten keys live at once (a window of 1 s, a key every 100 ms), and the round keeps up: at
    // most three expired ones wait for it.
    expect(most).toBeLessThanOrEqual(13);
    expect(store.size).toBeGreaterThanOrEqual(10);
  });

  // Mutation testing (issue 20, the slot table): a full round (maxKeys entries) drops its front
  // entry to take a new one and stays a ring: the keys left in it are all reached once they expire
  // (the full round's `% capacity` → `* capacity`, or no bound, or the bound's test inverted, left
  // more expired keys stored).
  it('a round that has been full still reaches every key left in it', async () => {
    let now = 1_000_000;
    const store = new MemoryStore(100, () => now);
    for (let i = 0; i < 110; i += 1) await store.hit([hit(`k${i}`, 1_000)]);
    expect(store.size).toBe(100);
    now += 1_000;
    // Each new key looks at two entries of the round: 50 new keys free 93 expired keys (the other
    // steps reach entries of the 10 keys evicted). The 7 left are keys whose entries the full
    // round dropped unchecked: eviction takes them, and the round has nothing left to free.
    for (let i = 0; i < 50; i += 1) await store.hit([hit(`n${i}`, 600_000)]);
    expect(store.size).toBe(50 + 7);
    for (let i = 50; i < 70; i += 1) await store.hit([hit(`n${i}`, 600_000)]);
    expect(store.size).toBe(70 + 7);
  });

  it('an emptied store keeps working: a mark or a counter set and removed again and again reads and counts right', async () => {
    let now = 1_000_000;
    const store = new MemoryStore(200_000, () => now);
    for (let i = 0; i < 3; i += 1) {
      await store.mark('R+12015550100', 'owner', 30_000);
      expect(store.size).toBe(1);
      await store.forget(['R+12015550100']);
      expect(store.size).toBe(0);
      expect(await store.readMark('R+12015550100')).toBeUndefined();
    }
    await store.hit([hit('P1', 10_000)]);
    await store.forget(['P1']);
    expect(store.size).toBe(0);
    // An expired key stays until the sweep or a delete takes it, reads as absent, and counts from 1 again.
    await store.hit([hit('P2', 10_000)]);
    now += 10_000;
    expect(await store.hit([{ ...hit('P2', 10_000), add: 0 }])).toEqual([{ count: 0, msLeft: 0 }]);
    expect(store.size).toBe(1);
    expect((await store.hit([hit('P2', 10_000)]))[0]).toEqual({ count: 1, msLeft: 10_000 });
    expect(store.size).toBe(1);
  });

  it('emptied, then filled past maxKeys: it holds maxKeys keys, the newest', async () => {
    const store = new MemoryStore(100);
    await store.mark('only', 'x', 60_000);
    await store.forget(['only']);
    for (let i = 0; i < 150; i += 1) await store.hit([hit(`k${i}`)]);
    expect(store.size).toBe(100);
    const counts = await store.hit([{ ...hit('k49'), add: 0 }, { ...hit('k50'), add: 0 }, { ...hit('k149'), add: 0 }]);
    expect(counts.map((c) => c.count)).toEqual([0, 1, 1]);
  });

  it('is the default store, sized by limits.maxKeys', async () => {
    const settings = resolveLimits({ maxKeys: 200 });
    if (!settings) throw new Error('off');
    const limits = new Limits(settings);
    for (let i = 0; i < 500; i += 1) await limits.reserveSend(`+1201555${String(1000 + i)}`, `198.51.${i % 250}.${i % 7}`, 30_000);
    expect((limits.store as MemoryStore).size).toBeLessThanOrEqual(200);
  });

  // Mutation testing (issue 20): `isMaxKeys()` wants an integer (`Number.isInteger(value) &&` →
  // `true &&` let a fraction, or a numeric string, through its two comparisons).
  it('takes only an integer maxKeys: a fraction or a numeric string is refused', () => {
    expect(() => resolveLimits({ maxKeys: 150.5 })).toThrow(TypeError);
    expect(() => resolveLimits({ maxKeys: '200' as unknown as number })).toThrow(TypeError);
    // ...and the store names the bound it was built with (`get maxKeys()` emptied survived).
    expect(new MemoryStore(150).maxKeys).toBe(150);
  });

  it('builds at the largest maxKeys the options take, slot arrays and all, and counts', async () => {
    // The table allocates every slot up front: this is the bound that still fits (about 490 MB).
    const settings = resolveLimits({ maxKeys: MAX_MAX_KEYS });
    if (!settings) throw new Error('off');
    const limits = new Limits(settings);
    expect((await limits.reserveSend('+12015550100', '198.51.100.7', 30_000)).ok).toBe(true);
    expect((limits.store as MemoryStore).size).toBeGreaterThan(0);
  });
});
