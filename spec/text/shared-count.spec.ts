import { describe, expect, test } from 'vitest';
import { sharedCount } from '../../lib/text/shared-count.ts';

describe('sharedCount', () => {
  test('counts the values two ascending lists share', () => {
    expect(sharedCount([1, 3, 5, 7], 4, [3, 4, 5, 8], 0, 4, false)).toBe(2);
    expect(sharedCount([], 0, [1], 0, 1, false)).toBe(0);
  });

  test('reads only `left[0, leftEnd)` and `right[rightStart, rightEnd)`', () => {
    expect(sharedCount(new Uint32Array([1, 2, 3]), 2, new Uint32Array([9, 2, 3, 9]), 1, 3, false)).toBe(1);
  });

  test('walks descending lists when `descending` is set', () => {
    expect(sharedCount(new Float64Array([9, 5, 2]), 3, new Float64Array([9, 6, 2, 1]), 0, 4, true)).toBe(2);
  });
});
