import type { DefaultDatastoreConfig } from '../../config/datastore-spec.ts';
import { isPlainObject } from '../../config/plain-object.ts';
import { ConfigError } from '../../errors/config-error.ts';
import { openDatasetFolder } from './dataset-folder.ts';
import { openDataFile } from './open-data-file.ts';
import { resolveDataPath } from './resolve-data-path.ts';
import type { SourceEntry } from './source-entry.ts';

/**
 * Where a row is, as DGT's dataloader counts: `iter_index` is the entry (the inline data when there is any, then
 * each file in order), `row_index` the row's 0-based place within it. DGT saves the state after a row as
 * `{ iter_index, row_index: row_index + 1 }`.
 */
export interface SourcePosition {
  readonly iter_index: number;
  readonly row_index: number;
}

/** One record of a source and where it is. */
export interface SourceRow {
  readonly record: Readonly<Record<string, unknown>>;
  readonly position: SourcePosition;
}

/** The records of a datastore, read lazily and resumable at any row. */
export interface RecordSource {
  /** Absolute paths read, in order: data files, or a HuggingFace dataset's split folder (empty for inline data only). */
  readonly files: readonly string[];
  /**
   * The rows from flat row `start` (0-based across the inline data, then the files); lazy, with bounded memory
   * (JSON and YAML documents are read whole). Each call starts a new, independent read.
   */
  rows(start?: number): AsyncIterable<SourceRow>;
  /** The file a row came from, for errors; undefined for inline data. */
  fileAt?(position: SourcePosition): string | undefined;
}

/** Where a datastore config comes from, for resolving its paths and naming errors. */
export interface RecordSourceWhere {
  /** Directory a relative `data_path` resolves against first. */
  readonly baseDir: string;
  /** Tried for a relative `data_path` when nothing is found under `baseDir`. */
  readonly fallbackDir?: string | undefined;
  /** Task file that holds the datastore. */
  readonly file?: string | undefined;
  /** The datastore's field (`seed_datastore`) or its `data_path` field (`seed_datastore.data_path`). */
  readonly field?: string | undefined;
}

/**
 * Opens a DGT `default` datastore for reading: inline `data` first (one entry), then what `data_path` names: a
 * file, a glob's matches in sorted path order (only those ending in one of `data_formats`, when given; folders
 * skipped), or a HuggingFace `save_to_disk` folder (its `data_split`, default `train`). Paths, extensions, Parquet
 * footers and dataset layouts are checked now, so bad input fails before a run; records are read as `rows()` is
 * iterated. Parquet files are decoded `buffer_size` rows at a time; CSV files use the config's dialect options.
 *
 * ## Example
 * ```ts
 * const source = await openRecordSource({ type: 'default', data_path: 'seeds/*.jsonl' }, { baseDir: process.cwd(), file: 'task.yaml', field: 'seed_datastore' });
 * for await (const { record, position } of source.rows(10)) console.log(record, position); // from the 11th row on
 * ```
 *
 * @throws {ConfigError} naming `where.file` and `<field>.data_path` for a missing path, a glob matching nothing or
 *   an unsupported extension (listing the supported ones); naming `<field>.data` for an inline item that is not an
 *   object; naming the data file for a corrupt Parquet footer or a malformed dataset folder. While reading, content
 *   errors are ConfigErrors naming the data file (and line), I/O failures DatastoreErrors.
 */
export async function openRecordSource(config: DefaultDatastoreConfig, where: RecordSourceWhere): Promise<RecordSource> {
  // Errors name the datastore's own keys: `seed_datastore.data_path`, `seed_datastore.data`, ...
  const prefix = where.field === undefined ? '' : `${where.field.replace(/\.data_path$/, '')}.`;
  const pathField = `${prefix}data_path`;
  const entries: SourceEntry[] = [];
  if (config.data !== undefined && config.data.length > 0) entries.push(inlineEntry(config.data, where.file, `${prefix}data`));
  if (config.data_path !== undefined) {
    const resolved = await resolveDataPath(config.data_path, { ...where, field: pathField, formats: config.data_formats });
    if (resolved.kind === 'folder') {
      entries.push(await openDatasetFolder(resolved.path, config.data_split, { file: where.file, pathField, splitField: `${prefix}data_split` }));
    } else {
      const csv = { has_header: config.has_header, delimiter: config.delimiter, quotechar: config.quotechar, skipinitialspace: config.skipinitialspace };
      for (const path of resolved.paths) entries.push(await openDataFile(path, { csv, bufferSize: config.buffer_size, file: where.file, field: pathField }));
    }
  }
  return {
    files: entries.flatMap((entry) => (entry.path === undefined ? [] : [entry.path])),
    fileAt: (position) => entries[position.iter_index]?.path,
    rows(start = 0) {
      if (!Number.isSafeInteger(start) || start < 0) throw new TypeError(`\`start\` must be a non-negative integer, received ${String(start)}`);
      return readEntries(entries, start);
    },
  };
}

async function* readEntries(entries: readonly SourceEntry[], start: number): AsyncGenerator<SourceRow, void, undefined> {
  let skip = start;
  for (const [iter_index, entry] of entries.entries()) {
    const records = entry.read(skip);
    let row_index = skip;
    try {
      let next = await records.next();
      while (next.done !== true) {
        yield { record: next.value, position: { iter_index, row_index } };
        row_index += 1;
        next = await records.next();
      }
      skip = Math.max(skip - next.value, 0);
    } finally {
      // Closes the file when the caller stops early (a no-op once the entry is done).
      await records.return(0);
    }
  }
}

function inlineEntry(data: readonly Record<string, unknown>[], file: string | undefined, field: string): SourceEntry {
  data.forEach((item, index) => {
    if (!isPlainObject(item)) throw new ConfigError(`item ${index}: expected an object`, { file, field });
  });
  return {
    path: undefined,
    async *read(skip) {
      for (let index = skip; index < data.length; index += 1) yield data[index]!;
      return data.length;
    },
  };
}
