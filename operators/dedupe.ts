import { type MonoTypeOperatorFunction, defer, finalize, map } from 'rxjs';
import { z } from 'zod';
import { dedupeByEmbedding } from '../lib/blocks/embedding/dedupe-by-embedding.ts';
import { errorMessage } from '../lib/error-message.ts';
import { type EmbeddingEngine, embeddingEngineMarker } from '../lib/model/embedding-engine.ts';
import { rejected } from '../lib/outcome.ts';
import { parseConfig } from '../lib/parse-config.ts';
import type { Accepted, Outcome, RecordIssue, Restored } from '../lib/record.ts';
import { ExactTextSet } from '../lib/text/exact-text-set.ts';
import { MinHashIndex } from '../lib/text/minhash-index.ts';
import { SimilarityIndex } from '../lib/text/similarity-index.ts';

/** Config of {@link dedupe}. */
export interface DedupeConfig<T> {
  /** Block name in issues and reject files. @default 'dedup' */
  readonly name?: string;
  /**
   * The text to compare: a field of the record (a typo is a type error on a typed record), or a function returning
   * it. Restored records are passed as read from disk.
   */
  readonly key: (keyof T & string) | ((record: T) => string);
  /**
   * `rouge-l`: a record is kept only if its Rouge-L F1 to every kept record is below this; 1 removes exact
   * (token-sequence) duplicates. `minhash`: the same with the Jaccard similarity of word-shingle sets. `embedding`:
   * the same with the cosine of the texts' embeddings. Above 1 (DGT uses 1.1) keeps everything. Ignored by `exact`.
   * @default 1 (`rouge-l`), 0.8 (`minhash`), 0.95 (`embedding`, as the `dedup/embedding` block)
   */
  readonly threshold?: number;
  /**
   * `rouge-l` compares tokens by Rouge-L F1, exactly; `exact` compares trimmed strings; `minhash` estimates word-shingle
   * Jaccard by MinHash-LSH, then verifies the candidates, for millions of records; `embedding` compares the cosine of
   * the texts' embeddings by `engine`, as the `dedup/embedding` block does. @default 'rouge-l'
   */
  readonly method?: 'rouge-l' | 'exact' | 'minhash' | 'embedding';
  /** `embedding` only, and required by it: the engine that embeds the texts (its `batchSize` and `callLimit` apply). */
  readonly engine?: EmbeddingEngine;
  /** `minhash` only: words per shingle. @default 3 */
  readonly shingleSize?: number;
  /** `minhash` only: MinHash signature length. @default 64 */
  readonly permutations?: number;
}

const dedupeConfigSchema = z
  .strictObject({
    name: z.string().min(1).default('dedup'),
    key: z.custom<string | ((record: unknown) => string)>(
      (value) => (typeof value === 'string' && value !== '') || typeof value === 'function',
      { error: (issue) => `expected a field name or a function, received ${typeof issue.input}` },
    ),
    threshold: z.number().positive().optional(),
    method: z.enum(['rouge-l', 'exact', 'minhash', 'embedding']).default('rouge-l'),
    shingleSize: z.number().int().min(1).optional(),
    permutations: z.number().int().min(1).max(1024).optional(),
    engine: z
      .custom<EmbeddingEngine>((value) => typeof value === 'object' && value !== null && embeddingEngineMarker in value, {
        error: (issue) => `expected an EmbeddingEngine (createEmbeddingEngine), received ${issue.input === null ? 'null' : typeof issue.input}`,
      })
      .optional(),
  })
  .superRefine((config, context) => {
    if (config.method === 'embedding' && config.engine === undefined) {
      context.addIssue({ code: 'custom', path: ['engine'], message: 'is required by method `embedding`: an EmbeddingEngine (createEmbeddingEngine)' });
    }
    if (config.method !== 'embedding' && config.engine !== undefined) {
      context.addIssue({ code: 'custom', path: ['engine'], message: `applies to method \`embedding\` only, not \`${config.method}\`` });
    }
    for (const field of ['shingleSize', 'permutations'] as const) {
      if (config[field] !== undefined && config.method !== 'minhash') {
        context.addIssue({ code: 'custom', path: [field], message: `applies to method \`minhash\` only, not \`${config.method}\`` });
      }
    }
  });

/** The threshold of each method when the config gives none. */
const defaultThresholds = { 'rouge-l': 1, exact: 1, minhash: 0.8, embedding: 0.95 } as const;

/** Kept texts of one subscription: `admit` keeps a text or returns the similarity of its near-duplicate. */
interface Seen {
  admit(text: string): number | undefined;
  add(text: string): void;
  clear(): void;
}

