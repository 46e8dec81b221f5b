import { describe, expect, test } from 'vitest';
import { grown } from '../../lib/text/grown.ts';

describe('grown', () => {
  test('gives the array itself while it is long enough', () => {
    const array = new Uint32Array([1, 2, 3]);
    expect(grown(array, 3)).toBe(array);
  });

  test('gives a copy of the same type, at least twice as long, starting with the values', () => {
    const bigger = grown(new Int32Array([-1, 2]), 3);
    expect(bigger).toBeInstanceOf(Int32Array);
    expect(Array.from(bigger)).toEqual([-1, 2, 0, 0]);
    expect(grown(new Uint8Array([1]), 10)).toEqual(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  });
});
