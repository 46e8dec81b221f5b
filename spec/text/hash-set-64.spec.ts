import { describe, expect, test } from 'vitest';
import { HashSet64 } from '../../lib/text/hash-set-64.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

const key = (high: number, low: number): bigint => (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);

describe('HashSet64', () => {
  test('add reports whether the value was new; has finds exactly the added values', () => {
    const set = new HashSet64();
    expect(set.size).toBe(0);
    expect(set.has(0x01234567, 0x89abcdef)).toBe(false);
    expect(set.add(0x01234567, 0x89abcdef)).toBe(true);
    expect(set.add(0x01234567, 0x89abcdef)).toBe(false);
    expect(set.has(0x01234567, 0x89abcdef)).toBe(true);
    // Either half alone, or the halves swapped, is another value.
    expect(set.has(0x01234567, 0)).toBe(false);
    expect(set.has(0, 0x89abcdef)).toBe(false);
    expect(set.has(0x89abcdef, 0x01234567)).toBe(false);
    expect(set.size).toBe(1);
  });

  test('the empty-slot marker 0 is a value like any other', () => {
    const set = new HashSet64();
    expect(set.has(0, 0)).toBe(false);
    expect(set.add(0, 0)).toBe(true);
    expect(set.add(0, 0)).toBe(false);
    expect(set.has(0, 0)).toBe(true);
    expect(set.size).toBe(1);
    // Values next to it stay apart, and growing keeps it.
    for (let low = 1; low <= 100; low++) expect(set.add(0, low)).toBe(true);
    expect(set.add(1, 0)).toBe(true);
    expect(set.has(0, 0)).toBe(true);
    expect(set.size).toBe(102);
    set.clear();
    expect(set.has(0, 0)).toBe(false);
    expect(set.size).toBe(0);
  });

  test('halves are taken modulo 2³², so signed and unsigned forms are one value', () => {
    const set = new HashSet64();
    expect(set.add(-1, -1)).toBe(true);
    expect(set.has(0xffffffff, 0xffffffff)).toBe(true);
    expect(set.add(0xffffffff, 0xffffffff)).toBe(false);
    expect(set.add(0x80000000, 1)).toBe(true);
    expect(set.has(-0x80000000, 1)).toBe(true);
    expect(set.size).toBe(2);
  });

  test('keeps every value across many resizes, for sequential and clustered values', () => {
    const set = new HashSet64();
    const count = 200_000; // 16 slots to 2¹⁹: 15 doublings
    for (let i = 0; i < count; i++) if (!set.add(i >>> 8, i & 0xff)) throw new Error(`value ${i} reported as present`);
    expect(set.size).toBe(count);
    for (let i = 0; i < count; i++) {
      if (!set.has(i >>> 8, i & 0xff)) throw new Error(`lost value ${i}`);
      if (set.has((i >>> 8) + 0x10000, i & 0xff)) throw new Error(`found absent value ${i}`);
    }
    for (let i = 0; i < count; i += 997) expect(set.add(i >>> 8, i & 0xff)).toBe(false);
    expect(set.size).toBe(count);
  });

  test('agrees with a Set of bigints over random adds and lookups with many repeats', () => {
    const random = seededRandom(64);
    const word = () => Math.floor(random() * 2 ** 32);
    const pool = Array.from({ length: 20_000 }, () => [word(), word()] as const);
    // Some values share a half, and a few are 0 in one half or both.
    pool.push([0, 0], [0, 7], [7, 0], [pool[0]![0], 12345], [12345, pool[0]![1]]);
    const set = new HashSet64();
    const reference = new Set<bigint>();
    for (let i = 0; i < 60_000; i++) {
      const [high, low] = pool[Math.floor(random() * pool.length)]!;
      if (random() < 0.5) {
        const added = set.add(high, low);
        if (added === reference.has(key(high, low))) throw new Error(`add disagrees at step ${i}`);
        reference.add(key(high, low));
      } else if (set.has(high, low) !== reference.has(key(high, low))) throw new Error(`has disagrees at step ${i}`);
    }
    expect(set.size).toBe(reference.size);
    for (const [high, low] of pool) expect(set.has(high, low)).toBe(reference.has(key(high, low)));
  });

  test('clear forgets everything, and the set works again afterwards', () => {
    const set = new HashSet64();
    for (let i = 1; i <= 1000; i++) set.add(i, i * 31);
    set.clear();
    expect(set.size).toBe(0);
    for (let i = 1; i <= 1000; i++) expect(set.has(i, i * 31)).toBe(false);
    for (let i = 1; i <= 1000; i++) expect(set.add(i, i * 31)).toBe(true);
    expect(set.size).toBe(1000);
  });
});
