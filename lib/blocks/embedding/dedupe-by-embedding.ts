import { type MonoTypeOperatorFunction, concatMap, defer, finalize, from, map, mergeMap, of } from 'rxjs';
import { sharedKeptLogOf } from '../../distributed/dedupe-sharing.ts';
import { KeptLogCursor, recordOwners } from '../../distributed/kept-log-cursor.ts';
import { errorMessage } from '../../error-message.ts';
import type { EmbeddingEngine } from '../../model/embedding-engine.ts';
import { addUsage, passOn, rejected } from '../../outcome.ts';
import type { Accepted, Outcome, RecordIssue, Restored, Usage } from '../../record.ts';
import { embedInOrder } from './embed-in-order.ts';
import { keptVectorEntry, readKeptVectorEntry } from './kept-vector-entry.ts';
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
  /**
   * The block's name: its kept set is shared across processes under it when dedupe is shared (`shareDedupe`);
   * without one, the set stays local.
   */
  readonly name?: string | undefined;
}

/** One outcome on its way through: its text to embed, or why it has none. */
interface Item<T> {
  readonly outcome: Outcome<T>;
  readonly text?: string;
  readonly problem?: { readonly code: string; readonly message: string };
}

/** A record with a vector to decide on: its unit vector, and the usage it carries. */
interface Pending<T> {
  readonly pending: true;
  readonly outcome: Accepted<T> | Restored;
  readonly vector: Float32Array;
  readonly unit: Float32Array;
  readonly usage: Usage | undefined;
}

/**
 * The embedding dedupe of `dedup/embedding` and `dedupe({ method: 'embedding' })`: rejects a record whose text
 * embeds within `threshold` (cosine) of a record kept before it (`duplicate`, naming the kept record's id). Texts are
 * embedded by {@link embedInOrder} and decided in arrival order; kept vectors are unit rows of a {@link VectorRows},
 * searched exhaustively. Restored records seed the kept set; rejected records pass. A text that cannot be embedded,
 * or whose vector cannot be compared, rejects its record (`embedding_failed`). The usage of each call goes to the
 * first accepted record embedded in it. Each subscription keeps its own rows, freed when it ends; unsubscribing
 * aborts the calls in flight. With a `name`, while dedupe is shared across processes (`shareDedupe`), the rows
 * follow the kept log of the block's scope (read when subscribed): each kept record appends its id and unit vector,
 * and records are decided one at a time, in order, against every record kept anywhere before.
 */
