import { type MonoTypeOperatorFunction, concatMap, defer, finalize, from, map, of } from 'rxjs';
import { sharedKeptLogOf } from '../../distributed/dedupe-sharing.ts';
import { KeptLogCursor, recordOwners } from '../../distributed/kept-log-cursor.ts';
import { errorMessage } from '../../error-message.ts';
import { passOn, rejected, rejectedMarked } from '../../outcome.ts';
import type { Accepted, DataPoint, Outcome, RecordIssue, Restored } from '../../record.ts';
import type { BlockFields, CommonBlockFields } from '../block-definition.ts';
import { type FieldMap, outputWriter } from '../block-io.ts';

/** The kept texts of one subscription of a dedupe block. */
export interface KeptTexts {
  /** Keeps `text` unless a kept text is too similar; returns that similarity, or `undefined` when kept. */
  admit(text: string): number | undefined;
  /** The similarity of a kept text too similar to `text`, or `undefined`; keeps nothing. */
  find(text: string): number | undefined;
  /** Keeps `text` without checking it. */
  add(text: string): void;
  clear(): void;
  /** What a shared kept log holds for `text`, when not the text itself (UTF-8): a hash, say. */
  entryOf?(text: string): Uint8Array;
  /** Keeps the text whose entry is `entry` (from {@link entryOf}). */
  addEntry?(entry: Uint8Array): void;
}

/** Why a text is a duplicate: its similarity (DGT's metadata `score`) and one sentence. */
export interface Finding {
  readonly score: number;
  readonly reason: string;
}

/** How one dedupe block behaves over the stream. */
export interface SimilarityOperatorOptions {
  /** The block's config: its name, `filter` and `output_map`. */
  readonly config: CommonBlockFields & { readonly filter: boolean };
  /** A fresh kept set, per subscription. */
  readonly keptTexts: () => KeptTexts;
  /** The reason for a text whose similarity to a kept text is `score`. */
  readonly duplicate: (score: number) => string;
  /**
   * Checks a text against something other than the kept texts (DGT's `context`) before them; may throw a
   * `TypeError` for a bad input, which rejects the record with code `input_not_text`.
   */
  readonly check?: ((text: string, inputs: BlockFields) => Finding | undefined) | undefined;
  /** The kept texts never match and hold nothing (a Rouge threshold above 1): nothing to share across processes. */
  readonly keepsNothing?: boolean | undefined;
}

/** A record whose text the kept texts must decide on, with what `check` found first. */
interface Pending {
  readonly pending: true;
  readonly outcome: Accepted<DataPoint> | Restored;
  readonly text: string;
  readonly finding: Finding | undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A score as reasons show it: two decimals, unless rounding would show a value below the threshold. */
export function shownScore(score: number, threshold: number): number {
  const rounded = Number(score.toFixed(2));
  return rounded >= threshold ? rounded : Number(score.toPrecision(6));
}

/** The record path `input_map` reads the block's `input` from, for issues: `{ question: input }` gives `['question']`. */
function inputPath(inputMap: CommonBlockFields['input_map']): string[] | undefined {
  if (inputMap === undefined || Array.isArray(inputMap)) return undefined;
  const entry = Object.entries(inputMap as Readonly<Record<string, string>>).find(([, input]) => input === 'input');
  return entry ? [entry[0]] : undefined;
}

const describe = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value);

/**
 * The stream behaviour shared by the dedupe blocks, as DGT's Rouge validator treats its inputs, one record at a
 * time in stream order: a record's `input` text is checked (by `check`, then) against every text kept before it.
 * With `filter` on, a duplicate is rejected (code `duplicate`, its record marked `is_valid: false` and
 * `metadata: { score, reason }`, as validators do) and not kept; with it off, every record passes, marked
 * `is_valid` (and `metadata` when it is a duplicate) through `output_map`, and is kept either way, as DGT does.
 * Restored records seed the kept set; rejected ones pass through untouched. A non-text `input` rejects the record
 * (`input_not_text`); inputs the block cannot read reject it with `input_missing`.
 *
 * When dedupe is shared across processes (`shareDedupe`), the kept texts of a subscription follow the kept log of
 * its scope (read when it is subscribed): a kept record (a restored one too) is appended to the log, and records are
 * decided one at a time, in order, each as a single process holding every text kept anywhere before it would.
 */
