import { describe, expect, test } from 'vitest';
import { keptVectorEntry, readKeptVectorEntry } from '../../../lib/blocks/embedding/kept-vector-entry.ts';

describe('keptVectorEntry, readKeptVectorEntry', () => {
  test('round-trips a record id (any text) and a float32 vector, in 2 + id + 4 bytes a dimension', () => {
    const unit = Float32Array.of(0.6, -0.8, 1e-7, 0);
    const entry = keptVectorEntry('3-東京', unit);
    expect(entry.byteLength).toBe(2 + 8 + 16);
    expect(readKeptVectorEntry(entry)).toEqual({ id: '3-東京', unit });
    const inside = new Uint8Array(entry.byteLength + 3);
    inside.set(entry, 3);
    expect(readKeptVectorEntry(inside.subarray(3))).toEqual({ id: '3-東京', unit });
  });

  test('rejects bytes that are not an id and whole float32 values, and ids too long to count in 2 bytes', () => {
    expect(() => readKeptVectorEntry(Uint8Array.of(1, 0, 65, 0, 0))).toThrow(/entry of 5 bytes is not a record id and a vector/);
    expect(() => readKeptVectorEntry(Uint8Array.of(1, 0, 65))).toThrow(TypeError);
    expect(() => keptVectorEntry('x'.repeat(70_000), Float32Array.of(1))).toThrow(/too long/);
  });
});
