// lib/slot-table.ts: the table under the limits' memory store and the check queue's ledgers.
// Least recently used order, eviction when full, deleted slots reused, generations that tell
// a reused slot from the key it held, and one key's entries in several spaces chained together.
import { describe, expect, it } from 'vitest';
import { NONE, SlotTable } from '../../lib/slot-table.js';

const keysOf = (table: SlotTable<number>, keys: string[]): string[] => keys.filter((k) => table.slotOf(k) !== NONE);

describe('SlotTable', () => {
  it('holds keys with their values and expiry times, and forgets a deleted one', () => {
    const table = new SlotTable<number>(4);
    const a = table.add('a', 1, 1000);
    const b = table.add('b', 2, 2000);
    expect([table.slotOf('a'), table.slotOf('b'), table.slotOf('c')]).toEqual([a, b, NONE]);
    expect([table.valueAt(a), table.expiresAt(a), table.valueAt(b), table.expiresAt(b)]).toEqual([1, 1000, 2, 2000]);
    table.setValue(a, 5);
    table.setExpiry(a, 1500);
    expect([table.valueAt(a), table.expiresAt(a)]).toEqual([5, 1500]);
    table.delete(a);
    expect(table.slotOf('a')).toBe(NONE);
    expect(table.valueAt(a)).toBeUndefined();
    expect(table.size).toBe(1);
  });

  it('when full, lets go of the least recently used key: adding and touching make a key the most recent', () => {
    const table = new SlotTable<number>(3);
    const all = ['a', 'b', 'c', 'd', 'e'];
    table.add('a', 1, 0);
    table.add('b', 1, 0);
    table.add('c', 1, 0);
    table.touch(table.slotOf('a'));
    table.add('d', 1, 0);
    expect(keysOf(table, all)).toEqual(['a', 'c', 'd']);
    // Touching the most recent key changes nothing; the oldest is now c.
    table.touch(table.slotOf('d'));
    table.add('e', 1, 0);
    expect(keysOf(table, all)).toEqual(['a', 'd', 'e']);
    expect(table.size).toBe(3);
  });

  it('names its least recently used slot, NONE when empty', () => {
    const table = new SlotTable<number>(3);
    expect(table.oldest).toBe(NONE);
    const a = table.add('a', 1, 0);
    const b = table.add('b', 1, 0);
    expect(table.oldest).toBe(a);
    table.touch(a);
    expect(table.oldest).toBe(b);
    table.delete(b);
    expect(table.oldest).toBe(a);
    table.delete(a);
    expect(table.oldest).toBe(NONE);
  });

  it('keeps the order through deletes anywhere in it: first, middle, last', () => {
    const table = new SlotTable<number>(5);
    const all = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    for (const k of ['a', 'b', 'c', 'd', 'e']) table.add(k, 1, 0);
    table.delete(table.slotOf('a'));
    table.delete(table.slotOf('c'));
    table.delete(table.slotOf('e'));
    // Order now b, d; three slots free. Fill them, then one more evicts b (the oldest), then d.
    table.add('f', 1, 0);
    table.add('g', 1, 0);
    table.add('h', 1, 0);
    expect(keysOf(table, all)).toEqual(['b', 'd', 'f', 'g', 'h']);
    table.add('a', 1, 0);
    expect(keysOf(table, all)).toEqual(['a', 'd', 'f', 'g', 'h']);
    table.touch(table.slotOf('d'));
    table.add('b', 1, 0);
    expect(keysOf(table, all)).toEqual(['a', 'b', 'd', 'g', 'h']);
  });

  it('reuses a deleted slot before an unused one, with a new generation', () => {
    const table = new SlotTable<string>(10);
    const a = table.add('a', 'x', 0);
    table.add('b', 'y', 0);
    const before = table.generation(a);
    table.delete(a);
    expect(table.generation(a)).toBe(before + 1);
    // The freed slot is the one taken next, for another key.
    expect(table.add('c', 'z', 0)).toBe(a);
    expect(table.generation(a)).toBe(before + 1);
    expect(table.slotOf('c')).toBe(a);
    // Two freed slots are taken last freed first, then unused ones.
    const b = table.slotOf('b');
    table.delete(b);
    table.delete(a);
    expect([table.add('d', 'd', 0), table.add('e', 'e', 0), table.add('f', 'f', 0)]).toEqual([a, b, 2]);
  });

  it('an evicted slot gets a new generation too, and the new key in it reads as its own', () => {
    const table = new SlotTable<number>(2);
    const a = table.add('a', 1, 100);
    table.add('b', 2, 200);
    const generation = table.generation(a);
    expect(table.add('c', 3, 300)).toBe(a);
    expect(table.generation(a)).not.toBe(generation);
    expect([table.slotOf('a'), table.valueAt(a), table.expiresAt(a)]).toEqual([NONE, 3, 300]);
  });

  it('a one-slot table holds its latest key', () => {
    const table = new SlotTable<number>(1);
    table.add('a', 1, 0);
    table.touch(table.slotOf('a'));
    table.add('b', 2, 0);
    expect([table.slotOf('a'), table.size, table.valueAt(table.slotOf('b'))]).toEqual([NONE, 1, 2]);
    table.delete(table.slotOf('b'));
    expect(table.size).toBe(0);
    table.add('c', 3, 0);
    expect(table.slotOf('c')).toBe(0);
  });

  describe('spaces: one key, an entry in each', () => {
    const slotsOf = (table: SlotTable<number>, key: string, spaces: number[]): number[] => spaces.map((space) => table.slotOf(key, space));

    it('holds the same key in several spaces as separate entries, each with its own value, expiry and place in the order', () => {
      const table = new SlotTable<number>(10);
      const p = table.add('+15550100', 1, 100, 1);
      const r = table.add('+15550100', 2, 200, 3);
      const plain = table.add('+15550100', 3, 300);
      expect(new Set([p, r, plain]).size).toBe(3);
      expect(slotsOf(table, '+15550100', [1, 3, 0, 2])).toEqual([p, r, plain, NONE]);
      expect([table.valueAt(p), table.expiresAt(r), table.valueAt(plain), table.size]).toEqual([1, 200, 3, 3]);
      // Another key in the same spaces is another chain.
      const other = table.add('+15550199', 9, 900, 3);
      expect([table.slotOf('+15550199', 3), table.slotOf('+15550199', 1), table.slotOf('+15550100', 3)]).toEqual([other, NONE, r]);
      expect(table.oldest).toBe(p);
    });

    it('deletes any entry of a chain, first, middle or last, and the others stay found', () => {
      const table = new SlotTable<number>(10);
      const [a, b, c, d] = [1, 2, 3, 4].map((space) => table.add('k', space, 0, space)) as [number, number, number, number];
      // The chain is a, then the later entries: deleting the first one moves the key's index.
      table.delete(a);
      expect(slotsOf(table, 'k', [1, 2, 3, 4])).toEqual([NONE, b, c, d]);
      table.delete(c);
      expect(slotsOf(table, 'k', [1, 2, 3, 4])).toEqual([NONE, b, NONE, d]);
      table.delete(d);
      expect(slotsOf(table, 'k', [1, 2, 3, 4])).toEqual([NONE, b, NONE, NONE]);
      // An entry added now joins what is left of the chain.
      const e = table.add('k', 5, 0, 3);
      expect(slotsOf(table, 'k', [2, 3])).toEqual([b, e]);
      expect([table.size, table.distinctKeys]).toEqual([2, 1]);
      table.delete(b);
      table.delete(e);
      // Nothing of the key is kept: not its entries, nor its index.
      expect([table.size, table.distinctKeys, ...slotsOf(table, 'k', [1, 2, 3, 4, 0])]).toEqual([0, 0, NONE, NONE, NONE, NONE, NONE]);
      // The key is gone: a new entry starts a chain of its own.
      const f = table.add('k', 6, 0, 2);
      expect([table.slotOf('k', 2), table.valueAt(f)]).toEqual([f, 6]);
    });

    it('deletes an entry from a long chain by walking to it, past entries of other spaces', () => {
      const table = new SlotTable<number>(10);
      const slots = [0, 1, 2, 3, 4].map((space) => table.add('k', space, 0, space));
      // The chain runs first, then the later entries newest first: walk to each from the front.
      table.delete(slots[1] as number);
      table.delete(slots[2] as number);
      expect(slotsOf(table, 'k', [0, 1, 2, 3, 4])).toEqual([slots[0], NONE, NONE, slots[3], slots[4]]);
      table.delete(slots[0] as number);
      table.delete(slots[4] as number);
      expect(slotsOf(table, 'k', [0, 3, 4])).toEqual([NONE, slots[3], NONE]);
    });

    it('evicts one entry of a key when full, and keeps the key\'s other entries', () => {
      const table = new SlotTable<number>(3);
      const p = table.add('k', 1, 0, 1);
      table.add('k', 2, 0, 2);
      table.add('other', 3, 0);
      table.touch(p);
      // Full: the least recently used entry is k's in space 2.
      const added = table.add('k', 4, 0, 3);
      expect([table.slotOf('k', 1), table.slotOf('k', 2), table.slotOf('k', 3), table.slotOf('other')]).toEqual([p, NONE, added, table.slotOf('other')]);
      expect(table.size).toBe(3);
    });

    it('keeps a key as `keep` makes it once per chain, and answers a lookup after a change to the key it last looked up', () => {
      const kept: string[] = [];
      const table = new SlotTable<number>(10, (key) => {
        kept.push(key);
        return `${key}`;
      });
      table.add('k', 1, 0, 1);
      table.add('k', 2, 0, 2);
      expect(kept).toEqual(['k']);
      // A lookup remembers k's chain; deleting from it, or adding to it, is seen by the next lookup.
      expect(table.slotOf('k', 1)).not.toBe(NONE);
      table.delete(table.slotOf('k', 1));
      expect(table.slotOf('k', 1)).toBe(NONE);
      table.delete(table.slotOf('k', 2));
      expect(table.slotOf('k', 2)).toBe(NONE);
      expect(table.slotOf('k', 3)).toBe(NONE);
      const again = table.add('k', 3, 0, 3);
      expect(table.slotOf('k', 3)).toBe(again);
      expect(kept).toEqual(['k', 'k']);
    });

    it("deleting a chain's first entry leaves the key's index on the next one, found after other keys were looked up", () => {
      const table = new SlotTable<number>(10);
      const first = table.add('k', 1, 0, 1);
      const second = table.add('k', 2, 0, 2);
      table.add('other', 3, 0);
      table.delete(first);
      // Another key looked up in between: the next lookup of k goes to the index, not the last key's chain.
      expect(table.slotOf('other')).not.toBe(NONE);
      expect([table.slotOf('k', 1), table.slotOf('k', 2)]).toEqual([NONE, second]);
      table.delete(second);
      expect(table.slotOf('other')).not.toBe(NONE);
      expect(table.slotOf('k', 2)).toBe(NONE);
      expect(table.size).toBe(1);
    });
  });
});
