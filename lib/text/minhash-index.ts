import { seededRandom } from '../random.ts';
import { grown } from './grown.ts';
import { sharedCount } from './shared-count.ts';
import { Shingler, mix32 } from './shingle-hashes.ts';

/*
 * Streaming MinHash-LSH with verification. Each text is a set of 32-bit word-shingle hashes. Its signature holds,
 * per permutation i, the smallest `(aᵢ·x + bᵢ) mod 2³²` over its shingles x (aᵢ odd: a bijection of the 32-bit
 * values, on hashes already mixed by murmur3's finalizer). The signature is cut into `bands` bands of `rows`
 * values; two texts with Jaccard s share at least one band with probability 1 - (1 - s^rows)^bands, and texts
 * sharing a band are candidates, verified one by one:
 * - a kept text with at most `permutations` shingles keeps its shingle set (no bigger than a signature), and is
 *   verified by the exact Jaccard of the two shingle sets;
 * - a longer kept text keeps its signature, and is verified by the estimated Jaccard (matching signature values
 *   over `permutations`).
 * Since verification, not the bands, decides, the bands favour recall: the most rows whose candidate
 * probability at the threshold itself is still >= 0.99.
 *
 * State is flat typed arrays, no object per text: per kept text and band, its band key (Uint32) and the next kept
 * text in the same bucket chain (Int32); per band, a table of chain heads keyed by the band key's low bits
 * (Int32, at most one slot per kept text); and the shingle sets or signatures in one Uint32 pool.
 */

/** Candidate probability the bands must reach at the threshold itself. */
const targetRecall = 0.99;
const permutationSeed = 0x6d696e68;

/** Options of a {@link MinHashIndex}. */
export interface MinHashOptions {
  /** Jaccard similarity of shingle sets at or above which a text is a near-duplicate, in (0, 1]. */
  readonly threshold: number;
  /** Words per shingle. @default 3 */
  readonly shingleSize?: number | undefined;
  /** Signature length (hash permutations). @default 64 */
  readonly permutations?: number | undefined;
}

/** The LSH bands for a threshold: the most rows per band whose candidate probability at the threshold is >= 0.99. */
export function bandsFor(threshold: number, permutations: number): { readonly bands: number; readonly rows: number } {
  for (let rows = permutations; rows > 1; rows--) {
    const bands = Math.floor(permutations / rows);
    if (1 - (1 - threshold ** rows) ** bands >= targetRecall) return { bands, rows };
  }
  return { bands: permutations, rows: 1 };
}

/**
 * The kept texts of one dedupe subscription, answering "is a kept text's word-shingle set at Jaccard >= threshold
 * to this one?" by MinHash-LSH, without comparing against every kept text. Exact duplicates (equal shingle sets)
 * are always found; near-duplicates at the threshold are found with probability >= 0.99, more above it.
 *
 * ## Example
 * ```ts
 * const index = new MinHashIndex({ threshold: 0.5 });
 * index.admit('the quick brown fox jumps over the lazy dog'); // undefined: kept
 * index.admit('The quick brown fox jumps over the lazy cat!'); // 0.75: 6 of 8 shingles shared
 * index.admit('a completely different sentence'); // undefined: kept
 * ```
 */
export class MinHashIndex {
  readonly threshold: number;
  readonly shingleSize: number;
  readonly permutations: number;
  readonly bands: number;
  readonly rows: number;
  readonly #multipliers: Uint32Array;
  readonly #increments: Uint32Array;
  readonly #signature: Uint32Array;
  readonly #keys: Uint32Array;
  readonly #shingler: Shingler;
  #size = 0;
  #lastMatch = -1;
  #query = 0;
  /** Chain heads: band j's table is `[j · slots, (j + 1) · slots)`. */
  #heads = new Int32Array(0);
  #slots = 0;
  /** Per kept text and band: its band key, and the next kept text in its chain. */
  #bandKeys = new Uint32Array(0);
  #next = new Int32Array(0);
  /** Per kept text: where its set or signature starts in the pool, its length, and 1 if it is a signature. */
  #starts = new Int32Array(0);
  #lengths = new Int32Array(0);
  #isSignature = new Uint8Array(0);
  #pool = new Uint32Array(0);
  #poolUsed = 0;
  #stamps = new Int32Array(0);

