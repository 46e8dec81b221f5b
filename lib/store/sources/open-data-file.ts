import { extname } from 'node:path';
import type { CsvOptions } from '../../config/csv.ts';
import { ConfigError } from '../../errors/config-error.ts';
import { readCsvRecords } from './csv-reader.ts';
import { readDocumentRecords } from './document-reader.ts';
import { readJsonlRecords } from './jsonl-reader.ts';
import type { SourceEntry } from './source-entry.ts';
import { readTextRecord } from './text-reader.ts';

/** Extensions a data file may have, each read by its own reader. */
export const dataFileFormats = ['.jsonl', '.json', '.yaml', '.yml', '.csv', '.parquet', '.txt', '.md'] as const;

/** How to read one data file, and where it is named for errors. */
export interface OpenDataFileOptions {
  /** CSV dialect of a `.csv` file. */
  readonly csv?: CsvOptions | undefined;
  /** Rows decoded at a time from a Parquet file. @default 1000 */
  readonly bufferSize?: number | undefined;
  /** Extensions accepted here (a subset of {@link dataFileFormats}). @default dataFileFormats */
  readonly formats?: readonly string[] | undefined;
  /** Task file and field that name the file, for an unsupported extension. */
  readonly file?: string | undefined;
  readonly field?: string | undefined;
}

/**
 * Opens one data file with the reader for its extension (case-insensitive): `.jsonl` streamed line by line,
 * `.json`/`.yaml`/`.yml` whole documents, `.csv` streamed with `options.csv`, `.parquet` row group by row group
 * (its footer is read now), `.txt`/`.md` as one `{ text }` record.
 *
 * ## Example
 * ```ts
 * const entry = await openDataFile('/data/seeds.parquet', { bufferSize: 500 });
 * for await (const record of entry.read(0)) console.log(record);
 * ```
 *
 * @throws {ConfigError} for an unsupported extension (naming `file`, `field`, the path and the supported ones), or
 *   a Parquet file whose footer is not valid
 */
export async function openDataFile(path: string, options: OpenDataFileOptions = {}): Promise<SourceEntry> {
  const format = extname(path).toLowerCase();
  const formats = options.formats ?? dataFileFormats;
  if (!formats.includes(format)) {
    throw new ConfigError(`unsupported data format \`${format || '(none)'}\` for \`${path}\` (supported: ${formats.join(', ')})`, {
      file: options.file,
      field: options.field,
    });
  }
  // hyparquet loads with the first Parquet file read, not with every run.
  if (format === '.parquet') return { path, read: await (await import('./parquet-reader.ts')).openParquetReader(path, options.bufferSize ?? 1000) };
  if (format === '.jsonl') return { path, read: (skip) => readJsonlRecords(path, skip) };
  if (format === '.csv') return { path, read: (skip) => readCsvRecords(path, skip, options.csv) };
  if (format === '.txt' || format === '.md') return { path, read: (skip) => readTextRecord(path, skip) };
  return { path, read: (skip) => readDocumentRecords(path, skip) };
}
