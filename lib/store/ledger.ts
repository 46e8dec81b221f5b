import type { BatchJournal } from '../model/batch-api.ts';
import type { DataPoint, Rejected, Usage } from '../record.ts';

/** An input issued to the builder: its stable id and its place in the task's sequence of inputs. */
export interface Ticket {
  readonly id: string;
  readonly sequence: number;
}

/** An input the builder is done with, once committed: the records kept and the rejections, together. */
export interface Settlement {
  readonly ticket: Ticket;
  /** Accepted records written, each stamped with `rxdgt_id`. */
  readonly records: readonly DataPoint[];
  /** Rejected outcomes written to the rejection log. */
  readonly rejections: readonly Rejected[];
  /** Accepted records not written because the task's target was already met. */
  readonly beyondTarget: number;
  /** LM usage of every outcome of the input. */
  readonly usage: Usage | undefined;
  /** The worker that ran the input, in a distributed run (`rxdgt run --queue`). */
  readonly worker?: string;
}

/**
 * What a ledger has committed: counts, and which inputs are settled: every input below `next`, but for those listed
 * in `unsettled` (in flight at the commit: a crash then leaves them to be issued again). `unsettled` never holds more
 * than the inputs a run keeps in flight, however long one of them takes.
 */
export interface LedgerSummary {
  /** Accepted records committed. */
  readonly records: number;
  /** Rejections committed. */
  readonly rejected: number;
  /** One past the highest settled sequence. */
  readonly next: number;
  /** Sequences below `next` not settled, ascending. */
  readonly unsettled: readonly number[];
  /** The dataloader position saved with the last commit (DGT's `{iter_index, row_index}`), when there is one. */
  readonly position: unknown;
  /** What the input was at the last commit (a transformation's files or rows), to refuse a resume on a changed one. */
  readonly input?: string | undefined;
}

/** A summary of nothing committed. */
export const emptySummary: LedgerSummary = { records: 0, rejected: 0, next: 0, unsettled: [], position: undefined };

/** The first input not settled: the lowest unsettled one, else `next`. */
export function settledBelowOf(summary: LedgerSummary): number {
  return summary.unsettled[0] ?? summary.next;
}

/** A record restored from an earlier run, with the sequence of the input that made it (-1 when unknown). */
export interface RestoredRecord {
  readonly record: DataPoint;
  readonly sequence: number;
}

/** One commit: every input settled since the last, written atomically with the bookkeeping that says so. */
export interface CommitBatch {
  readonly records: readonly DataPoint[];
  /** `JSON.stringify` of each record, made once by the ledger: a store writes these, not a text of its own. */
  readonly recordTexts?: readonly string[] | undefined;
  readonly rejections: readonly { readonly block: string; readonly line: Readonly<Record<string, unknown>> }[];
  /** The summary after this commit. */
  readonly summary: LedgerSummary;
}

/**
 * The storage under a task's ledger: files (`jsonl`) or a database (`sqlite`). Opening it repairs what a crash left
 * (a torn line, records written without their commit); `commit` is synchronous and atomic with respect to the death
 * of the process: after a `kill -9` at any instant, the next open finds every commit whole or not at all.
 */
export interface LedgerStore {
  /** `jsonl` or `sqlite`. */
  readonly kind: 'jsonl' | 'sqlite';
  /** What earlier runs committed, as found at open. */
  readonly summary: LedgerSummary;
  /** What the repair at open did (a torn line cut, an uncommitted tail removed), one sentence each. */
  readonly repairs: readonly string[];
  /** Every committed record, in commit order, streamed: never the whole file in memory. */
  records(): AsyncIterable<RestoredRecord>;
  /** Writes a batch. @throws {DatastoreError} when the disk refuses it; nothing of the batch is then committed. */
  commit(batch: CommitBatch): void;
  /**
   * The task's provider batches still pending (`batch: true` LM blocks): written when a batch is submitted (staged by
   * its upload first, where the provider uploads before it makes the batch), removed once its results are read, so a
   * restarted run adopts them instead of paying twice. Kept apart from the commits:
   * `pending_batches.json` (replaced atomically) beside the JSONL files, a `pending_batches` table in SQLite. A store
   * without it keeps none (a restart then submits pending requests again).
   */
  readonly pendingBatches?: BatchJournal;
  /** Copies the records as JSONL to `path` when the store can do it byte for byte (its own file is JSONL). */
  copyRecordsAsJsonl?(path: string): boolean;
  close(): void;
}

/** The id of a record's input, as records carry it on disk. */
export const idField = 'rxdgt_id';

/**
 * The sequence in an input id (`<sequence>-<hash>`: decimal digits, then a dash), or -1 when the record has none.
 * Read digit by digit, without slicing the id: the ledger asks it of every outcome.
 */
export function sequenceOfId(id: unknown): number {
  if (typeof id !== 'string') return -1;
  let sequence = 0;
  for (let at = 0; at < id.length; at += 1) {
    const code = id.charCodeAt(at);
    if (code === 0x2d) return at > 0 && Number.isSafeInteger(sequence) ? sequence : -1;
    if (code < 0x30 || code > 0x39) return -1;
    sequence = sequence * 10 + (code - 0x30);
  }
  return -1;
}
