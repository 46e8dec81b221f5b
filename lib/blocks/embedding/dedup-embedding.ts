import { z } from 'zod';
import { errorMessage } from '../../error-message.ts';
import { missingEmbeddingConfig } from '../../model/embedding-block.ts';
import type { DataPoint } from '../../record.ts';
import type { BlockDefinition, BlockFields } from '../block-definition.ts';
import { dedupeByEmbedding } from './dedupe-by-embedding.ts';

const fields = {
  /** The embedding model: an `embedding_config` block (`type`, `model_id_or_path`, `base_url`, `batch_size`, ...). */
  embedding_config: z.unknown().optional(),
  /** A record is rejected when its cosine to a kept record is at least this. @default 0.95 */
  threshold: z.number().gt(0).max(1).default(0.95),
};

/** The text of `input`, or why it cannot be embedded (`input_invalid`). */
function inputOf(record: DataPoint, read: (record: DataPoint) => BlockFields): string | { readonly code: string; readonly message: string } {
  const problem = (message: string) => ({ code: 'input_invalid', message });
  let input: unknown;
  try {
    input = read(record)['input'];
  } catch (error) {
    return problem(`cannot read its input: ${errorMessage(error)}`);
  }
  if (typeof input !== 'string') return problem(`its input \`input\` is ${input === null ? 'null' : typeof input}, not a text`);
  if (input.trim() === '') return problem('its input `input` is empty, so there is nothing to embed');
  return input;
}

/**
 * `dedup/embedding`: rejects a record whose `input` is a near-duplicate of a record kept before it, by the cosine of
 * their embeddings (`duplicate`, naming the kept record and the cosine). The first of a group of near-duplicates
 * wins, so the outcome depends on the order records come in. Records restored on resume seed the kept set (their
 * texts are embedded again: free on a rerun with `lm_cache`, a call per batch otherwise); rejected records pass.
 *
 * Texts are embedded in batches of the engine's `batch_size`, with up to its `call_limit` calls in flight, and
 * decided in arrival order. Kept vectors are unit-length `Float32Array` rows (4 bytes a dimension: 100k records of
 * 384 dimensions hold 150 MB), searched exhaustively: exact, and each new record costs one dot product per kept
 * record, so a few milliseconds past 10k kept records. An input that is not a text, is empty or cannot be embedded
 * rejects its record (`input_invalid`, `embedding_failed`); the usage of each call goes to the first record of its
 * batch.
 *
 * ## Example
 * ```yaml
 * - name: dedup
 *   type: dedup/embedding
 *   threshold: 0.95
 *   input_map: { question: input }
 *   embedding_config:
 *     type: openai
 *     model_id_or_path: text-embedding-3-small
 *     batch_size: 256
 * ```
 */
export const dedupEmbeddingBlock: BlockDefinition<typeof fields> = {
  type: 'dedup/embedding',
  summary: 'rejects records whose input embeds within a cosine threshold of a record kept before it',
  fields,
  inputs: { required: ['input'] },
  create(config, context) {
    const place = { file: context.file, field: `${context.field}.embedding_config` };
    if (config.embedding_config === undefined) throw missingEmbeddingConfig(place);
    const engine = context.embedder(config.embedding_config, 'embedding_config');
    const { name, threshold } = config;
    const issue = (code: string, message: string) => [{ code, message: `block \`${name}\`: ${message}`, block: name }];
    return {
      kind: 'operator',
      operator: (read) => dedupeByEmbedding<DataPoint>({ engine, threshold, subject: 'the input', textOf: (outcome) => inputOf(outcome.record, read), issues: issue, name }),
    };
  },
};
