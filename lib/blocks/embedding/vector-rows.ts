/** How far below a threshold a float32 cosine may fall and still count as reaching it. */
export const cosineSlack = 1e-6;

/**
 * Unit vectors kept row after row in one growable `Float32Array` (4 bytes a dimension, no object per row), searched
 * by brute-force dot products: on unit vectors the dot product is the cosine. Exact, with no index to build; the cost
 * of a search is one dot product per row (about 0.2 to 0.8 µs at 256 dimensions on a laptop core), so it suits up to
 * some tens of thousands of rows; past that, a search costs milliseconds.
 */
export class VectorRows {
  private data = new Float32Array(0);
  private rows = 0;
  private width = 0;

  /** Rows kept. */
  get size(): number {
    return this.rows;
  }

  /** The dimensions of the rows (0 before the first). */
  get dimensions(): number {
    return this.width;
  }

  /**
   * A unit-length copy of `vector`, the form rows are kept and searched in.
   * @throws {TypeError} for a zero vector, or one whose dimensions differ from the rows'
   */
  unit(vector: Float32Array): Float32Array {
    if (this.width !== 0 && vector.length !== this.width) {
      throw new TypeError(`the embedding has ${vector.length} dimensions, and the ones before it ${this.width}`);
    }
    let norm = 0;
    for (let index = 0; index < vector.length; index++) norm += vector[index]! * vector[index]!;
    if (!(norm > 0) || !Number.isFinite(norm)) throw new TypeError('the embedding is a zero (or not finite) vector, so no cosine is defined');
    const scale = 1 / Math.sqrt(norm);
    const unit = new Float32Array(vector.length);
    for (let index = 0; index < vector.length; index++) unit[index] = vector[index]! * scale;
    return unit;
  }

  /** Keeps a unit vector (from {@link unit}) as the next row; returns its row number. */
  add(unit: Float32Array): number {
    if (this.width === 0) this.width = unit.length;
    const needed = (this.rows + 1) * this.width;
    if (needed > this.data.length) {
      const grown = new Float32Array(Math.max(needed, this.data.length * 2, this.width * 256));
      grown.set(this.data.subarray(0, this.rows * this.width));
      this.data = grown;
    }
    this.data.set(unit, this.rows * this.width);
    return this.rows++;
  }

  /** The cosine of a unit vector and row `row`. */
  dot(unit: Float32Array, row: number): number {
    const { data, width } = this;
    const offset = row * width;
    // Four sums: independent additions the CPU can overlap (about 1.6 times faster than one).
    let first = 0;
    let second = 0;
    let third = 0;
    let fourth = 0;
    let index = 0;
    for (; index + 3 < width; index += 4) {
      first += data[offset + index]! * unit[index]!;
      second += data[offset + index + 1]! * unit[index + 1]!;
      third += data[offset + index + 2]! * unit[index + 2]!;
      fourth += data[offset + index + 3]! * unit[index + 3]!;
    }
    for (; index < width; index++) first += data[offset + index]! * unit[index]!;
    return first + second + third + fourth;
  }

  /**
   * The first row (in the order kept) whose cosine to `unit` is at least `threshold`, and that cosine. Float32
   * rounding is forgiven (1e-6), so that a threshold of 1 still finds identical vectors.
   */
  firstAtLeast(unit: Float32Array, threshold: number): { readonly row: number; readonly cosine: number } | undefined {
    const bar = threshold - cosineSlack;
    for (let row = 0; row < this.rows; row++) {
      const cosine = this.dot(unit, row);
      if (cosine >= bar) return { row, cosine: Math.min(1, cosine) };
    }
    return undefined;
  }

  /** Frees the rows. */
  clear(): void {
    this.data = new Float32Array(0);
    this.rows = 0;
    this.width = 0;
  }
}
