import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { type MonoTypeOperatorFunction, from, lastValueFrom, toArray } from 'rxjs';
import { DatastoreError } from '../errors/datastore-error.ts';
import { accepted } from '../outcome.ts';
import type { DataPoint, Outcome } from '../record.ts';
import type { RestoredRecord } from '../store/ledger.ts';

/** Issue codes of a call that failed (not a verdict on the record). */
const callFailures: ReadonlySet<string> = new Set(['lm_call_failed', 'embedding_failed', 'block_failed']);

/** What a task's postprocessors kept, and how many they set aside. */
export interface Postprocessed {
  readonly kept: readonly DataPoint[];
  readonly rejected: number;
}

/**
 * Runs a builder's postprocessors over every committed record (DGT runs them over the task's data when generation is
 * done), and writes what they reject to `rejectionsPath` (whole, through a temporary file: each end of the task writes
 * it again from all the records), or removes it when nothing was rejected.
 *
 * ## Example
 * ```ts
 * const { kept, rejected } = await postprocessRecords(ledger.restored(), builder.postprocess, join(dir, 'postprocess_rejections.jsonl'));
 * ```
 * @throws {DatastoreError} when the rejections file cannot be written; an Error when a postprocessor's call failed on a
 *   record (an LM or embedding call, the block itself); a postprocessor's own error as it is
 */
export async function postprocessRecords(
  records: AsyncIterable<RestoredRecord>,
  postprocess: MonoTypeOperatorFunction<Outcome<DataPoint>>,
  rejectionsPath: string,
): Promise<Postprocessed> {
  const inputs: Outcome<DataPoint>[] = [];
  for await (const { record, sequence } of records) inputs.push(accepted(String(record['rxdgt_id'] ?? sequence), record));
  const outcomes = await lastValueFrom(from(inputs).pipe(postprocess, toArray()), { defaultValue: [] });
  const kept: DataPoint[] = [];
  const lines: string[] = [];
  for (const outcome of outcomes) {
    if (outcome.status === 'accepted') kept.push(outcome.record);
    else if (outcome.status === 'rejected') {
      // A call that failed is no verdict on the record: the run fails, and the next one postprocesses it again.
      const failed = outcome.issues.find((issue) => callFailures.has(issue.code));
      if (failed) throw new Error(`postprocessor \`${failed.block}\` could not judge record ${String((outcome.record as DataPoint | undefined)?.['rxdgt_id'] ?? outcome.id)}: ${failed.message}`);
      lines.push(`${JSON.stringify({ ...(outcome.record as DataPoint), issues: outcome.issues })}\n`);
    }
  }
  const temporary = `${rejectionsPath}.${process.pid}.tmp`;
  try {
    if (lines.length === 0) rmSync(rejectionsPath, { force: true });
    else {
      writeFileSync(temporary, lines.join(''));
      renameSync(temporary, rejectionsPath);
    }
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new DatastoreError(rejectionsPath, 'write', error);
  }
  return { kept, rejected: lines.length };
}
