import { ExactTextSet } from '../../text/exact-text-set.ts';
import type { BlockDefinition } from '../block-definition.ts';
import { similarityOperator } from './similarity-internals.ts';

const fields = {};

/**
 * `dedup/exact`: drops (or, without `filter`, marks) records whose `input` text equals, after trimming, the text of a
 * record kept before it, in stream order. Only a 64-bit hash of each kept text is stored (16 to 32 bytes, however long
 * the text; a false duplicate by hash collision has probability about k²/2⁶⁵ over k kept texts). Case, inner spaces
 * and punctuation count: use `rouge_scorer` with `threshold: 1.0` to ignore them.
 *
 * With `filter: true` (the default) a duplicate is rejected with code `duplicate` and not kept; with `filter: false`
 * every record passes with `is_valid` (and, for a duplicate, `metadata: { score: 1, reason }`). Records restored on
 * resume are kept unchecked.
 *
 * ## Example
 * ```yaml
 * - name: exact_dedup
 *   type: dedup/exact
 *   input_map:
 *     answer: input
 * ```
 * Writes: nothing with `filter: true`; `is_valid` and `metadata` with `filter: false`.
 */
export const exactDedupBlock: BlockDefinition<typeof fields> = {
  type: 'dedup/exact',
  summary: 'drops records whose text (trimmed) equals the text of a kept record, by 64-bit hashes',
  fields,
  inputs: { required: ['input'] },
  validator: true,
  filterByDefault: true,
  create: (config) => ({
    kind: 'operator',
    operator: (read) =>
      similarityOperator({ config, keptTexts: () => new ExactTextSet(), duplicate: () => 'the text (trimmed) equals a text kept earlier' }, read),
  }),
};
