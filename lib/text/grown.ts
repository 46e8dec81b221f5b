/** The typed arrays the text indexes keep their flat state in. */
type FlatArray = Uint8Array<ArrayBuffer> | Int32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>;

/**
 * `array` itself when it holds `length` values already; otherwise a new array of the same type, of at least twice
 * the length (so growing one value at a time copies O(n) in all), that starts with a copy of `array`.
 *
 * ## Example
 * ```ts
 * const stamps = grown(new Int32Array([7, 8]), 3); // Int32Array [7, 8, 0, 0]
 * grown(stamps, 4) === stamps; // true
 * ```
 */
export function grown<Flat extends FlatArray>(array: Flat, length: number): Flat {
  if (array.length >= length) return array;
  const bigger = new (array.constructor as new (length: number) => Flat)(Math.max(length, array.length * 2));
  (bigger as Uint32Array<ArrayBuffer>).set(array);
  return bigger;
}
