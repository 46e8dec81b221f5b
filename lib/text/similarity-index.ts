import { fnv1a64 } from './fnv1a-64.ts';
import { HashSet64 } from './hash-set-64.ts';
import { hasCommonSubsequence, lcsLength } from './rouge-l.ts';
import { hashTokens, tokenize } from './tokenize.ts';

/*
 * How a query avoids comparing against every kept item (all bounds are exact, so decisions match a
 * brute-force scan):
 *
 * 1. Length filter. F1 = 2·LCS/(m+n) <= 2·min(m,n)/(m+n), so a candidate of m tokens can only match kept
 *    items of n tokens inside a narrow band. Items are bucketed by token count and only those buckets
 *    are visited; each bucket (m, n) needs an LCS of at least `minimumLcs(m, n)` tokens.
 * 2. Bag filter with prefix indexing. LCS <= |bag(a) ∩ bag(b)|, the multiset intersection. A bag is a set
 *    of elements (token rank, occurrence number), sorted in one global order: rank descending, the rarer
 *    tokens first, which keeps the posting lists walked short. Ranks follow how many kept texts hold each
 *    token, measured again (and every posting rebuilt) each time the kept texts double from 256; tokens
 *    first kept since then rank above all others, in order of first appearance. If two bags share >= o
 *    elements, the first |a|-o+1 elements of one and the first |b|-o+1 of the other have one in common.
 *    So each kept item posts only its first elements (using the smallest o any partner could need),
 *    with their positions, to its bucket's inverted index; a query for bucket (m, n) walks its own first
 *    m-o+1 elements and skips postings past position n-o: items never reached share too few tokens.
 * 3. Verification: the full bag overlap by merging the sorted bags, then the LCS itself over one
 *    rolling row, each stopping early once the threshold is out of reach.
 *
 * Threshold 1 means exact token-sequence equality: only the 64-bit FNV-1a hash of each kept token
 * sequence is stored, in a flat HashSet64 (16 to 32 bytes per kept text), with no token ids and no
 * vocabulary. Texts without tokens keep the hash of their raw string at every threshold. Two different
 * sequences (or raw strings) sharing a hash make a false duplicate, with probability about k²/2⁶⁵ over
 * k kept texts (3·10⁻⁸ at a million). Below 1, token ids are only given to kept items, so memory grows
 * with what is kept, not with what is rejected.
 */

/**
 * One token count's items: token id → occurrence number → the items posting that element, as flat pairs
 * (item id, position of the element in the item's bag).
 */
type Bucket = Map<number, number[][]>;

/** A tokenized text: ids in text order, their ranks as a bag (descending), and tokens new to the index. */
interface Encoded {
  readonly sequence: Int32Array;
  readonly bag: Int32Array;
  readonly fresh: readonly string[];
}

/** Smallest LCS length whose F1 `2·lcs/(m+n)` reaches `threshold`, using the same float division as F1. */
function minimumLcs(m: number, n: number, threshold: number): number {
  const total = m + n;
  let lcs = Math.max(0, Math.ceil((threshold * total) / 2) - 2);
  while ((2 * lcs) / total < threshold) lcs++;
  return lcs;
}

/** Whether texts of m and n tokens can reach the threshold at all (LCS = min(m, n)). */
function reachable(m: number, n: number, threshold: number): boolean {
  return (2 * Math.min(m, n)) / (m + n) >= threshold;
}

/** Smallest token count a partner of an m-token text may have (for thresholds in (0, 1]). */
function shortestPartner(m: number, threshold: number): number {
  let n = Math.max(1, Math.floor((threshold * m) / (2 - threshold)) - 1);
  while (!reachable(m, n, threshold)) n++;
  while (n > 1 && reachable(m, n - 1, threshold)) n--;
  return n;
}

/** Whether two descending bags share at least `need` elements. */
function bagsOverlap(left: Int32Array, right: Int32Array, need: number): boolean {
  let i = 0;
  let j = 0;
  let shared = 0;
  while (i < left.length && j < right.length) {
    if (shared + Math.min(left.length - i, right.length - j) < need) return false;
    const a = left[i]!;
    const b = right[j]!;
    if (a === b) {
      if (++shared >= need) return true;
      i++;
      j++;
    } else if (a > b) i++;
    else j++;
  }
  return shared >= need;
}

/**
 * The kept texts of one `dedupe` subscription, answering "is a kept text at Rouge-L F1 >= threshold to
 * this one?" without scanning them all. Thresholds above 1 never match and store nothing.
 */
