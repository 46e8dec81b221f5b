import { z } from 'zod';
import { MinHashIndex } from '../../text/minhash-index.ts';
import type { BlockDefinition } from '../block-definition.ts';
import { shownScore, similarityOperator } from './similarity-internals.ts';

const fields = {
  /** Jaccard similarity of the word-shingle sets at or above which a record is a near-duplicate, in (0, 1]. */
  threshold: z.number().gt(0).max(1).default(0.8),
  /** Words per shingle. */
  shingle_size: z.number().int().min(1).default(3),
  /** MinHash signature length. */
  num_permutations: z.number().int().min(1).max(1024).default(64),
};

/**
 * `dedup/minhash`: near-duplicate removal for large runs, by MinHash-LSH over word shingles. Each record's `input`
 * text becomes the set of its `shingle_size`-word shingles (Unicode word tokens; Han, kana, Hangul and Thai letters
 * one per token), and is dropped (or, without `filter`, marked) when its Jaccard similarity to a text kept before it
 * reaches `threshold`. Texts sharing a band of their `num_permutations`-value MinHash signature are candidates;
 * each candidate is verified by the exact Jaccard of the shingle sets (kept texts of more than `num_permutations`
 * shingles keep only their signature and are verified by the estimated Jaccard). A near-duplicate at the threshold
 * is found with probability >= 0.99, more above it; exact duplicates always. Memory is flat typed arrays: about 200
 * bytes per kept text plus its shingle hashes (at most 4·`num_permutations` bytes).
 *
 * 3-word shingles by default, not the 5 of web-scale dedupe: generated records are short, and one edited word
 * changes up to `shingle_size` shingles, so a one-word edit keeps Jaccard >= 0.8 from about 29 words with 3-word
 * shingles but only from about 49 words with 5-word ones.
 *
 * With `filter: true` (the default) a near-duplicate is rejected with code `duplicate` and not kept; with
 * `filter: false` every record passes with `is_valid` (and, for a near-duplicate, `metadata: { score, reason }`).
 * Records restored on resume are kept unchecked.
 *
 * ## Example
 * ```yaml
 * - name: fuzzy_dedup
 *   type: dedup/minhash
 *   threshold: 0.8
 *   shingle_size: 3
 *   num_permutations: 64
 *   input_map:
 *     instruction: input
 * ```
 * Writes: nothing with `filter: true`; `is_valid` and `metadata` with `filter: false`.
 */
export const minHashDedupBlock: BlockDefinition<typeof fields> = {
  type: 'dedup/minhash',
  summary: 'drops records whose word-shingle Jaccard similarity to a kept record reaches the threshold (MinHash-LSH)',
  fields,
  inputs: { required: ['input'] },
  validator: true,
  filterByDefault: true,
  create(config) {
    const { threshold } = config;
    const keptTexts = () => new MinHashIndex({ threshold, shingleSize: config.shingle_size, permutations: config.num_permutations });
    const duplicate = (score: number) => `word-shingle Jaccard ${shownScore(score, threshold)} >= threshold ${threshold} to a text kept earlier`;
    return { kind: 'operator', operator: (read) => similarityOperator({ config, keptTexts, duplicate }, read) };
  },
};
