import { z } from 'zod';
import { RougeIndex } from '../../text/rouge-index.ts';
import { type RougeOptions, type RougeType, type ScoreFunction, rougeScore } from '../../text/rouge-score.ts';
import { SimilarityIndex } from '../../text/similarity-index.ts';
import type { BlockDefinition, BlockFields } from '../block-definition.ts';
import { type Finding, type KeptTexts, shownScore, similarityOperator } from './similarity-internals.ts';

const rougeTypes = ['lcs', 'n_1', 'n_2', 'n_3'] as const;

const fields = {
  /** A record is a duplicate when its score to a kept (or context) text is >= this; `null` or above 1 turns it off. */
  threshold: z
    .number()
    .gt(0)
    .nullable()
    .default(1.1)
    .transform((threshold) => threshold ?? 1.1),
  /** DGT's early-exit switch; accepted for compatibility: scores here are always exact. */
  fast_rouge: z.boolean().default(true),
  score_func: z.enum(['f1', 'precision', 'recall']).default('f1'),
  /** Rouge kinds, averaged: `lcs` (Rouge-L), `n_1`, `n_2`, `n_3` (Rouge-N over distinct n-grams). */
  rouge_types: z
    .array(z.string().trim().pipe(z.enum(rougeTypes)))
    .min(1)
    .nullable()
    .default(['lcs'])
    .transform((types): RougeType[] => types ?? ['lcs']),
  /** Texts every record is also compared with (DGT's `context`), before the kept ones. */
  context: z.array(z.string()).default([]),
};

const kindNames: Record<RougeType, string> = { lcs: 'Rouge-L', n_1: 'Rouge-1', n_2: 'Rouge-2', n_3: 'Rouge-3' };
const functionNames: Record<ScoreFunction, string> = { f1: 'F1', precision: 'precision', recall: 'recall' };

/** `Rouge-L F1`, `Rouge-2 precision`, `mean Rouge-L, Rouge-1 F1`. */
function labelOf({ types, scoreFunction }: RougeOptions): string {
  const kinds = types.map((type) => kindNames[type]).join(', ');
  return `${types.length > 1 ? 'mean ' : ''}${kinds} ${functionNames[scoreFunction]}`;
}

/** The record's own context texts (input `context`): a text, a list of texts, or absent. */
function contextTexts(value: unknown): readonly string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((text) => typeof text === 'string')) return value as string[];
  throw new TypeError("the block's `context` input must be a text or a list of texts");
}

/**
 * DGT's `rouge_scorer`: drops (or, without `filter`, marks) records whose text is too Rouge-similar to a text kept
 * before it. Each record's `input` is scored against the `context` texts, then against the record's own `context`
 * input, then against every earlier kept text, in stream order: the score is `score_func` (`f1`, `precision` =
 * shared / kept text, `recall` = shared / new text) of each of `rouge_types`, averaged, over Unicode word tokens
 * (Han, kana, Hangul and Thai letters one per token). A score >= `threshold` makes a duplicate. Scores are exact: an
 * index skips only the kept texts that cannot reach the threshold (Rouge-L F1 alone uses the faster Rouge-L index).
 *
 * With `filter: true` a duplicate is rejected (code `duplicate`) and not kept. With `filter: false` (DGT's default)
 * every record passes with `is_valid` (and, for a duplicate, `metadata: { score, reason }`), and every record is
 * kept, duplicates included. Records restored on resume are kept unchecked. Unlike DGT, which takes a batch at a time
 * and ranks it by dissimilarity to its context first, records are taken in the order they come; the `score` is that of
 * the first text found at or above the threshold (DGT: the highest), and kept records get no score. Rouge-N counts
 * every n-gram (DGT's loop skips each text's last one).
 *
 * ## Example
 * ```yaml
 * - name: dedup
 *   type: rouge_scorer
 *   filter: true
 *   threshold: 0.7          # null or above 1 (DGT's default 1.1): off
 *   score_func: f1          # f1 | precision | recall
 *   rouge_types: [lcs]      # any of lcs, n_1, n_2, n_3; averaged
 *   input_map:
 *     question: input       # the text compared; optional `context`: a text or list of texts of the record
 * ```
 * Writes: nothing with `filter: true`; `is_valid` and `metadata` (with `output_map` renames) with `filter: false`.
 */
export const rougeScorerBlock: BlockDefinition<typeof fields> = {
  type: 'rouge_scorer',
  summary: 'drops records whose text is too Rouge-similar (Rouge-L or Rouge-N, F1, precision or recall) to a kept text',
  fields,
  inputs: { required: ['input'], optional: ['context'] },
  validator: true,
  filterByDefault: false,
  create(config) {
    const { threshold } = config;
    const options: RougeOptions = { types: config.rouge_types, scoreFunction: config.score_func };
    const label = labelOf(options);
    const rougeLF1 = options.scoreFunction === 'f1' && options.types.every((type) => type === 'lcs');
    const index = (): KeptTexts & { find(text: string): number | undefined } =>
      rougeLF1 ? new SimilarityIndex(threshold) : new RougeIndex(threshold, options);
    const reason = (score: number, against: string): string => `${label} ${shownScore(score, threshold)} >= threshold ${threshold} to ${against}`;
    const fixedContext = config.context.length > 0 && threshold <= 1 ? index() : undefined;
    config.context.forEach((text) => fixedContext?.add(text));

    const check = (text: string, inputs: BlockFields): Finding | undefined => {
      if (threshold > 1) return undefined;
      const own = contextTexts(inputs['context']);
      const fixed = fixedContext?.find(text);
      if (fixed !== undefined) return { score: fixed, reason: reason(fixed, 'a `context` text') };
      for (const [position, other] of own.entries()) {
        const score = rougeScore(text, other, options);
        if (score >= threshold) return { score, reason: reason(score, `the record's context text ${position + 1}`) };
      }
      return undefined;
    };
    return {
      kind: 'operator',
      operator: (read) => similarityOperator({ config, keptTexts: index, duplicate: (score) => reason(score, 'a text kept earlier'), check, keepsNothing: threshold > 1 }, read),
    };
  },
};
