import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { describe, expect, test } from 'vitest';
import { openParquetReader } from '../../../lib/store/sources/parquet-reader.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { configErrorOf, corruptRowGroup, drain, writeParquet } from './fixtures.ts';

/** 12 rows in row groups of 4: `id` 0..11 (INT64) and `name` `n0`..`n11`. */
function twelveRows(dir: string): string {
  const ids = Array.from({ length: 12 }, (_, index) => index);
  return writeParquet(
    join(dir, 'rows.parquet'),
    [
      { name: 'id', data: ids.map(BigInt), type: 'INT64' },
      { name: 'name', data: ids.map((id) => `n${id}`), type: 'STRING' },
    ],
    4,
  );
}

describe('openParquetReader', () => {
  test('reads every row group in order and returns the row count', async () => {
    const read = await openParquetReader(twelveRows(tempDir()), 3);
    const { items, returned } = await drain(read(0));
    expect(items.map((record) => record['id'])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(items[5]).toEqual({ id: 5, name: 'n5' });
    expect(returned).toBe(12);
  });

  test('values become JSON-friendly: BigInt, Date, bytes, structs and lists', async () => {
    const path = writeParquet(
      join(tempDir(), 'values.parquet'),
      [
        { name: 'small', data: [7n, -7n], type: 'INT64' },
        { name: 'big', data: [2n ** 62n, -(2n ** 60n)], type: 'INT64' },
        { name: 'when', data: [new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), new Date(0)], type: 'TIMESTAMP' },
        { name: 'raw', data: [new Uint8Array([0, 1, 255]), new Uint8Array([])], type: 'BYTE_ARRAY' },
        { name: 'text', data: ['héllo', ''], type: 'STRING' },
        { name: 'nested', data: [{ a: 1, b: [1, 2], c: { d: 'e' } }, { a: 2, b: [], c: null }], type: 'JSON' },
        { name: 'score', data: [0.5, null], type: 'DOUBLE' },
      ],
      10,
    );
    const { items } = await drain((await openParquetReader(path, 10))(0));
    expect(items).toEqual([
      { small: 7, big: '4611686018427387904', when: '2024-01-02T03:04:05.000Z', raw: 'AAH/', text: 'héllo', nested: { a: 1, b: [1, 2], c: { d: 'e' } }, score: 0.5 },
      { small: -7, big: '-1152921504606846976', when: '1970-01-01T00:00:00.000Z', raw: '', text: '', nested: { a: 2, b: [], c: null }, score: null },
    ]);
    expect(JSON.parse(JSON.stringify(items))).toEqual(items);
  });

  test('nested Parquet groups (a LIST of strings, a struct) become plain arrays and objects', async () => {
    const path = join(tempDir(), 'nested.parquet');
    parquetWriteFile({
      filename: path,
      schema: [
        { name: 'root', num_children: 3 },
        { name: 'id', type: 'INT64', repetition_type: 'REQUIRED' },
        { name: 'tags', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
        { name: 'point', repetition_type: 'OPTIONAL', num_children: 2 },
        { name: 'x', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
        { name: 'y', type: 'INT64', repetition_type: 'OPTIONAL' },
      ],
      columnData: [
        { name: 'id', data: [1n, 2n] },
        { name: 'tags', data: [['a', 'b'], []] },
        { name: 'point', data: [{ x: 1.5, y: 9007199254740993n }, null] },
      ],
    });
    const { items } = await drain((await openParquetReader(path, 10))(0));
    expect(items).toEqual([
      { id: 1, tags: ['a', 'b'], point: { x: 1.5, y: '9007199254740993' } },
      { id: 2, tags: [], point: null },
    ]);
  });

  test('starting in the middle of a later row group yields from there, without decoding earlier row groups', async () => {
    const path = twelveRows(tempDir());
    // Row group 0 (rows 0-3) is garbage now; reading from row 9 (group 2) must never touch it.
    corruptRowGroup(path, 0);
    const read = await openParquetReader(path, 2);
    const { items, returned } = await drain(read(9));
    expect(items).toEqual([
      { id: 9, name: 'n9' },
      { id: 10, name: 'n10' },
      { id: 11, name: 'n11' },
    ]);
    expect(returned).toBe(12);
    expect((await drain(read(5))).items.map((record) => record['id'])).toEqual([5, 6, 7, 8, 9, 10, 11]);
    // Reading from the start does decode it, and fails naming the file.
    const error = await configErrorOf(drain(read(0)));
    expect(error.file).toBe(path);
    expect(error.message).toContain('not a valid Parquet file');
  });

  test('a start past the end yields nothing and still returns the row count', async () => {
    const { items, returned } = await drain((await openParquetReader(twelveRows(tempDir()), 5))(40));
    expect(items).toEqual([]);
    expect(returned).toBe(12);
  });

  test('a truncated file is a ConfigError naming it', async () => {
    const path = twelveRows(tempDir());
    truncateSync(path, 100);
    const error = await configErrorOf(openParquetReader(path, 10));
    expect(error.file).toBe(path);
    expect(error.message).toMatch(/^.*: not a valid Parquet file: /);
  });

  test('random bytes named .parquet are a ConfigError naming the file', async () => {
    const path = join(tempDir(), 'noise.parquet');
    writeFileSync(path, Buffer.from(Array.from({ length: 2048 }, (_, index) => (index * 7919 + 13) % 256)));
    const error = await configErrorOf(openParquetReader(path, 10));
    expect(error.message).toBe(`${path}: not a valid Parquet file: ${(error.cause as Error).message}`);
  });

  test('stopping early closes the reader cleanly', async () => {
    const read = await openParquetReader(twelveRows(tempDir()), 4);
    const records = read(0);
    expect((await records.next()).value).toEqual({ id: 0, name: 'n0' });
    expect(await records.return(0)).toEqual({ done: true, value: 0 });
  });
});