  constructor(options: MinHashOptions) {
    const { threshold, shingleSize = 3, permutations = 64 } = options;
    if (!(threshold > 0 && threshold <= 1)) throw new RangeError(`MinHashIndex: \`threshold\` must be in (0, 1], received ${threshold}`);
    if (!(Number.isInteger(shingleSize) && shingleSize >= 1)) throw new RangeError(`MinHashIndex: \`shingleSize\` must be an integer >= 1, received ${shingleSize}`);
    if (!(Number.isInteger(permutations) && permutations >= 1 && permutations <= 1024)) {
      throw new RangeError(`MinHashIndex: \`permutations\` must be an integer in [1, 1024], received ${permutations}`);
    }
    this.threshold = threshold;
    this.shingleSize = shingleSize;
    this.permutations = permutations;
    ({ bands: this.bands, rows: this.rows } = bandsFor(threshold, permutations));
    const random = seededRandom(permutationSeed);
    this.#multipliers = Uint32Array.from({ length: permutations }, () => (Math.floor(random() * 2 ** 32) | 1) >>> 0);
    this.#increments = Uint32Array.from({ length: permutations }, () => Math.floor(random() * 2 ** 32));
    this.#signature = new Uint32Array(permutations);
    this.#keys = new Uint32Array(this.bands);
    this.#shingler = new Shingler(shingleSize);
    this.clear();
  }

  /** Number of texts kept. */
  get size(): number {
    return this.#size;
  }

  /** Position (0-based, in keeping order) of the kept text the last {@link admit} matched; -1 when it kept its text. */
  get lastMatch(): number {
    return this.#lastMatch;
  }

  /** Keeps `text` unless a near-duplicate is already kept; returns the (exact or estimated) Jaccard to it, or `undefined`. */
  admit(text: string): number | undefined {
    const count = this.#shingler.read(text);
    this.#sign(count);
    const similarity = this.#find(count);
    if (similarity === undefined) this.#keep(count);
    return similarity;
  }

  /** The Jaccard of a kept near-duplicate of `text`, or `undefined` when there is none; keeps nothing. */
  find(text: string): number | undefined {
    const count = this.#shingler.read(text);
    this.#sign(count);
    return this.#find(count);
  }

  /** Keeps `text` without looking for near-duplicates (state rebuilt from records restored on resume). */
  add(text: string): void {
    const count = this.#shingler.read(text);
    this.#sign(count);
    this.#keep(count);
  }

  /** Drops every kept text and gives the memory back. */
  clear(): void {
    this.#size = 0;
    this.#lastMatch = -1;
    this.#query = 0;
    this.#slots = 1024;
    this.#heads = new Int32Array(this.#slots * this.bands).fill(-1);
    this.#bandKeys = new Uint32Array(1024 * this.bands);
    this.#next = new Int32Array(1024 * this.bands);
    this.#starts = new Int32Array(1024);
    this.#lengths = new Int32Array(1024);
    this.#isSignature = new Uint8Array(1024);
    this.#stamps = new Int32Array(1024);
    this.#pool = new Uint32Array(16 * 1024);
    this.#poolUsed = 0;
  }

