import { describe, expect, test } from 'vitest';
import { VectorRows } from '../../../lib/blocks/embedding/vector-rows.ts';

describe('VectorRows', () => {
  test('keeps unit rows and finds the first at or above a cosine threshold', () => {
    const rows = new VectorRows();
    const east = rows.unit(new Float32Array([3, 0, 0, 0, 0]));
    expect(Array.from(east)).toEqual([1, 0, 0, 0, 0]);
    rows.add(east);
    rows.add(rows.unit(new Float32Array([1, 1, 0, 0, 0])));
    const query = rows.unit(new Float32Array([1, 0.9, 0, 0, 0]));
    expect(rows.firstAtLeast(query, 0.99)?.row).toBe(1);
    expect(rows.firstAtLeast(query, 0.7)?.row).toBe(0);
    expect(rows.firstAtLeast(rows.unit(new Float32Array([0, 0, 1, 0, 0])), 0.1)).toBeUndefined();
    expect([rows.size, rows.dimensions]).toEqual([2, 5]);
  });

  test('a threshold of 1 still finds an identical vector despite float32 rounding', () => {
    const rows = new VectorRows();
    const vector = Float32Array.from({ length: 384 }, (_, index) => Math.sin(index + 1));
    rows.add(rows.unit(vector));
    expect(rows.firstAtLeast(rows.unit(vector), 1)).toMatchObject({ row: 0, cosine: 1 });
  });

  test('grows past its first allocation, keeping every row', () => {
    const rows = new VectorRows();
    for (let index = 0; index < 1000; index++) rows.add(rows.unit(new Float32Array([index + 1, 1])));
    expect(rows.size).toBe(1000);
    expect(rows.dot(rows.unit(new Float32Array([1, 1])), 0)).toBeCloseTo(1, 6);
  });

  test('a zero vector, or one of other dimensions, is a TypeError', () => {
    const rows = new VectorRows();
    expect(() => rows.unit(new Float32Array(3))).toThrow(/zero/);
    rows.add(rows.unit(new Float32Array([1, 2, 3])));
    expect(() => rows.unit(new Float32Array([1, 2]))).toThrow(/2 dimensions, and the ones before it 3/);
    rows.clear();
    expect(rows.size).toBe(0);
  });
});
