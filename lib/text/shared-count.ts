/**
 * How many values two sorted lists of distinct values share, by one merge walk: `left[0, leftEnd)` and
 * `right[rightStart, rightEnd)`, both ascending, or both descending when `descending` is set.
 *
 * ## Example
 * ```ts
 * sharedCount([1, 3, 5, 7], 4, [3, 4, 5], 0, 3, false); // 2: 3 and 5
 * sharedCount([9, 5, 2], 3, [0, 9, 2], 1, 3, true); // 2: 9 and 2 (right read from index 1)
 * ```
 */
export function sharedCount(left: ArrayLike<number>, leftEnd: number, right: ArrayLike<number>, rightStart: number, rightEnd: number, descending: boolean): number {
  let i = 0;
  let j = rightStart;
  let shared = 0;
  while (i < leftEnd && j < rightEnd) {
    const a = left[i]!;
    const b = right[j]!;
    if (a === b) {
      shared++;
      i++;
      j++;
    } else if (descending ? a > b : a < b) i++;
    else j++;
  }
  return shared;
}
