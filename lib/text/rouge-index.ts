import { fnv1a64 } from './fnv1a-64.ts';
import { grown } from './grown.ts';
import { HashSet64 } from './hash-set-64.ts';
import { lcsLength } from './rouge-l.ts';
import { type RougeOptions, type ScoreFunction, ngramOrder, scoreOverlap } from './rouge-score.ts';
import { sharedCount } from './shared-count.ts';
import { tokenize } from './tokenize.ts';

/*
 * How a query avoids scoring every kept text (all bounds are exact, so decisions match a brute-force scan of
 * `rougeScore`):
 *
 * 1. An average reaches the threshold only if one of its parts does, so the candidates are the union, over the
 *    distinct Rouge kinds, of the kept texts whose score of that kind can reach it.
 * 2. Each kind's score depends on an overlap: shared distinct n-grams, or for `lcs` the LCS, which is at most the
 *    shared part of the two token bags (elements `(token, occurrence)`). A score >= threshold needs an overlap of
 *    at least `o`, a function of the two sizes; prefix filtering then finds every text that can have it. Elements
 *    are sorted in one global order (ids descending: ids are given in order of first appearance, so late ids are
 *    the rarer elements); two sets sharing >= o elements share one among the first |a|-o+1 elements of each. A
 *    kept text posts its first elements (enough for the smallest `o` any partner could need) with their
 *    positions; a query walks its own first elements and, at the first element it shares with a kept text,
 *    drops that text if the elements left on either side cannot make up `o`.
 * 3. Verification: the full score, averaged over the kinds.
 *
 * Texts without tokens match only the very same string: the 64-bit FNV-1a hash of each is kept in a HashSet64.
 * Ids are only given to kept texts' tokens and n-grams, so memory grows with what is kept.
 */

/** Bag elements pack `(token id, occurrence)` as `occurrence · 2²⁶ + id`, exact in a float64. */
const occurrenceStride = 2 ** 26;

/** One Rouge kind's view of the kept texts. */
interface Kind {
  /** 0 for `lcs` (token bags), else the n of the n-grams. */
  readonly order: number;
  /** Per n >= 2: n-gram (its token ids joined by `,`) → id. */
  readonly grams: Map<string, number>;
  /** Per kept text: its elements, descending. */
  readonly elements: Float64Array[];
  /** Element → flat pairs (kept text, position of the element in that text's elements). */
  readonly postings: Map<number, number[]>;
  /** Per kept text, the last query that ruled it out for this kind. */
  stamps: Int32Array<ArrayBuffer>;
}

/** A tokenized query: token ids in text order, each kind's elements, and the tokens and n-grams new to the index. */
interface Encoded {
  readonly sequence: Int32Array;
  readonly elements: readonly Float64Array[];
  readonly freshTokens: readonly string[];
  readonly freshGrams: readonly (readonly string[])[];
}

/** A lower bound on the overlap any partner of a text with `count` elements needs, on the new (query) or kept side. */
function smallestNeed(count: number, threshold: number, scoreFunction: ScoreFunction, side: 'new' | 'kept'): number {
  const ratio = scoreFunction === 'f1' ? threshold / (2 - threshold) : threshold;
  const bound = (scoreFunction === 'precision' && side === 'new') || (scoreFunction === 'recall' && side === 'kept') ? 1 : Math.ceil(ratio * count) - 1;
  return Math.max(1, bound);
}

/** The smallest overlap whose score reaches `threshold` (computed with the same float formula), or Infinity. */
function need(newCount: number, keptCount: number, threshold: number, scoreFunction: ScoreFunction): number {
  const most = Math.min(newCount, keptCount);
  const size = scoreFunction === 'precision' ? keptCount : scoreFunction === 'recall' ? newCount : (newCount + keptCount) / 2;
  let overlap = Math.max(0, Math.ceil(threshold * size) - 2);
  while (overlap <= most && scoreOverlap(overlap, newCount, keptCount, scoreFunction) < threshold) overlap++;
  return overlap > most ? Number.POSITIVE_INFINITY : overlap;
}

const descending = (left: number, right: number): number => right - left;

