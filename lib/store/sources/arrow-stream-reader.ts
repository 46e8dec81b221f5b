import { createReadStream } from 'node:fs';
import { type RecordBatch, RecordBatchReader } from 'apache-arrow';
import { ConfigError } from '../../errors/config-error.ts';
import { DatastoreError } from '../../errors/datastore-error.ts';
import { arrowValue } from './arrow-value.ts';

/**
 * Streams the records of Arrow IPC stream files (a HuggingFace dataset's `data-*.arrow`), one file after the
 * other, one record batch at a time. Batches wholly before row `skip` are counted, not converted. Values become
 * JSON-friendly ({@link arrowValue}). Returns the files' row count.
 *
 * ## Example
 * ```ts
 * for await (const record of readArrowStreamRecords(['/data/ds/train/data-00000-of-00001.arrow'], 0)) console.log(record);
 * ```
 *
 * @throws {ConfigError} "not a valid Arrow stream file: ..." naming the file
 * @throws {DatastoreError} when a file cannot be read
 */
export async function* readArrowStreamRecords(files: readonly string[], skip: number): AsyncGenerator<Record<string, unknown>, number, undefined> {
  let row = 0;
  for (const file of files) {
    const stream = createReadStream(file);
    // Arrow's reader ends quietly on a stream error: keep it to throw.
    let failure: unknown;
    stream.on('error', (error) => {
      failure = error;
    });
    try {
      const reader = await RecordBatchReader.from(stream);
      for await (const batch of reader) {
        const from = Math.max(skip - row, 0);
        row += batch.numRows;
        for (let index = from; index < batch.numRows; index += 1) yield batchRow(batch, index);
      }
    } catch (error) {
      throw failure === undefined ? invalid(file, error) : new DatastoreError(file, 'read', failure);
    } finally {
      stream.destroy();
    }
    if (failure !== undefined) throw new DatastoreError(file, 'read', failure);
  }
  return row;
}

function invalid(file: string, error: unknown): unknown {
  if (ConfigError.isInstance(error) || DatastoreError.isInstance(error)) return error;
  return new ConfigError(`not a valid Arrow stream file: ${error instanceof Error ? error.message : String(error)}`, { file, cause: error });
}

function batchRow(batch: RecordBatch, index: number): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  batch.schema.fields.forEach((field, column) => {
    record[field.name] = arrowValue(batch.getChildAt(column)?.get(index), field.type);
  });
  return record;
}
