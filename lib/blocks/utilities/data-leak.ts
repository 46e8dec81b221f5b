import { z } from 'zod';
import type { BlockDefinition } from '../block-definition.ts';
import { leakScore } from './data-leak-score.ts';
import { describeValue } from './describe-value.ts';

const fields = {
  /** Leak score at or above which a record is invalid; above 1 (or null) turns the check off. @default 1.1 */
  threshold: z.number().nullable().default(1.1),
  /** Reference texts for every record (DGT's execute-time `context`); when set, `local_context` is not read. */
  context: z.union([z.string(), z.array(z.string())]).optional(),
  /** Weight of the penalty for matched words far apart in the text. @default 0.2 */
  adjacency_penalty_weight: z.number().min(0).max(1).default(0.2),
  /** Weight of the penalty for gaps that differ between the text and the reference. @default 0.2 */
  distance_consistency_penalty_weight: z.number().min(0).max(1).default(0.2),
  /** Matched words that score `score_leak_baseline`. @default 6 */
  word_leak_count_baseline: z.number().positive().default(6),
  /** Score of a match of `word_leak_count_baseline` words. @default 0.7 */
  score_leak_baseline: z.number().min(0).max(1).default(0.7),
  /** Lowest weight of a matched stop word. @default 0.5 */
  base_stop_word_w: z.number().min(0).max(1).default(0.5),
  /** How much matches besides the best add to the score. @default 1 */
  alpha: z.number().min(0).default(1),
};

/**
 * DGT's `validators/data_leak`: rejects generated text that copies its reference texts (seed examples, a RAG
 * context), by a modified Rouge-L score in [0, 1] (see {@link leakScore}). A record is invalid when its score
 * reaches `threshold`. It reads `input` (the text) and `local_context` (a string or a list of them) unless the
 * block sets `context`; a record with neither fails. It writes `metadata: { score }` (and `reason` when invalid),
 * or nothing while `threshold` is above 1.
 *
 * ## Example
 * ```yaml
 * - name: leak_check
 *   type: validators/data_leak
 *   threshold: 0.55
 *   filter: true
 *   input_map: { answer: input, seed_answers: local_context }
 * ```
 */
export const dataLeakBlock: BlockDefinition<typeof fields> = {
  type: 'validators/data_leak',
  summary: 'rejects text that copies its reference texts (modified Rouge-L leak score)',
  fields,
  inputs: { required: ['input'], optional: ['local_context'] },
  validator: true,
  create: (config) => {
    const shared = typeof config.context === 'string' ? [config.context] : (config.context ?? []);
    const { threshold } = config;
    const settings = {
      adjacencyPenaltyWeight: config.adjacency_penalty_weight,
      distanceConsistencyPenaltyWeight: config.distance_consistency_penalty_weight,
      wordLeakCountBaseline: config.word_leak_count_baseline,
      scoreLeakBaseline: config.score_leak_baseline,
      baseStopWordWeight: config.base_stop_word_w,
      alpha: config.alpha,
    };
    return {
      kind: 'validator',
      check: (input) => {
        const references = shared.length > 0 ? shared : referencesOf(input.local_context);
        if (threshold === null || threshold > 1) return { valid: true };
        if (typeof input.input !== 'string') throw new TypeError(`\`input\` is ${describeValue(input.input)}, expected the text to check`);
        const score = leakScore(input.input, references, settings);
        if (score < threshold) return { valid: true, metadata: { score } };
        const reason = `the text repeats its reference texts: leak score ${score} reaches the threshold ${threshold}`;
        return { valid: false, code: 'data_leak', reason, metadata: { score, reason } };
      },
    };
  },
};

function referencesOf(local: unknown): readonly string[] {
  const list = typeof local === 'string' ? [local] : local;
  if (list === undefined || list === null || (Array.isArray(list) && list.length === 0)) {
    throw new Error('no reference texts: the record has no `local_context` and the block sets no `context`');
  }
  if (!Array.isArray(list)) throw new TypeError(`\`local_context\` is ${describeValue(list)}, expected a text or a list of texts`);
  const wrong = list.findIndex((item) => typeof item !== 'string');
  if (wrong >= 0) throw new TypeError(`\`local_context[${wrong}]\` is ${describeValue(list[wrong])}, expected a text`);
  return list as readonly string[];
}
