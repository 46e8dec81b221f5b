import { mkdirSync, openSync, readFileSync, writeFileSync, closeSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Table, tableToIPC } from 'apache-arrow';
import { parquetMetadata } from 'hyparquet';
import { type ColumnSource, parquetWriteFile } from 'hyparquet-writer';
import { expect } from 'vitest';
import { ConfigError } from '../../../lib/errors/config-error.ts';

/** Writes `files` (relative path → text) under `dir`, creating folders; returns `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): string {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** Writes a Parquet file with row groups of `rowGroupSize` rows. */
export function writeParquet(path: string, columnData: ColumnSource[], rowGroupSize: number): string {
  mkdirSync(dirname(path), { recursive: true });
  parquetWriteFile({ filename: path, columnData, rowGroupSize });
  return path;
}

/** Overwrites the column chunks (dictionary and data pages) of row group `group` with 0xFF bytes; the footer stays valid. */
export function corruptRowGroup(path: string, group: number): void {
  const metadata = parquetMetadata(toArrayBuffer(readFileSync(path)));
  const handle = openSync(path, 'r+');
  try {
    for (const chunk of metadata.row_groups[group]!.columns) {
      const meta = chunk.meta_data!;
      const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      writeSync(handle, Buffer.alloc(Number(meta.total_compressed_size), 0xff), 0, Number(meta.total_compressed_size), start);
    }
  } finally {
    closeSync(handle);
  }
}

/** A HuggingFace `Dataset.save_to_disk` folder: `data-*.arrow` (IPC stream), `state.json`, `dataset_info.json`. */
export function writeDataset(dir: string, tables: readonly Table[], split: string | null = 'train'): string {
  mkdirSync(dir, { recursive: true });
  const filenames = tables.map((_, index) => `data-${String(index).padStart(5, '0')}-of-${String(tables.length).padStart(5, '0')}.arrow`);
  tables.forEach((table, index) => writeFileSync(join(dir, filenames[index]!), tableToIPC(table, 'stream')));
  const state = {
    _data_files: filenames.map((filename) => ({ filename })),
    _fingerprint: '5c1e6f0d2b9a4e37',
    _format_columns: null,
    _format_kwargs: {},
    _format_type: null,
    _output_all_columns: false,
    _split: split,
  };
  writeFileSync(join(dir, 'state.json'), JSON.stringify(state, null, 2));
  const features = Object.fromEntries((tables[0]?.schema.fields ?? []).map((field) => [field.name, { dtype: String(field.type), _type: 'Value' }]));
  writeFileSync(join(dir, 'dataset_info.json'), JSON.stringify({ citation: '', description: '', features, homepage: '', license: '' }, null, 2));
  return dir;
}

/** A HuggingFace `DatasetDict.save_to_disk` folder: `dataset_dict.json` and one Dataset folder per split. */
export function writeDatasetDict(dir: string, splits: Readonly<Record<string, readonly Table[]>>): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'dataset_dict.json'), JSON.stringify({ splits: Object.keys(splits) }));
  for (const [split, tables] of Object.entries(splits)) writeDataset(join(dir, split), tables, split);
  return dir;
}

/** Every item of `iterable`. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** The records an entry reader yields from `skip` on, and the row count it returns. */
export async function drain<T, R>(generator: AsyncGenerator<T, R, undefined>): Promise<{ items: T[]; returned: R }> {
  const items: T[] = [];
  for (;;) {
    const next = await generator.next();
    if (next.done === true) return { items, returned: next.value };
    items.push(next.value);
  }
}

/** The ConfigError `run` rejects with; fails the test when it resolves or rejects with something else. */
export async function configErrorOf(run: Promise<unknown>): Promise<ConfigError> {
  const error: unknown = await run.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(ConfigError.isInstance(error), `expected a ConfigError, got ${String(error)}`).toBe(true);
  return error as ConfigError;
}

function toArrayBuffer(buffer: Buffer): ArrayBuffer {
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
}
