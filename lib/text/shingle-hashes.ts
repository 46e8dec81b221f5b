import { grown } from './grown.ts';
import { sharedCount } from './shared-count.ts';
import { tokenize } from './tokenize.ts';

/** murmur3's 32-bit finalizer: every output bit depends on every input bit. */
export function mix32(value: number): number {
  let mixed = Math.imul(value ^ (value >>> 16), 0x85ebca6b);
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
  return (mixed ^ (mixed >>> 16)) >>> 0;
}

/** 32-bit FNV-1a of a string's UTF-16 code units, starting from `seed`. */
function fnv1a32(text: string, seed = 0x811c9dc5): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** Seed of the hash of a token-free text's raw string, so it cannot equal a token's hash by construction. */
const rawSeed = 0x2545f491;

/**
 * Reads texts into the distinct 32-bit hashes of their word shingles: every run of `size` consecutive
 * {@link tokenize}d tokens (Unicode words; one letter per token in Han, kana, Hangul, Thai...), sorted ascending.
 * A text of fewer than `size` tokens is one shingle of all its tokens; a text without tokens is one shingle of its
 * raw string, so it only matches the very same string. Two different shingles share a hash with probability 2⁻³².
 * The hashes live in one buffer reused by every {@link read}: no allocation per text once it is big enough.
 *
 * ## Example
 * ```ts
 * const shingler = new Shingler(3);
 * shingler.read('the cat sat on the mat'); // 4: 'the cat sat', 'cat sat on', 'sat on the', 'on the mat'
 * shingler.hashes.subarray(0, 4); // their hashes, ascending
 * ```
 */
export class Shingler {
  /** Words per shingle. */
  readonly size: number;
  /** After {@link read}: the hashes, ascending, in `[0, count)`; overwritten by the next read. */
  hashes = new Uint32Array(256);
  #tokens = new Uint32Array(256);

  constructor(size: number) {
    if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`Shingler: \`size\` must be an integer >= 1, received ${size}`);
    this.size = size;
  }

  /** Reads `text` and returns how many distinct shingle hashes it has (at least 1). */
  read(text: string): number {
    const count = this.#hashTokens(text);
    if (count === 0) {
      this.hashes[0] = mix32(fnv1a32(text, rawSeed));
      return 1;
    }
    const width = Math.min(this.size, count);
    const total = count - width + 1;
    const tokens = this.#tokens;
    const hashes = (this.hashes = grown(this.hashes, total));
    for (let start = 0; start < total; start++) {
      let hash = width;
      for (let i = start; i < start + width; i++) {
        hash = Math.imul(hash ^ tokens[i]!, 0x5bd1e995);
        hash ^= hash >>> 15;
      }
      hashes[start] = mix32(hash);
    }
    hashes.subarray(0, total).sort();
    let unique = 1;
    for (let i = 1; i < total; i++) if (hashes[i] !== hashes[unique - 1]) hashes[unique++] = hashes[i]!;
    return unique;
  }

  /**
   * Writes the FNV-1a 32 hash of each token into `#tokens` and returns how many there are. ASCII text is scanned
   * in place (a token is a run of `[a-z0-9]` after lowercasing, exactly as `tokenize` splits it) without building
   * token strings; other text goes through `tokenize`.
   */
  #hashTokens(text: string): number {
    let count = 0;
    let hash = 0;
    let inToken = false;
    for (let i = 0; i < text.length; i++) {
      let code = text.charCodeAt(i);
      if (code > 0x7f) return this.#hashTokenStrings(text);
      if (code >= 65 && code <= 90) code += 32;
      if ((code >= 97 && code <= 122) || (code >= 48 && code <= 57)) {
        if (!inToken) {
          inToken = true;
          hash = 0x811c9dc5;
        }
        hash = Math.imul(hash ^ code, 0x01000193);
      } else if (inToken) {
        inToken = false;
        (this.#tokens = grown(this.#tokens, count + 1))[count++] = hash >>> 0;
      }
    }
    if (inToken) (this.#tokens = grown(this.#tokens, count + 1))[count++] = hash >>> 0;
    return count;
  }

  #hashTokenStrings(text: string): number {
    const tokens = tokenize(text);
    const hashes = (this.#tokens = grown(this.#tokens, tokens.length));
    for (let i = 0; i < tokens.length; i++) hashes[i] = fnv1a32(tokens[i]!);
    return tokens.length;
  }
}

/**
 * The distinct 32-bit hashes of the word shingles of `text`, ascending, in a new array (see {@link Shingler}).
 *
 * @example shingleHashes('The cat, sat!', 3) // the same one hash as shingleHashes('the cat sat', 3)
 */
export function shingleHashes(text: string, size: number): Uint32Array {
  const shingler = new Shingler(size);
  return shingler.hashes.slice(0, shingler.read(text));
}

/**
 * Jaccard similarity of two ascending sets of distinct hashes, the first `leftLength` values of `left` and all of
 * `right`: shared / (|left| + |right| - shared). Two empty sets score 1.
 */
export function jaccard(left: ArrayLike<number>, right: ArrayLike<number>, leftLength = left.length): number {
  const shared = sharedCount(left, leftLength, right, 0, right.length, false);
  const union = leftLength + right.length - shared;
  return union === 0 ? 1 : shared / union;
}
