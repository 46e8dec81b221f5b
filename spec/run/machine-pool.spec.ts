import { describe, expect, test } from 'vitest';
import { hash32, seededRandom } from '../../lib/random.ts';
import type { DataPoint } from '../../lib/record.ts';
import { MachinePool } from '../../lib/run/machine-pool.ts';
import { fnv1a64 } from '../../lib/text/fnv1a-64.ts';

/** A made record as the ledger commits it: its fields, then its input id last. */
const made = (index: number, sequence = index): DataPoint => ({ task_name: 't', is_seed: false, question: `q${index % 700}?`, answer: `a${index % 700}.`, rxdgt_id: `${sequence}-abc` });

/**
 * The reference: the `size` distinct records (by their JSON without the id) of lowest priority, a priority being
 * `hash32(runSeed, "<high hex>:<low hex>")` of the FNV-1a 64 of that JSON, ties ordered by that key text.
 */
function referencePool(runSeed: number, records: readonly DataPoint[], size: number): DataPoint[] {
  const byKey = new Map<string, DataPoint>();
  for (const record of records) {
    const { rxdgt_id: _id, ...content } = record;
    const [high, low] = fnv1a64(JSON.stringify(content));
    byKey.set(`${high!.toString(16)}:${low!.toString(16)}`, content as DataPoint);
  }
  return [...byKey]
    .map(([key, record]) => ({ key, record, priority: hash32(runSeed, key) }))
    .sort((left, right) => left.priority - right.priority || (left.key < right.key ? -1 : 1))
    .slice(0, size)
    .map(({ record }) => record);
}

describe('MachinePool', () => {
  test('keeps the distinct records of lowest priority, whatever order they arrive in, and draws by index into them', () => {
    const records = Array.from({ length: 3000 }, (_, index) => made(index));
    const shuffled = [...records];
    const random = seededRandom(5);
    for (let at = shuffled.length - 1; at > 0; at -= 1) {
      const other = Math.floor(random() * (at + 1));
      [shuffled[at], shuffled[other]] = [shuffled[other]!, shuffled[at]!];
    }
    const expected = referencePool(9, records, 100);
    for (const order of [records, shuffled]) {
      const pool = new MachinePool(9, 100);
      pool.raiseLine(0);
      order.forEach((record) => pool.add(-1, [record], [JSON.stringify(record)]));
      expect(pool.length).toBe(100);
      expect(pool.draw(100, () => 0)).toEqual(expected);
      // Draws pick entries by index in priority order: the first distinct indexes the random numbers point at.
      const random = seededRandom(1);
      const picks: number[] = [];
      while (picks.length < 3) {
        const index = Math.floor(random() * expected.length);
        if (!picks.includes(index)) picks.push(index);
      }
      expect(pool.draw(3, seededRandom(1))).toEqual(picks.map((index) => expected[index]));
    }
  });

  test('orders records of equal priority by their key text, not by the hash as a number', () => {
    // Both rank 3705271955 with run seed 3; their keys are `d59daf7:7c993405` and `4e00b373:50a312e9`.
    const first = { q: 'q10216' } as unknown as DataPoint;
    const second = { q: 'q150440' } as unknown as DataPoint;
    expect(referencePool(3, [first, second], 2)).toEqual([second, first]);
    for (const order of [[first, second], [second, first]]) {
      const pool = new MachinePool(3, 1);
      pool.raiseLine(0);
      pool.add(-1, order);
      expect(pool.draw(1, () => 0)).toEqual([second]);
      const both = new MachinePool(3, 2);
      both.raiseLine(0);
      both.add(-1, order);
      expect(both.draw(2, () => 0)).toEqual([second, first]);
    }
  });

  test('counts equal records once, whichever input made them, with or without their JSON texts', () => {
    const pool = new MachinePool(3, 10);
    pool.raiseLine(0);
    pool.add(-1, [made(1, 1), made(1, 2)], [JSON.stringify(made(1, 1))]);
    pool.add(-1, [made(1, 3)]);
    pool.add(-1, [{ rxdgt_id: '4-abc', ...made(1) }]);
    expect(pool.length).toBe(1);
    expect(pool.draw(5, Math.random)).toEqual([{ task_name: 't', is_seed: false, question: 'q1?', answer: 'a1.' }]);
  });

  test('hashes a record whose id is not its last field as the same record without it', () => {
    const shuffled = new MachinePool(3, 50);
    const plain = new MachinePool(3, 50);
    shuffled.raiseLine(0);
    plain.raiseLine(0);
    for (let index = 0; index < 200; index += 1) {
      const { rxdgt_id: id, ...content } = made(index);
      shuffled.add(-1, [{ rxdgt_id: id, ...content } as DataPoint]);
      plain.add(-1, [content as DataPoint]);
    }
    expect(shuffled.draw(50, () => 0)).toEqual(plain.draw(50, () => 0));
  });

  test('keys records by their content whatever their id is (escaped, a number, alone, or nested deeper)', () => {
    const records: DataPoint[] = [
      { ...made(1), rxdgt_id: '0-a"b\\' },
      { ...made(2), rxdgt_id: 7 },
      { rxdgt_id: '3-abc' } as unknown as DataPoint,
      { ...made(4), nested: { rxdgt_id: 'x' } } as unknown as DataPoint,
      { ...made(5), rxdgt_id: 'x","rxdgt_id":"y' },
      { ...made(6), rxdgt_id: '\\' },
      { ...made(7), rxdgt_id: undefined } as unknown as DataPoint,
    ];
    for (const texts of [records.map((record) => JSON.stringify(record)), []]) {
      const pool = new MachinePool(11, 100);
      pool.raiseLine(0);
      pool.add(-1, records, texts);
      const expected = referencePool(11, records, 100);
      expect(pool.draw(100, () => 0)).toEqual(expected);
      expect(pool.length).toBe(7);
    }
  });

  test('lets records in once the line passes the input that made them', () => {
    const pool = new MachinePool(1, 10);
    pool.raiseLine(0);
    pool.add(0, [made(1, 0)]);
    pool.add(2, [made(2, 2)], [JSON.stringify(made(2, 2))]);
    expect(pool.length).toBe(0);
    pool.raiseLine(1);
    expect(pool.draw(5, Math.random)).toEqual([{ task_name: 't', is_seed: false, question: 'q1?', answer: 'a1.' }]);
    pool.raiseLine(3);
    expect(pool.length).toBe(2);
    pool.add(1, [made(3, 1)]);
    expect(pool.length).toBe(3);
  });

  test('draws without replacement, every record when there are fewer than asked', () => {
    const pool = new MachinePool(2, 100);
    pool.raiseLine(0);
    pool.add(-1, Array.from({ length: 40 }, (_, index) => made(index)));
    const drawn = pool.draw(30, seededRandom(4));
    expect(new Set(drawn.map((record) => record['question'])).size).toBe(30);
    expect(pool.draw(50, Math.random)).toHaveLength(40);
  });

  test('appends what it draws to the array it is given', () => {
    const pool = new MachinePool(2, 100);
    pool.raiseLine(0);
    pool.add(-1, Array.from({ length: 40 }, (_, index) => made(index)));
    const seed: DataPoint = { task_name: 't', is_seed: true, question: 'seed' };
    const into: DataPoint[] = [seed];
    expect(pool.draw(3, seededRandom(4), into)).toBe(into);
    expect(into).toEqual([seed, ...pool.draw(3, seededRandom(4))]);
    expect(pool.draw(50, Math.random, [seed])).toHaveLength(41);
  });
});