export function dedupeByEmbedding<T>(rules: EmbeddingDedupeRules<T>): MonoTypeOperatorFunction<Outcome<T>> {
  const { engine, threshold, textOf, subject, issues, name } = rules;
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
      const log = name === undefined ? undefined : sharedKeptLogOf(name);

      const duplicateOf = (outcome: Accepted<T>, near: { readonly row: number; readonly cosine: number }, usage: Usage | undefined): Outcome<T> => {
        const cosine = Number(near.cosine.toFixed(4));
        return rejected(outcome, issues('duplicate', `${subject} is a near-duplicate of record ${keptIds[near.row]?.replace(/#\d+$/, '')} (cosine ${cosine} >= threshold ${threshold})`), usage);
      };

      /** The outcome itself when decided without the kept rows, else its unit vector to search them with. */
      const prepare = (item: Item<T>, vector: Float32Array | undefined, failure: unknown, usage: Usage | undefined): Outcome<T> | Pending<T> => {
        const { outcome } = item;
        if (outcome.status === 'rejected' || !rows) return outcome;
        const restored = outcome.status === 'restored';
        if (item.problem !== undefined) return restored ? outcome : rejected(outcome, issues(item.problem.code, item.problem.message));
        if (vector === undefined) return restored ? outcome : rejected(outcome, issues('embedding_failed', `cannot embed ${subject}: ${errorMessage(failure)}`), usage);
        const known = restored ? undefined : matches.get(vector);
        if (known !== undefined) return duplicateOf(outcome as Accepted<T>, known, usage);
        try {
          return { pending: true, outcome, vector, unit: rows.unit(vector), usage };
        } catch (error) {
          return restored ? outcome : rejected(outcome, issues('embedding_failed', errorMessage(error)), usage);
        }
      };

      /** The first kept row near a pending record's vector (none for a restored one, which is kept whatever it is near). */
      const nearest = ({ outcome, vector, unit }: Pending<T>): { readonly row: number; readonly cosine: number } | undefined => {
        if (outcome.status === 'restored') return undefined;
        const near = rows!.firstAtLeast(unit, threshold);
        if (near !== undefined) matches.set(vector, near);
        return near;
      };

      /** The outcome of a pending record once its vector is the last row kept. */
      const kept = ({ outcome, vector, usage }: Pending<T>): Outcome<T> => {
        if (outcome.status === 'restored') return outcome;
        // A restored row was not searched for: its text's first match may be an earlier row.
        matches.set(vector, { row: rows!.size - 1, cosine: 1 });
        return passOn(outcome, outcome.record, usage);
      };

      const decideHere = (step: Outcome<T> | Pending<T>): Outcome<T> => {
        if (!('pending' in step)) return step;
        const near = nearest(step);
        if (near !== undefined) return duplicateOf(step.outcome as Accepted<T>, near, step.usage);
        rows!.add(step.unit);
        keptIds.push(step.outcome.id);
        return kept(step);
      };

      const cursor =
        log &&
        new KeptLogCursor(log, (entry) => {
          if (!rows) return;
          const { id, unit } = readKeptVectorEntry(entry);
          if (rows.dimensions !== 0 && unit.length !== rows.dimensions) throw new TypeError(`a kept record (${id}) has ${unit.length} dimensions, and the rows ${rows.dimensions}`);
          rows.add(unit);
          keptIds.push(id);
        });
      const ownerOf = log && recordOwners();
      const decideShared = (step: Outcome<T> | Pending<T>): Promise<Outcome<T>> | Outcome<T> => {
        if (!('pending' in step)) return step;
        const owner = ownerOf!(step.outcome.id);
        return cursor!.decide(owner, () => {
          if (!rows) return { decision: step.outcome, entry: undefined };
          if (rows.dimensions !== 0 && step.unit.length !== rows.dimensions) {
            const message = `the embedding has ${step.unit.length} dimensions, and the ones kept ${rows.dimensions}`;
            return { decision: step.outcome.status === 'restored' ? step.outcome : rejected(step.outcome, issues('embedding_failed', message), step.usage), entry: undefined };
          }
          const near = nearest(step);
          // The same input kept this record before (a job run again after its worker died): it is its own.
          if (near !== undefined && keptIds[near.row] === owner) return { decision: passOn(step.outcome, (step.outcome as Accepted<T>).record, step.usage), entry: undefined };
          if (near !== undefined) return { decision: duplicateOf(step.outcome as Accepted<T>, near, step.usage), entry: undefined };
          // Appended, the entry is replayed into the rows; the decision is read once it is the last row.
          return { decision: undefined, entry: keptVectorEntry(owner, step.unit) };
        }).then((decision) => decision ?? (rows ? kept(step) : step.outcome));
      };

      const prepared = source.pipe(
        map(itemOf),
        embedInOrder(engine, (item: Item<T>) => item.text),
        // A generator: each record is prepared after the one before it was decided (kept rows, cached matches).
        mergeMap(function* (group) {
          // The call's usage goes to the first accepted record that was embedded in it.
          let spent = group.usage;
          for (const [index, item] of group.items.entries()) {
            const carries = spent !== undefined && item.outcome.status === 'accepted' && item.text !== undefined;
            const usage = carries ? addUsage(item.outcome.usage, spent) : item.outcome.usage;
            if (carries) spent = undefined;
            yield prepare(item, group.vectors[index], group.error, usage);
          }
        }),
      );
      const release = finalize<Outcome<T>>(() => {
        rows?.clear();
        rows = undefined;
        matches = new WeakMap();
      });
      if (cursor === undefined) return prepared.pipe(map(decideHere), release);
      return prepared.pipe(
        concatMap((step) => {
          const decided = decideShared(step);
          return decided instanceof Promise ? from(decided) : of(decided);
        }),
        release,
      );
    });
}
