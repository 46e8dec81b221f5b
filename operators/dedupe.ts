import { type MonoTypeOperatorFunction, defer, finalize, map } from 'rxjs';
import { z } from 'zod';
import { errorMessage } from '../lib/error-message.ts';
import { rejected } from '../lib/outcome.ts';
import { parseConfig } from '../lib/parse-config.ts';
import type { Outcome, RecordIssue } from '../lib/record.ts';
import { fnv1a64 } from '../lib/text/fnv1a-64.ts';
import { HashSet64 } from '../lib/text/hash-set-64.ts';
import { SimilarityIndex } from '../lib/text/similarity-index.ts';

/** Config of {@link dedupe}. */
export interface DedupeConfig<T> {
  /** Block name in issues and reject files. @default 'dedup' */
  readonly name?: string;
  /** The text to compare: a field name of the record, or a function returning it (restored records are passed as read from disk). */
  readonly key: string | ((record: T) => string);
  /**
   * A record is kept only if its Rouge-L F1 to every kept record is below this; 1 removes exact
   * (token-sequence) duplicates, above 1 (DGT uses 1.1) keeps everything. Ignored by `exact`. @default 1
   */
  readonly threshold?: number;
  /** `rouge-l` compares tokens by Rouge-L F1; `exact` compares trimmed strings. @default 'rouge-l' */
  readonly method?: 'rouge-l' | 'exact';
}

const dedupeConfigSchema = z.strictObject({
  name: z.string().min(1).default('dedup'),
  key: z.custom<string | ((record: unknown) => string)>(
    (value) => (typeof value === 'string' && value !== '') || typeof value === 'function',
    { error: (issue) => `expected a field name or a function, received ${typeof issue.input}` },
  ),
  threshold: z.number().positive().default(1),
  method: z.enum(['rouge-l', 'exact']).default('rouge-l'),
});

/** Kept texts of one subscription: `admit` keeps a text or returns the similarity of its near-duplicate. */
interface Seen {
  admit(text: string): number | undefined;
  add(text: string): void;
  clear(): void;
}

/** `exact`: the 64-bit hashes of the kept trimmed texts, not the texts. */
function exactSeen(): Seen {
  const hashes = new HashSet64();
  const hash = new Uint32Array(2);
  const keep = (text: string): boolean => {
    fnv1a64(text.trim(), hash);
    return hashes.add(hash[0]!, hash[1]!);
  };
  return {
    admit: (text) => (keep(text) ? undefined : 1),
    add: (text) => void keep(text),
    clear: () => hashes.clear(),
  };
}

/**
 * Rejects records whose text is a near-duplicate of a record kept earlier, as DGT's Rouge dedup block does.
 *
 * Keeps a record only if its Rouge-L F1 to every kept record is below `threshold`. Rejections are data
 * (code `duplicate`); records restored on resume seed the kept set; rejected records pass through. Each
 * subscription keeps its own set, freed when it ends. A key that cannot be read rejects the record with
 * code `dedupe_key_invalid` (a restored record then passes through without seeding).
 *
 * Exact comparisons (`method: 'exact'`, and `rouge-l` at threshold 1) keep only a 64-bit hash per kept
 * record (16 to 32 bytes), not its text, so memory stays flat however long the texts. Two different
 * texts sharing a hash would reject the later one as `duplicate` (visible in `blocks/dedup.jsonl`): the
 * chance of any such collision is about n²/2⁶⁵ over n kept records, 3·10⁻⁸ at a million.
 *
 * ## Example
 * ```ts
 * import { of } from 'rxjs';
 * import { accepted, dedupe } from 'rxdgt';
 * of(accepted(0, { q: 'What is the capital of France?' }), accepted(1, { q: 'what is the capital of france' }))
 *   .pipe(dedupe({ key: 'q', threshold: 0.9 }))
 *   .subscribe((outcome) => console.log(outcome.status));
 * // accepted
 * // rejected (issue: duplicate, "Rouge-L 1 >= threshold 0.9 to a kept record")
 * ```
 *
 * @see generate
 * @param config The text to compare, the threshold and the method.
 * @returns An operator that passes outcomes through, rejecting near-duplicates.
 * @throws {ConfigError} When the config is invalid, at the factory call.
 */
export function dedupe<T>(config: DedupeConfig<T>): MonoTypeOperatorFunction<Outcome<T>> {
  const { name, key, threshold, method } = parseConfig('dedupe', dedupeConfigSchema, config);
  if (method === 'rouge-l' && threshold > 1) return (source) => source;
  const path = typeof key === 'string' ? [key] : undefined;
  const textOf = (record: unknown): string => {
    const text = typeof key === 'string' ? (record as Record<string, unknown> | null | undefined)?.[key] : key(record);
    if (typeof text === 'string') return text;
    throw new TypeError(`${path ? `field \`${key as string}\`` : '`key` function result'} is ${typeof text}, expected a string`);
  };
  const issue = (code: string, message: string): RecordIssue => (path ? { code, message, block: name, path } : { code, message, block: name });
  const duplicate = (similarity: number): RecordIssue => {
    if (method === 'exact') return issue('duplicate', 'exact duplicate of a kept record');
    // Two decimals, unless rounding would show a value below the threshold.
    const shown = Number(similarity.toFixed(2)) >= threshold ? Number(similarity.toFixed(2)) : Number(similarity.toPrecision(6));
    return issue('duplicate', `Rouge-L ${shown} >= threshold ${threshold} to a kept record`);
  };

  return (source) =>
    defer(() => {
      let seen: Seen | undefined = method === 'exact' ? exactSeen() : new SimilarityIndex(threshold);
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
