import { type AsyncBuffer, type FileMetaData, asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { ConfigError } from '../../errors/config-error.ts';
import { DatastoreError, describeFsCause } from '../../errors/datastore-error.ts';
import { toPlainRecord } from './plain-value.ts';
import type { EntryReader } from './source-entry.ts';

/**
 * Opens a Parquet file: reads its footer now (so a corrupt file fails before a run) and returns a reader that
 * decodes it row group by row group, at most `bufferSize` rows at a time, never the whole file. Row groups before
 * the start row are skipped by the footer's row counts without being read or decoded. Values become JSON-friendly
 * ({@link toPlainRecord}); byte arrays without a string annotation stay bytes (base64).
 *
 * ## Example
 * ```ts
 * const read = await openParquetReader('/data/seeds.parquet', 1000);
 * for await (const record of read(2500)) console.log(record); // rows 2500 on
 * ```
 *
 * @throws {ConfigError} "not a valid Parquet file: ..." naming `path` (also from reading, for a corrupt row group)
 * @throws {DatastoreError} when reading fails on an I/O error during a run
 */
export async function openParquetReader(path: string, bufferSize: number): Promise<EntryReader> {
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
  } catch (error) {
    if (isFsError(error)) throw new ConfigError(`cannot read file: ${describeFsCause(error)}`, { file: path, cause: error });
    throw invalid(path, error);
  }
  return (skip) => readRowGroups(path, metadata, skip, bufferSize);
}

async function* readRowGroups(path: string, metadata: FileMetaData, skip: number, bufferSize: number): AsyncGenerator<Record<string, unknown>, number, undefined> {
  let file: CachedBuffer | undefined;
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    for (let rowStart = Math.max(skip, groupStart); rowStart < groupEnd; rowStart += bufferSize) {
      file ??= cachedBuffer(await openFile(path));
      const rowEnd = Math.min(groupEnd, rowStart + bufferSize);
      const rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd, utf8: false }).catch((error: unknown) => {
        throw isFsError(error) ? new DatastoreError(path, 'read', error) : invalid(path, error);
      });
      for (const row of rows) yield toPlainRecord(row);
    }
    // The next group's column chunks are other bytes: drop this group's.
    file?.clear();
    groupStart = groupEnd;
  }
  return groupStart;
}

async function openFile(path: string): Promise<AsyncBuffer> {
  try {
    return await asyncBufferFromFile(path);
  } catch (error) {
    throw new DatastoreError(path, 'read', error);
  }
}

interface CachedBuffer extends AsyncBuffer {
  clear(): void;
}

// Reading a row group `bufferSize` rows at a time asks for the same column chunks again; keep them until cleared.
function cachedBuffer(file: AsyncBuffer): CachedBuffer {
  const slices = new Map<string, Promise<ArrayBuffer>>();
  return {
    byteLength: file.byteLength,
    slice(start, end = file.byteLength) {
      const key = `${start}:${end}`;
      let slice = slices.get(key);
      if (slice === undefined) {
        slice = Promise.resolve(file.slice(start, end));
        slices.set(key, slice);
      }
      return slice;
    },
    clear: () => slices.clear(),
  };
}

/** A failed system call (ENOENT, EIO, ...), as opposed to a decoding error. */
function isFsError(error: unknown): boolean {
  return typeof (error as NodeJS.ErrnoException | undefined)?.syscall === 'string';
}

function invalid(path: string, cause: unknown): ConfigError {
  return new ConfigError(`not a valid Parquet file: ${cause instanceof Error ? cause.message : String(cause)}`, { file: path, cause });
}