export class SimilarityIndex {
  /** Similarity at or above which a text counts as a near-duplicate. */
  readonly threshold: number;
  #size = 0;
  /** Below threshold 1: token → id, for kept texts' tokens only. */
  #vocabulary = new Map<string, number>();
  /** Threshold 1: hashes of the token sequences of kept texts. */
  #exact = new HashSet64();
  /** Hashes of the raw strings of kept texts without any token; they only match the very same string. */
  #tokenless = new HashSet64();
  /** Scratch [high, low] for the hash being looked up. */
  #hash = new Uint32Array(2);
  #sequences: Int32Array[] = [];
  #bags: Int32Array[] = [];
  /** Per token id below `#ranked`, its rank (0 for the token most kept texts hold); later ids rank as themselves. */
  #ranks = new Int32Array(0);
  #ranked = 0;
  /** Per token id, how many kept texts hold it. */
  #holders: number[] = [];
  /** Kept texts at which ranks are measured again. */
  #nextRanking = 256;
  #buckets: (Bucket | undefined)[] = [];
  /** Per item, the last query that reached it, so each item is verified at most once per query. */
  #stamps = new Int32Array(1024);
  #query = 0;

  constructor(threshold: number) {
    if (!(threshold > 0)) throw new RangeError(`SimilarityIndex: \`threshold\` must be > 0, received ${threshold}`);
    this.threshold = threshold;
  }

  /** Number of texts kept. */
  get size(): number {
    return this.#size;
  }