/**
 * The kept texts of one `rouge_scorer`, answering "does a kept text score >= threshold against this one?" for any
 * mix of Rouge kinds and score function (see `rougeScore`) without scoring every kept text. For Rouge-L F1 alone,
 * `SimilarityIndex` is faster. Thresholds above 1 never match and store nothing.
 *
 * ## Example
 * ```ts
 * const index = new RougeIndex(0.5, { types: ['n_2'], scoreFunction: 'f1' });
 * index.admit('the cat sat on the mat'); // undefined: kept
 * index.admit('the cat sat on a mat'); // 0.6: 3 shared bigrams of 5 and 5
 * ```
 */
export class RougeIndex {
  readonly threshold: number;
  readonly options: RougeOptions;
  #size = 0;
  #vocabulary = new Map<string, number>();
  #kinds: Kind[] = [];
  /** Per listed Rouge kind (repeats included), its position in `#kinds`. */
  #kindOf: number[] = [];
  #sequences: Int32Array[] = [];
  #tokenless = new HashSet64();
  #hash = new Uint32Array(2);
  /** Per kept text, the last query that verified it. */
  #verified = new Int32Array(1024);
  #query = 0;

  constructor(threshold: number, options: RougeOptions) {
    if (!(threshold > 0)) throw new RangeError(`RougeIndex: \`threshold\` must be > 0, received ${threshold}`);
    if (options.types.length === 0) throw new RangeError('RougeIndex: `types` must name at least one Rouge kind');
    this.threshold = threshold;
    this.options = options;
    this.clear();
  }

  /** Number of texts kept. */
  get size(): number {
    return this.#size;
  }

  /** Keeps `text` unless a kept text scores >= threshold against it; returns that score, or `undefined` when kept. */
  admit(text: string): number | undefined {
    const tokens = this.threshold > 1 ? [] : tokenize(text);
    if (tokens.length === 0) {
      const score = this.find(text);
      if (score === undefined) this.#keepTokenless(text);
      return score;
    }
    const encoded = this.#encode(tokens);
    const score = this.#find(encoded);
    if (score === undefined) this.#keep(encoded);
    return score;
  }

