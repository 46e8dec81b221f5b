import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { describe, expect, test } from 'vitest';
import { writeParquetFile } from '../../../lib/store/targets/write-parquet-file.ts';
import type { OutputRecord } from '../../../lib/store/targets/record-stream.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { generatedStream, keysOf, streamOf, variedRecords } from './record-fixtures.ts';

async function readParquet(path: string) {
  const file = await asyncBufferFromFile(path);
  return { metadata: await parquetMetadataAsync(file), rows: await parquetReadObjects({ file }) };
}

/** What a reader should see: every column in every row, null where the record has none. */
function filled(records: readonly OutputRecord[]): Record<string, unknown>[] {
  const keys = keysOf(records);
  return records.map((record) => Object.fromEntries(keys.map((key) => [key, record[key] ?? null])));
}

/** INT64 values come back as bigint; this makes them numbers again. */
function withNumbers(rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, typeof value === 'bigint' ? Number(value) : value])));
}

describe('writeParquetFile', () => {
  test('round-trips the varied records through hyparquet, JSON columns parsed back to their values', async () => {
    const path = join(tempDir(), 'data.parquet');
    const stream = streamOf(variedRecords);
    expect(await writeParquetFile(path, stream)).toBe(variedRecords.length);
    expect(stream.passes).toBe(2);
    const { rows } = await readParquet(path);
    expect(rows[3]!['id']).toBe(9007199254740991n);
    expect(withNumbers(rows)).toEqual(filled(variedRecords));
  });

  test('infers one nullable type per column', async () => {
    const path = join(tempDir(), 'data.parquet');
    await writeParquetFile(path, streamOf(variedRecords));
    const { metadata } = await readParquet(path);
    const types = Object.fromEntries(
      metadata.schema.slice(1).map((element) => [element.name, [element.type, element.converted_type ?? null, element.repetition_type]]),
    );
    expect(types).toEqual({
      id: ['INT64', null, 'OPTIONAL'],
      text: ['BYTE_ARRAY', 'UTF8', 'OPTIONAL'],
      score: ['DOUBLE', null, 'OPTIONAL'],
      ok: ['BOOLEAN', null, 'OPTIONAL'],
      note: ['BYTE_ARRAY', 'UTF8', 'OPTIONAL'],
      meta: ['BYTE_ARRAY', 'JSON', 'OPTIONAL'],
      tags: ['BYTE_ARRAY', 'JSON', 'OPTIONAL'],
      unicode: ['BYTE_ARRAY', 'UTF8', 'OPTIONAL'],
      mixed: ['BYTE_ARRAY', 'JSON', 'OPTIONAL'],
      nested: ['BYTE_ARRAY', 'JSON', 'OPTIONAL'],
      big: ['DOUBLE', null, 'OPTIONAL'],
    });
  });

  test('25,000 records are written in row groups of 10,000 and read back equal', async () => {
    const path = join(tempDir(), 'data.parquet');
    const make = (index: number): OutputRecord =>
      index % 7 === 0 ? { index, text: `row ${index}` } : { index, text: `row ${index}, "${index % 13}"`, ratio: index / 3, tags: [index % 5] };
    expect(await writeParquetFile(path, generatedStream(25_000, make))).toBe(25_000);
    const { metadata, rows } = await readParquet(path);
    expect(metadata.num_rows).toBe(25_000n);
    expect(metadata.row_groups.map((group) => group.num_rows)).toEqual([10_000n, 10_000n, 5_000n]);
    const expected = filled(Array.from({ length: 25_000 }, (_, index) => make(index)));
    expect(withNumbers(rows)).toEqual(expected);
  });

  test('no records give a valid file with no columns and no rows', async () => {
    const path = join(tempDir(), 'data.parquet');
    expect(await writeParquetFile(path, streamOf([]))).toBe(0);
    const { metadata, rows } = await readParquet(path);
    expect(metadata.num_rows).toBe(0n);
    expect(metadata.schema).toEqual([{ name: 'root', num_children: 0 }]);
    expect(rows).toEqual([]);
  });

  test('records without any key are counted, and leave a file with no columns', async () => {
    const path = join(tempDir(), 'data.parquet');
    expect(await writeParquetFile(path, streamOf([{}, {}]))).toBe(2);
    expect((await readParquet(path)).rows).toEqual([]);
  });

  test('a column of only nulls is a STRING column of nulls', async () => {
    const path = join(tempDir(), 'data.parquet');
    await writeParquetFile(path, streamOf([{ a: null, b: 1 }, { b: 2 }]));
    const { metadata, rows } = await readParquet(path);
    expect(metadata.schema[1]).toMatchObject({ name: 'a', type: 'BYTE_ARRAY', converted_type: 'UTF8' });
    expect(withNumbers(rows)).toEqual([{ a: null, b: 1 }, { a: null, b: 2 }]);
  });
});