export function similarityOperator(
  options: SimilarityOperatorOptions,
  read: (record: DataPoint) => BlockFields,
): MonoTypeOperatorFunction<Outcome<DataPoint>> {
  const { config, keptTexts, duplicate, check, keepsNothing = false } = options;
  const path = inputPath(config.input_map);
  const issue = (code: string, message: string): RecordIssue => (path ? { code, message, block: config.name, path } : { code, message, block: config.name });
  const write = outputWriter(config.output_map as FieldMap | undefined, config.name);
  const mark = (record: DataPoint, finding: Finding | undefined): DataPoint =>
    write(record, finding === undefined ? { is_valid: true } : { is_valid: false, metadata: { score: finding.score, reason: finding.reason } });

  /** The outcome itself when the kept texts have nothing to decide, else its text and what `check` found. */
  const prepare = (outcome: Outcome<DataPoint>): Outcome<DataPoint> | Pending => {
    if (outcome.status === 'rejected') return outcome;
    let inputs: BlockFields;
    try {
      inputs = read(outcome.record);
    } catch (error) {
      return outcome.status === 'restored' ? outcome : rejected(outcome, [issue('input_missing', `cannot read the block's inputs: ${errorMessage(error)}`)]);
    }
    const text = inputs['input'];
    if (typeof text !== 'string') {
      if (outcome.status === 'restored') return outcome;
      return rejected(outcome, [issue('input_not_text', `the block's \`input\` is ${describe(text)}, expected a text`)]);
    }
    if (outcome.status === 'restored') return { pending: true, outcome, text, finding: undefined };
    try {
      return { pending: true, outcome, text, finding: check?.(text, inputs) };
    } catch (error) {
      return rejected(outcome, [issue('input_not_text', errorMessage(error))]);
    }
  };
  const found = (score: number | undefined): Finding | undefined => (score === undefined ? undefined : { score, reason: duplicate(score) });
  /** The outcome of an accepted record, given what made it a duplicate (if anything). */
  const conclude = (outcome: Accepted<DataPoint>, finding: Finding | undefined): Outcome<DataPoint> => {
    if (config.filter) {
      if (finding === undefined) return outcome;
      // As validators do: the rejected record carries its marks (and the record as it came, for the example pool).
      return rejectedMarked(outcome, mark(outcome.record, finding), [issue('duplicate', finding.reason)]);
    }
    return passOn(outcome, mark(outcome.record, finding));
  };

  return (source) =>
    defer(() => {
      let kept: KeptTexts | undefined = keptTexts();
      const log = keepsNothing ? undefined : sharedKeptLogOf(config.name);
      const release = finalize<Outcome<DataPoint>>(() => {
        kept?.clear();
        kept = undefined;
      });
      if (log === undefined) {
        return source.pipe(
          map((outcome): Outcome<DataPoint> => {
            const step = kept ? prepare(outcome) : outcome;
            if (!('pending' in step)) return step;
            const { outcome: pending, text } = step;
            if (pending.status === 'restored') {
              kept!.add(text);
              return pending;
            }
            const finding = step.finding ?? found(kept!.admit(text));
            // Without filter, DGT keeps every record, duplicates included, and later ones are compared with them too.
            if (!config.filter && finding !== undefined) kept!.add(text);
            return conclude(pending, finding);
          }),
          release,
        );
      }
      const cursor = new KeptLogCursor(log, (entry) => (kept?.addEntry ? kept.addEntry(entry) : kept?.add(decoder.decode(entry))));
      const entryOf = (state: KeptTexts, text: string): Uint8Array => state.entryOf?.(text) ?? encoder.encode(text);
      const ownerOf = recordOwners();
      return source.pipe(
        concatMap((outcome) => {
          const step = kept ? prepare(outcome) : outcome;
          if (!('pending' in step)) return of(step);
          const { outcome: pending, text } = step;
          const owner = ownerOf(pending.id);
          const decided = cursor.decide(owner, () => {
            const state = kept;
            // Unsubscribed while waiting: decide nothing more.
            if (state === undefined) return { decision: pending, entry: undefined };
            const entry = entryOf(state, text);
            if (pending.status === 'restored') return { decision: pending, entry };
            // The same input kept this very text before (a job run again after its worker died): it is its own.
            if (cursor.ownerOf(entry) === owner) return { decision: conclude(pending, undefined), entry: undefined };
            const finding = step.finding ?? found(state.find(text));
            const keeps = finding === undefined || !config.filter;
            return { decision: conclude(pending, finding), entry: keeps ? entry : undefined };
          });
          return from(decided);
        }),
        release,
      );
    });
}