  /** The score of a kept text reaching the threshold against `text`, or `undefined` when there is none; keeps nothing. */
  find(text: string): number | undefined {
    const tokens = this.threshold > 1 ? [] : tokenize(text);
    if (tokens.length === 0) {
      const hash = fnv1a64(text, this.#hash);
      return this.threshold <= 1 && this.#tokenless.has(hash[0]!, hash[1]!) ? 1 : undefined;
    }
    return this.#find(this.#encode(tokens));
  }

  /** Keeps `text` without looking for near-duplicates (state rebuilt from records restored on resume). */
  add(text: string): void {
    const tokens = this.threshold > 1 ? [] : tokenize(text);
    if (tokens.length === 0) this.#keepTokenless(text);
    else this.#keep(this.#encode(tokens));
  }

  /** Drops every kept text. */
  clear(): void {
    this.#size = 0;
    this.#query = 0;
    this.#vocabulary = new Map();
    this.#sequences = [];
    this.#tokenless.clear();
    this.#verified = new Int32Array(1024);
    const orders = [...new Set(this.options.types.map(ngramOrder))];
    this.#kinds = orders.map((order) => ({ order, grams: new Map(), elements: [], postings: new Map(), stamps: new Int32Array(1024) }));
    this.#kindOf = this.options.types.map((type) => orders.indexOf(ngramOrder(type)));
  }

  #keepTokenless(text: string): void {
    if (this.threshold <= 1) {
      const hash = fnv1a64(text, this.#hash);
      this.#tokenless.add(hash[0]!, hash[1]!);
    }
    this.#size++;
  }

  /** Unknown tokens and n-grams get the ids they would get if kept, so a query needs no vocabulary change. */
  #encode(tokens: readonly string[]): Encoded {
    const known = this.#vocabulary.size;
    const freshTokenIds = new Map<string, number>();
    const sequence = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      let id = this.#vocabulary.get(token) ?? freshTokenIds.get(token);
      if (id === undefined) freshTokenIds.set(token, (id = known + freshTokenIds.size));
      sequence[i] = id;
    }
    const freshGrams: Map<string, number>[] = [];
    const elements = this.#kinds.map((kind) => {
      const fresh = new Map<string, number>();
      freshGrams.push(fresh);
      if (kind.order === 0) {
        const seen = new Map<number, number>();
        const bag = Float64Array.from(sequence, (id) => {
          const occurrence = seen.get(id) ?? 0;
          seen.set(id, occurrence + 1);
          return occurrence * occurrenceStride + id;
        });
        return bag.sort(descending);
      }
      const ids = new Set<number>();
      for (let i = 0; i + kind.order <= sequence.length; i++) {
        if (kind.order === 1) {
          ids.add(sequence[i]!);
          continue;
        }
        const key = sequence.subarray(i, i + kind.order).join(',');
        let id = kind.grams.get(key) ?? fresh.get(key);
        if (id === undefined) fresh.set(key, (id = kind.grams.size + fresh.size));
        ids.add(id);
      }
      return Float64Array.from(ids).sort(descending);
    });
    return { sequence, elements, freshTokens: [...freshTokenIds.keys()], freshGrams: freshGrams.map((fresh) => [...fresh.keys()]) };
  }

  #find(encoded: Encoded): number | undefined {
    const { threshold } = this;
    const { scoreFunction } = this.options;
    const query = ++this.#query;
    for (const [k, kind] of this.#kinds.entries()) {
      const elements = encoded.elements[k]!;
      const newCount = elements.length;
      if (newCount === 0) continue;
      const prefix = Math.max(0, newCount - smallestNeed(newCount, threshold, scoreFunction, 'new') + 1);
      for (let i = 0; i < prefix; i++) {
        const postings = kind.postings.get(elements[i]!);
        if (!postings) continue;
        for (let p = 0; p < postings.length; p += 2) {
          const item = postings[p]!;
          if (kind.stamps[item] === query || this.#verified[item] === query) continue;
          kind.stamps[item] = query;
          const keptCount = kind.elements[item]!.length;
          const position = postings[p + 1]!;
          // The first shared element: what is left after it on either side bounds the overlap.
          if (1 + Math.min(newCount - i - 1, keptCount - position - 1) < need(newCount, keptCount, threshold, scoreFunction)) continue;
          this.#verified[item] = query;
          const score = this.#score(encoded, item);
          if (score >= threshold) return score;
        }
      }
    }
    return undefined;
  }

  /** The full score of the query against kept text `item`, averaged over the listed kinds. */
  #score(encoded: Encoded, item: number): number {
    let sum = 0;
    for (const k of this.#kindOf) {
      const mine = encoded.elements[k]!;
      const theirs = this.#kinds[k]!.elements[item]!;
      const overlap = this.#kinds[k]!.order === 0 ? lcsLength(encoded.sequence, this.#sequences[item]!) : sharedCount(mine, mine.length, theirs, 0, theirs.length, true);
      sum += scoreOverlap(overlap, mine.length, theirs.length, this.options.scoreFunction);
    }
    return sum / this.options.types.length;
  }

  #keep(encoded: Encoded): void {
    for (const token of encoded.freshTokens) this.#vocabulary.set(token, this.#vocabulary.size);
    const item = this.#sequences.length;
    this.#size++;
    this.#sequences.push(encoded.sequence);
    this.#verified = grown(this.#verified, item + 1);
    for (const [k, kind] of this.#kinds.entries()) {
      for (const gram of encoded.freshGrams[k]!) kind.grams.set(gram, kind.grams.size);
      kind.stamps = grown(kind.stamps, item + 1);
      const elements = encoded.elements[k]!;
      kind.elements.push(elements);
      const prefix = Math.max(0, elements.length - smallestNeed(elements.length, this.threshold, this.options.scoreFunction, 'kept') + 1);
      for (let i = 0; i < prefix; i++) {
        const element = elements[i]!;
        const postings = kind.postings.get(element);
        if (postings) postings.push(item, i);
        else kind.postings.set(element, [item, i]);
      }
    }
  }
}
