import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { DatastoreError } from '../errors/datastore-error.ts';
import { errorMessage } from '../error-message.ts';
import type { DataPoint, Fields } from '../record.ts';
import type { TaskOutput } from '../run/task-options.ts';
import type { Ledger } from './task-ledger.ts';
import { writeRecordsFile } from './targets/write-records-file.ts';

/** What writing a task's outputs came to: the first failure of a required output, if any. */
export interface OutputsWritten {
  readonly failed: unknown;
}

/**
 * Writes a task's outputs from its committed records, each atomically (a temporary file renamed into place): a
 * plain JSONL output of a JSONL ledger is a byte copy, the rest stream the records through their format's writer.
 * A required output that fails is returned; an optional one (a `multi_target` secondary) is reported through `warn`
 * and the others go on, so the primary data is never lost to a secondary. `kept` (what a builder's postprocessors
 * kept) replaces the committed records as the outputs' source.
 */
export async function writeOutputs(
  outputs: readonly TaskOutput[],
  dir: string,
  ledger: Ledger,
  warn: (message: string) => void,
  kept?: readonly DataPoint[],
): Promise<OutputsWritten> {
  let failed: unknown;
  for (const output of outputs) {
    const path = isAbsolute(output.path) ? output.path : join(dir, output.path);
    try {
      if (!kept && !output.transform && output.format === 'jsonl' && copyJsonl(ledger, path)) continue;
      const transform = output.transform ?? ((record: DataPoint): Fields => record);
      const records = kept ? () => keptRecords(kept, transform) : () => mapRecords(ledger, transform);
      await writeRecordsFile(output.format, path, records, output.csv ? { csv: output.csv } : {});
    } catch (error) {
      if (!output.optional) {
        failed ??= error;
        continue;
      }
      warn(`could not write the secondary output ${path}: ${errorMessage(error)}`);
    }
  }
  return { failed };
}

/**
 * A byte copy of the ledger's JSONL records, through a temporary file renamed into place; false when the ledger keeps
 * none. Synchronous: a run ended by its consumer (`take(n)`) has its `final_data.jsonl` before the teardown returns.
 */
function copyJsonl(ledger: Ledger, path: string): boolean {
  const temporary = `${path}.${process.pid}.copy.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    if (!ledger.copyRecordsAsJsonl(temporary)) return false;
    renameSync(temporary, path);
    return true;
  } catch (error) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing was made (its folder is a file, say): the copy's failure is the one to report.
    }
    throw new DatastoreError(path, 'write', error);
  }
}

async function* mapRecords(ledger: Ledger, transform: (record: DataPoint) => Fields): AsyncGenerator<Fields> {
  for await (const { record } of ledger.restored()) yield transform(record);
}

async function* keptRecords(kept: readonly DataPoint[], transform: (record: DataPoint) => Fields): AsyncGenerator<Fields> {
  for (const record of kept) yield transform(record);
}