  /** Fills the signature and the band keys of the shingle set just read. */
  #sign(count: number): void {
    const shingles = this.#shingler.hashes;
    const signature = this.#signature.fill(0xffffffff);
    const multipliers = this.#multipliers;
    const increments = this.#increments;
    const permutations = this.permutations;
    for (let s = 0; s < count; s++) {
      const shingle = shingles[s]!;
      for (let i = 0; i < permutations; i++) {
        const value = (Math.imul(shingle, multipliers[i]!) + increments[i]!) >>> 0;
        if (value < signature[i]!) signature[i] = value;
      }
    }
    for (let band = 0; band < this.bands; band++) {
      let hash = Math.imul(band + 1, 0x9e3779b1);
      for (let i = band * this.rows; i < (band + 1) * this.rows; i++) {
        hash = Math.imul(hash ^ signature[i]!, 0x5bd1e995);
        hash ^= hash >>> 15;
      }
      this.#keys[band] = mix32(hash);
    }
  }

  #find(count: number): number | undefined {
    const query = ++this.#query;
    const { bands } = this;
    const slots = this.#slots;
    const heads = this.#heads;
    const next = this.#next;
    const bandKeys = this.#bandKeys;
    const stamps = this.#stamps;
    this.#lastMatch = -1;
    for (let band = 0; band < bands; band++) {
      const key = this.#keys[band]!;
      for (let item = heads[band * slots + (key & (slots - 1))]!; item !== -1; item = next[item * bands + band]!) {
        if (bandKeys[item * bands + band] !== key || stamps[item] === query) continue;
        stamps[item] = query;
        const similarity = this.#similarity(count, item);
        if (similarity >= this.threshold) {
          this.#lastMatch = item;
          return similarity;
        }
      }
    }
    return undefined;
  }

  /** Exact Jaccard against a kept shingle set, or the estimate from a kept signature. */
  #similarity(count: number, item: number): number {
    const pool = this.#pool;
    const start = this.#starts[item]!;
    const length = this.#lengths[item]!;
    if (this.#isSignature[item] === 1) {
      const signature = this.#signature;
      let equal = 0;
      for (let i = 0; i < length; i++) if (pool[start + i] === signature[i]) equal++;
      return equal / length;
    }
    // Jaccard can reach the threshold only if the smaller set is at least threshold · the larger.
    if (Math.min(count, length) < this.threshold * Math.max(count, length) * (1 - 1e-12)) return 0;
    const shared = sharedCount(this.#shingler.hashes, count, pool, start, start + length, false);
    return shared / (count + length - shared);
  }

  #keep(count: number): void {
    const item = this.#size++;
    const { bands } = this;
    if (item >= this.#starts.length) {
      const capacity = this.#starts.length * 2;
      this.#starts = grown(this.#starts, capacity);
      this.#lengths = grown(this.#lengths, capacity);
      this.#stamps = grown(this.#stamps, capacity);
      this.#isSignature = grown(this.#isSignature, capacity);
      this.#bandKeys = grown(this.#bandKeys, capacity * bands);
      this.#next = grown(this.#next, capacity * bands);
    }
    const isSet = count <= this.permutations;
    const length = isSet ? count : this.permutations;
    const pool = (this.#pool = grown(this.#pool, this.#poolUsed + length));
    const stored = isSet ? this.#shingler.hashes : this.#signature;
    for (let i = 0; i < length; i++) pool[this.#poolUsed + i] = stored[i]!;
    this.#starts[item] = this.#poolUsed;
    this.#lengths[item] = length;
    this.#isSignature[item] = isSet ? 0 : 1;
    this.#poolUsed += length;
    this.#bandKeys.set(this.#keys, item * bands);
    if (this.#size > this.#slots) this.#rehash(this.#slots * 2);
    else this.#link(item);
  }

  /** Puts kept text `item` at the head of its chain in every band. */
  #link(item: number): void {
    const { bands } = this;
    const mask = this.#slots - 1;
    for (let band = 0; band < bands; band++) {
      const slot = band * this.#slots + (this.#bandKeys[item * bands + band]! & mask);
      this.#next[item * bands + band] = this.#heads[slot]!;
      this.#heads[slot] = item;
    }
  }

  /** Rebuilds every chain over `slots` slots per band, from the kept band keys. */
  #rehash(slots: number): void {
    this.#slots = slots;
    this.#heads = new Int32Array(slots * this.bands).fill(-1);
    for (let item = 0; item < this.#size; item++) this.#link(item);
  }
}