  /**
   * Keeps `text` unless a near-duplicate is already kept. Returns the F1 to that near-duplicate, or
   * `undefined` when the text was kept.
   */
  admit(text: string): number | undefined {
    if (this.threshold === 1) {
      if (!hashTokens(text, this.#hash)) return this.#admitTokenless(text);
      if (!this.#exact.add(this.#hash[0]!, this.#hash[1]!)) return 1;
      this.#size++;
      return undefined;
    }
    const tokens = this.threshold > 1 ? [] : tokenize(text);
    if (tokens.length === 0) return this.#admitTokenless(text);
    const encoded = this.#encode(tokens);
    const similarity = this.#find(encoded);
    if (similarity === undefined) this.#keep(encoded);
    return similarity;
  }

  /** The F1 of a kept near-duplicate of `text`, or `undefined` when there is none; keeps nothing. */
  find(text: string): number | undefined {
    if (this.threshold === 1) {
      if (!hashTokens(text, this.#hash)) return this.#findTokenless(text);
      return this.#exact.has(this.#hash[0]!, this.#hash[1]!) ? 1 : undefined;
    }
    const tokens = this.threshold > 1 ? [] : tokenize(text);
    if (tokens.length === 0) return this.#findTokenless(text);
    return this.#find(this.#encode(tokens));
  }

  /** Keeps `text` without looking for near-duplicates (state rebuilt from records restored on resume). */
  add(text: string): void {
    if (this.threshold === 1) {
      if (!hashTokens(text, this.#hash)) this.#keepTokenless(text);
      else {
        // The threshold-1 index keeps the token sequence's hash (see `hashTokens`) and nothing else of the text;
        // every restored text counts as kept, a repeat too (as the other thresholds count them).
        this.#exact.add(this.#hash[0]!, this.#hash[1]!);
        this.#size++;
      }
      return;
    }
    const tokens = this.threshold > 1 ? [] : tokenize(text);
    if (tokens.length === 0) this.#keepTokenless(text);
    else this.#keep(this.#encode(tokens));
  }

  /** Drops every kept text. */
  clear(): void {
    this.#size = 0;
    this.#query = 0;
    this.#vocabulary = new Map();
    this.#exact.clear();
    this.#tokenless.clear();
    this.#sequences = [];
    this.#bags = [];
    this.#buckets = [];
    this.#stamps = new Int32Array(1024);
    this.#ranks = new Int32Array(0);
    this.#ranked = 0;
    this.#holders = [];
    this.#nextRanking = 256;
  }

  /** A token-free text: kept unless an equal one is (1), as `admit`. */
  #admitTokenless(text: string): number | undefined {
    const similarity = this.#findTokenless(text);
    if (similarity === undefined) this.#keepTokenless(text);
    return similarity;
  }

  /** Two token-free texts score 1 when the strings are equal, else 0; above 1 nothing matches. */
  #findTokenless(text: string): number | undefined {
    if (this.threshold > 1) return undefined;
    const hash = fnv1a64(text, this.#hash);
    return this.#tokenless.has(hash[0]!, hash[1]!) ? 1 : undefined;
  }

  #keepTokenless(text: string): void {
    if (this.threshold <= 1) {
      const hash = fnv1a64(text, this.#hash);
      this.#tokenless.add(hash[0]!, hash[1]!);
    }
    this.#size++;
  }

  /** Unknown tokens get the ids they would get if kept, so a query needs no vocabulary change. */
  #encode(tokens: readonly string[]): Encoded {
    const known = this.#vocabulary.size;
    const fresh = new Map<string, number>();
    const sequence = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      let id = this.#vocabulary.get(token) ?? fresh.get(token);
      if (id === undefined) fresh.set(token, (id = known + fresh.size));
      sequence[i] = id;
    }
    return { sequence, bag: this.#bagOf(sequence), fresh: [...fresh.keys()] };
  }

  /** The ranks of a sequence's token ids, descending. */
  #bagOf(sequence: Int32Array): Int32Array {
    const bag = new Int32Array(sequence.length);
    for (let i = 0; i < sequence.length; i++) bag[i] = sequence[i]! < this.#ranked ? this.#ranks[sequence[i]!]! : sequence[i]!;
    return bag.sort().reverse();
  }

  #find({ sequence, bag }: Encoded): number | undefined {
    const threshold = this.threshold;
    const m = sequence.length;
    const query = ++this.#query;
    const stamps = this.#stamps;
    const bags = this.#bags;
    let last = Math.min(this.#buckets.length - 1, Math.ceil((m * (2 - threshold)) / threshold) + 1);
    while (last >= m && !reachable(m, last, threshold)) last--;
    for (let n = shortestPartner(m, threshold); n <= last; n++) {
      const bucket = this.#buckets[n];
      if (!bucket) continue;
      const need = minimumLcs(m, n, threshold);
      const prefix = m - need + 1;
      for (let i = 0, occurrence = 0; i < prefix; i++) {
        const token = bag[i]!;
        occurrence = i > 0 && bag[i - 1] === token ? occurrence + 1 : 0;
        const postings = bucket.get(token)?.[occurrence];
        if (!postings) continue;
        for (let k = 0; k < postings.length; k += 2) {
          // The kept item's element must also lie in its own first n - need + 1 elements.
          if (postings[k + 1]! > n - need) continue;
          const item = postings[k]!;
          if (stamps[item] === query) continue;
          stamps[item] = query;
          if (bagsOverlap(bag, bags[item]!, need)) {
            const kept = this.#sequences[item]!;
            if (hasCommonSubsequence(sequence, kept, need)) return (2 * lcsLength(sequence, kept)) / (m + n);
          }
        }
      }
    }
    return undefined;
  }

  #keep({ sequence, bag, fresh }: Encoded): void {
    for (const token of fresh) this.#vocabulary.set(token, this.#vocabulary.size);
    this.#size++;
    const item = this.#sequences.length;
    this.#sequences.push(sequence);
    this.#bags.push(bag);
    for (const id of new Set(sequence)) this.#holders[id] = (this.#holders[id] ?? 0) + 1;
    if (item >= this.#stamps.length) {
      const grown = new Int32Array(this.#stamps.length * 2);
      grown.set(this.#stamps);
      this.#stamps = grown;
    }
    if (this.#sequences.length >= this.#nextRanking) this.#rank();
    else this.#post(item);
  }

  /** Posts the first elements of kept item `item`'s bag to its bucket. */
  #post(item: number): void {
    const bag = this.#bags[item]!;
    const n = bag.length;
    const bucket = (this.#buckets[n] ??= new Map());
    const prefix = n - minimumLcs(n, shortestPartner(n, this.threshold), this.threshold) + 1;
    for (let i = 0, occurrence = 0; i < prefix; i++) {
      const token = bag[i]!;
      occurrence = i > 0 && bag[i - 1] === token ? occurrence + 1 : 0;
      const byOccurrence = bucket.get(token) ?? [];
      if (byOccurrence.length === 0) bucket.set(token, byOccurrence);
      (byOccurrence[occurrence] ??= []).push(item, i);
    }
  }

  /** Ranks every token by how many kept texts hold it, then rebuilds every bag and posting in that order. */
  #rank(): void {
    const ids = Array.from({ length: this.#vocabulary.size }, (_, id) => id);
    ids.sort((left, right) => (this.#holders[right] ?? 0) - (this.#holders[left] ?? 0) || left - right);
    this.#ranks = new Int32Array(ids.length);
    ids.forEach((id, rank) => (this.#ranks[id] = rank));
    this.#ranked = ids.length;
    this.#nextRanking = this.#sequences.length * 2;
    this.#buckets = [];
    for (let item = 0; item < this.#sequences.length; item++) {
      this.#bags[item] = this.#bagOf(this.#sequences[item]!);
      this.#post(item);
    }
  }
}
