import { describe, expect, test } from 'vitest';
import { SequenceTable } from '../lib/sequence-table.ts';

describe('SequenceTable', () => {
  test('holds what a Map holds through any mix of sets, gets and deletes: windows of sequences, stuck ones, -1, huge keys', () => {
    const table = new SequenceTable<number>();
    const reference = new Map<number, number>();
    let state = 11;
    const next = (): number => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
    const stuck = [-1, 3, 2 ** 40 + 7, 1024];
    for (const key of stuck) {
      table.set(key, key);
      reference.set(key, key);
    }
    for (let sequence = 0; sequence < 20_000; sequence += 1) {
      // A window of inputs in flight that moves on, settling out of order; now and then a key far away.
      const key = next() < 0.05 ? Math.floor(next() * 2 ** 33) : sequence;
      table.set(key, sequence);
      reference.set(key, sequence);
      const old = sequence - 1 - Math.floor(next() * 300);
      if (!stuck.includes(old)) expect(table.delete(old)).toBe(reference.delete(old));
      const probe = sequence - Math.floor(next() * 400);
      expect(table.get(probe)).toBe(reference.get(probe));
      expect(table.has(probe)).toBe(reference.has(probe));
      expect(table.size).toBe(reference.size);
    }
    expect(table.keys().sort((a, b) => a - b)).toEqual([...reference.keys()].sort((a, b) => a - b));
    for (const key of [...reference.keys()]) {
      expect(table.get(key)).toBe(reference.get(key));
      expect(table.delete(key)).toBe(true);
    }
    expect(table.size).toBe(0);
    expect(table.keys()).toEqual([]);
    expect(table.delete(3)).toBe(false);
  });

  test('setting a key again replaces its value; a key that is not an integer is refused', () => {
    const table = new SequenceTable<string>();
    table.set(5, 'a');
    table.set(5, 'b');
    expect([table.get(5), table.size]).toEqual(['b', 1]);
    expect(() => table.set(Number.NaN, 'c')).toThrow(RangeError);
    expect(() => table.set(1.5, 'c')).toThrow('is an integer, not 1.5');
    expect(table.get(Number.NaN)).toBeUndefined();
    expect(table.has(Number.NaN)).toBe(false);
  });
});
