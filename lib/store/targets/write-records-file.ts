import type { OutputFormat } from '../../config/datastore-spec.ts';
import { DatastoreError } from '../../errors/datastore-error.ts';
import { RxdgtError } from '../../errors/rxdgt-error.ts';
import type { RecordStream } from './record-stream.ts';
import { writeAtomically } from './write-atomically.ts';
import { type CsvDialect, writeCsvFile } from './write-csv-file.ts';
import { writeJsonlFile } from './write-jsonl-file.ts';
import { writeSqliteFile } from './write-sqlite-file.ts';

export type { OutputRecord, RecordStream } from './record-stream.ts';

/** Settings of {@link writeRecordsFile}. */
export interface WriteRecordsOptions {
  /** Python `csv` dialect of `csv` files (a `default` datastore's `delimiter`, `quotechar`, `lineterminator`). */
  readonly csv?: CsvDialect | undefined;
}

type FormatWriter = (path: string, records: RecordStream, options: WriteRecordsOptions) => Promise<number>;

const writers: Readonly<Record<OutputFormat, FormatWriter>> = {
  jsonl: (path, records) => writeJsonlFile(path, records),
  csv: (path, records, options) => writeCsvFile(path, records, options.csv),
  // Loaded when a Parquet file is written: hyparquet-writer is not part of every run's start-up.
  parquet: async (path, records) => (await import('./write-parquet-file.ts')).writeParquetFile(path, records),
  sqlite: (path, records) => writeSqliteFile(path, records),
};

/**
 * Writes every record to `path` in `format`, atomically: into a temporary file beside it (`<path>.<pid>.<n>.tmp`),
 * renamed over `path` at the end. The folder is created if missing. On failure the temporary file is removed and
 * `path` keeps what it had (or stays absent). Resolves with the number of records written.
 *
 * Memory stays bounded whatever the number of records: `jsonl` streams one pass; `csv`, `parquet` and `sqlite` read
 * `records` twice, first for the columns (the union of top-level keys, in first-seen order, and their types), then
 * for the rows. See `writeJsonlFile`, `writeCsvFile`, `writeParquetFile` and `writeSqliteFile` for each layout (`writeParquetFile` is in `write-parquet-file.ts`).
 *
 * ## Example
 * ```ts
 * import { writeRecordsFile } from 'rxdgt';
 *
 * const records = [{ id: 1, text: 'a, b' }, { id: 2, tags: ['x'] }];
 * const count = await writeRecordsFile('csv', 'out/final_data.csv', async function* () { yield* records; });
 * // count: 2; out/final_data.csv holds (rows end with \r\n):
 * // id,text,tags
 * // 1,"a, b",
 * // 2,,"[""x""]"
 * ```
 *
 * @param format One of `outputFormats`.
 * @param path The file to write; its extension is not checked (a format's name is its extension: `final_data.parquet`).
 * @param records Called once per pass; each call must give the same records.
 * @returns The number of records written.
 * @throws DatastoreError naming `path` when the file cannot be written (its folder is a file, permission denied, a
 * full disk). An error of `records` itself is rethrown unchanged, as is a ConfigError for bad CSV settings.
 */
export async function writeRecordsFile(format: OutputFormat, path: string, records: RecordStream, options: WriteRecordsOptions = {}): Promise<number> {
  const source: RecordStream = () => markingErrors(records);
  try {
    return await writeAtomically(path, (temporaryPath) => writers[format](temporaryPath, source, options));
  } catch (error) {
    if (error instanceof SourceFailure) throw error.error;
    if (RxdgtError.isInstance(error)) throw error;
    throw new DatastoreError(path, 'write', error);
  }
}

/** Carries an error of the record stream through the writers, so it is told apart from a failed write. */
class SourceFailure {
  constructor(readonly error: unknown) {}
}

async function* markingErrors(records: RecordStream): AsyncGenerator<Readonly<Record<string, unknown>>> {
  try {
    yield* records();
  } catch (error) {
    throw new SourceFailure(error);
  }
}
