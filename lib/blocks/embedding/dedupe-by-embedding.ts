import { type MonoTypeOperatorFunction, defer, finalize, map, mergeMap } from 'rxjs';
import { errorMessage } from '../../error-message.ts';
import type { EmbeddingEngine } from '../../model/embedding-engine.ts';
import { addUsage, passOn, rejected } from '../../outcome.ts';
import type { Accepted, Outcome, RecordIssue, Restored, Usage } from '../../record.ts';
import { embedInOrder } from './embed-in-order.ts';
import { VectorRows } from './vector-rows.ts';

/** How {@link dedupeByEmbedding} reads records and words its rejections. */
export interface EmbeddingDedupeRules<T> {
  /** Embeds the texts: in batches of its `batchSize`, with up to its `callLimit` calls in flight. */
  readonly engine: EmbeddingEngine;
  /** A record is a duplicate when its cosine to a kept record is at least this. */
  readonly threshold: number;
  /**
   * The text to embed of an accepted or restored record, or why it has none (`code` and `message` of the issue
   * that rejects it; a restored record then passes without seeding the kept set).
   */
  readonly textOf: (outcome: Accepted<T> | Restored) => string | { readonly code: string; readonly message: string };
  /** What the messages call the text: `the input`, `the text`. */
  readonly subject: string;
  /** The issues of one rejection, from its code and message (with the block's name, and a path if any). */
  readonly issues: (code: string, message: string) => readonly RecordIssue[];
}

/** One outcome on its way through: its text to embed, or why it has none. */
interface Item<T> {
  readonly outcome: Outcome<T>;
  readonly text?: string;
  readonly problem?: { readonly code: string; readonly message: string };
}

/**
 * The embedding dedupe of `dedup/embedding` and `dedupe({ method: 'embedding' })`: rejects a record whose text
 * embeds within `threshold` (cosine) of a record kept before it (`duplicate`, naming the kept record's id). Texts are
 * embedded by {@link embedInOrder} and decided in arrival order; kept vectors are unit rows of a {@link VectorRows},
 * searched exhaustively. Restored records seed the kept set; rejected records pass. A text that cannot be embedded,
 * or whose vector cannot be compared, rejects its record (`embedding_failed`). The usage of each call goes to the
 * first accepted record embedded in it. Each subscription keeps its own rows, freed when it ends; unsubscribing
 * aborts the calls in flight.
 */
export function dedupeByEmbedding<T>(rules: EmbeddingDedupeRules<T>): MonoTypeOperatorFunction<Outcome<T>> {
  const { engine, threshold, textOf, subject, issues } = rules;
  const itemOf = (outcome: Outcome<T>): Item<T> => {
    if (outcome.status === 'rejected') return { outcome };
    const text = textOf(outcome);
    return typeof text === 'string' ? { outcome, text } : { outcome, problem: text };
  };
  return (source) =>
    defer(() => {
      let rows: VectorRows | undefined = new VectorRows();
      const keptIds: string[] = [];
      // The engine hands back one vector object per text (its cache, and repeats within a call): a text seen
      // again has the same first match, since rows are only ever added after it, so its search is not repeated.
      let matches = new WeakMap<Float32Array, { readonly row: number; readonly cosine: number }>();

      /** Keeps or rejects one record with its vector; a restored record is kept whatever it is near. */
      const decide = (item: Item<T>, vector: Float32Array | undefined, failure: unknown, usage: Usage | undefined): Outcome<T> => {
        const { outcome } = item;
        if (outcome.status === 'rejected' || !rows) return outcome;
        const restored = outcome.status === 'restored';
        if (item.problem !== undefined) return restored ? outcome : rejected(outcome, issues(item.problem.code, item.problem.message));
        if (vector === undefined) return restored ? outcome : rejected(outcome, issues('embedding_failed', `cannot embed ${subject}: ${errorMessage(failure)}`), usage);
        const known = restored ? undefined : matches.get(vector);
        let unit: Float32Array | undefined;
        if (known === undefined) {
          try {
            unit = rows.unit(vector);
          } catch (error) {
            return restored ? outcome : rejected(outcome, issues('embedding_failed', errorMessage(error)), usage);
          }
        }
        const near = known ?? (restored || unit === undefined ? undefined : rows.firstAtLeast(unit, threshold));
        if (near !== undefined) {
          matches.set(vector, near);
          const cosine = Number(near.cosine.toFixed(4));
          return rejected(outcome, issues('duplicate', `${subject} is a near-duplicate of record ${keptIds[near.row]} (cosine ${cosine} >= threshold ${threshold})`), usage);
        }
        const row = rows.add(unit!);
        // A restored row was not searched for: its text's first match may be an earlier row.
        if (!restored) matches.set(vector, { row, cosine: 1 });
        keptIds.push(outcome.id);
        return restored ? outcome : passOn(outcome, outcome.record, usage);
      };

      return source.pipe(
        map(itemOf),
        embedInOrder(engine, (item: Item<T>) => item.text),
        mergeMap((group) => {
          // The call's usage goes to the first accepted record that was embedded in it.
          let spent = group.usage;
          return group.items.map((item, index) => {
            const carries = spent !== undefined && item.outcome.status === 'accepted' && item.text !== undefined;
            const usage = carries ? addUsage(item.outcome.usage, spent) : item.outcome.usage;
            if (carries) spent = undefined;
            return decide(item, group.vectors[index], group.error, usage);
          });
        }),
        finalize(() => {
          rows?.clear();
          rows = undefined;
          matches = new WeakMap();
        }),
      );
    });
}
