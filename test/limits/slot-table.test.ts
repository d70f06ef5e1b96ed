// lib/slot-table.ts: the table under the limits' memory store and the check queue's ledgers.
// Least recently used order, eviction when full, deleted slots reused, and generations that tell
// a reused slot from the key it held.
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
});