/**
 * Rejects records whose text is a near-duplicate of a record kept earlier, as DGT's Rouge dedup block does.
 *
 * Keeps a record only if its similarity to every kept record is below `threshold`: Rouge-L F1 over Unicode word
 * tokens (`rouge-l`, exact, through an index that skips texts that cannot reach the threshold), the Jaccard
 * similarity of 3-word shingle sets (`minhash`: MinHash-LSH candidates, each verified, for millions of records),
 * equality of trimmed strings (`exact`), or the cosine of the texts' embeddings (`embedding`, by `engine`, as the
 * `dedup/embedding` block: texts embedded in batches of the engine's `batchSize` with up to its `callLimit` calls in
 * flight, decided in arrival order; a text that cannot be embedded rejects its record with `embedding_failed`, and
 * unsubscribing aborts the calls in flight). Rejections are data (code `duplicate`); records restored on resume seed
 * the kept set; rejected records pass through. Each subscription keeps its own set, freed when it ends. A key that
 * cannot be read (or, for `embedding`, an empty text) rejects the record with code `dedupe_key_invalid` (a restored
 * record then passes through without seeding).
 *
 * Exact comparisons (`method: 'exact'`, and `rouge-l` at threshold 1) keep only a 64-bit hash per kept
 * record (16 to 32 bytes), not its text, so memory stays flat however long the texts. Two different
 * texts sharing a hash would reject the later one as `duplicate` (visible in `blocks/dedup.jsonl`): the
 * chance of any such collision is about n²/2⁶⁵ over n kept records, 3·10⁻⁸ at a million. `minhash` keeps about
 * 200 bytes per kept record plus its shingle hashes (at most 4·`permutations` bytes), and finds a near-duplicate at
 * the threshold with probability >= 0.99 (more above it); exact duplicates always. `embedding` keeps a unit
 * `Float32Array` row per kept record (4 bytes a dimension), searched exhaustively.
 *
 * ## Example
 * ```ts
 * import { of } from 'rxjs';
 * import { accepted, dedupe } from 'rxdgt';
 * of(accepted('0', { q: 'What is the capital of France?' }), accepted('1', { q: 'what is the capital of france' }))
 *   .pipe(dedupe({ key: 'q', threshold: 0.9 }))
 *   .subscribe((outcome) => console.log(outcome.status));
 * // accepted
 * // rejected (issue: duplicate, "Rouge-L 1 >= threshold 0.9 to a kept record")
 * // With `{ key: 'q', method: 'minhash' }` (Jaccard 0.8 of 3-word shingles): the same.
 * // With `{ key: 'q', method: 'embedding', engine: createEmbeddingEngine(createOpenAIEmbedding({ modelId: 'text-embedding-3-small' })) }`
 * // (cosine 0.95): the same, the issue naming the kept record ("the text is a near-duplicate of record 0 (cosine 0.98 >= threshold 0.95)").
 * ```
 *
 * @see generate
 * @param config The text to compare, the threshold and the method.
 * @returns An operator that passes outcomes through, rejecting near-duplicates.
 * @throws {ConfigError} When the config is invalid, at the factory call.
 */
export function dedupe<T>(config: DedupeConfig<T>): MonoTypeOperatorFunction<Outcome<T>> {
  const { name, key, method, shingleSize, permutations, engine, ...rest } = parseConfig('dedupe', dedupeConfigSchema, config);
  const threshold = rest.threshold ?? defaultThresholds[method];
  if (method !== 'exact' && threshold > 1) return (source) => source;
  const path = typeof key === 'string' ? [key] : undefined;
  const textOf = (record: unknown): string => {
    const text = typeof key === 'string' ? (record as Record<string, unknown> | null | undefined)?.[key] : key(record);
    if (typeof text === 'string') return text;
    throw new TypeError(`${path ? `field \`${key as string}\`` : '`key` function result'} is ${typeof text}, expected a string`);
  };
  const issue = (code: string, message: string): RecordIssue => (path ? { code, message, block: name, path } : { code, message, block: name });
  if (method === 'embedding') {
    const textToEmbed = (outcome: Accepted<T> | Restored) => {
      const problem = (message: string) => ({ code: 'dedupe_key_invalid', message });
      let text: string;
      try {
        text = textOf(outcome.record);
      } catch (error) {
        return problem(`cannot read the text to compare: ${errorMessage(error)}`);
      }
      return text.trim() === '' ? problem('the text to compare is empty, so there is nothing to embed') : text;
    };
    return dedupeByEmbedding<T>({ engine: engine!, threshold, subject: 'the text', textOf: textToEmbed, issues: (code, message) => [issue(code, message)] });
  }
  const measure = method === 'minhash' ? 'Jaccard' : 'Rouge-L';
  const duplicate = (similarity: number): RecordIssue => {
    if (method === 'exact') return issue('duplicate', 'exact duplicate of a kept record');
    // Two decimals, unless rounding would show a value below the threshold.
    const shown = Number(similarity.toFixed(2)) >= threshold ? Number(similarity.toFixed(2)) : Number(similarity.toPrecision(6));
    return issue('duplicate', `${measure} ${shown} >= threshold ${threshold} to a kept record`);
  };
  const keptSet = (): Seen => {
    if (method === 'exact') return new ExactTextSet();
    if (method === 'minhash') return new MinHashIndex({ threshold, shingleSize, permutations });
    return new SimilarityIndex(threshold);
  };

  return (source) =>
    defer(() => {
      let seen: Seen | undefined = keptSet();
      return source.pipe(
        map((outcome): Outcome<T> => {
          if (outcome.status === 'rejected' || !seen) return outcome;
          let text: string;
          try {
            text = textOf(outcome.record);
          } catch (error) {
            if (outcome.status === 'restored') return outcome;
            return rejected(outcome, [issue('dedupe_key_invalid', `cannot read the text to compare: ${errorMessage(error)}`)]);
          }
          if (outcome.status === 'restored') {
            seen.add(text);
            return outcome;
          }
          const similarity = seen.admit(text);
          return similarity === undefined ? outcome : rejected(outcome, [duplicate(similarity)]);
        }),
        finalize(() => {
          seen?.clear();
          seen = undefined;
        }),
      );
    });
}
