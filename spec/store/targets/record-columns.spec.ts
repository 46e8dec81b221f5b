import { describe, expect, test } from 'vitest';
import { rowReader, scanColumns } from '../../../lib/store/targets/record-columns.ts';
import { streamOf, variedRecords } from './record-fixtures.ts';

describe('scanColumns', () => {
  test('gives the union of top-level keys in first-seen order with one kind per column', async () => {
    const columns = await scanColumns(streamOf(variedRecords)());
    expect(columns).toEqual([
      { name: 'id', kind: 'integer' },
      { name: 'text', kind: 'string' },
      { name: 'score', kind: 'double' },
      { name: 'ok', kind: 'boolean' },
      { name: 'note', kind: 'string' },
      { name: 'meta', kind: 'json' },
      { name: 'tags', kind: 'json' },
      { name: 'unicode', kind: 'string' },
      { name: 'mixed', kind: 'json' },
      { name: 'nested', kind: 'json' },
      { name: 'big', kind: 'double' },
    ]);
  });

  test('nulls and missing values do not decide a kind; -0 and unsafe integers are doubles', async () => {
    const records = [{ a: null, b: 1, c: -0, d: 2 ** 53, e: true }, { b: null, e: 'yes' }];
    expect(await scanColumns(streamOf(records)())).toEqual([
      { name: 'a', kind: 'string' },
      { name: 'b', kind: 'integer' },
      { name: 'c', kind: 'double' },
      { name: 'd', kind: 'double' },
      { name: 'e', kind: 'json' },
    ]);
  });

  test('no records give no columns', async () => {
    expect(await scanColumns(streamOf([])())).toEqual([]);
  });
});

describe('rowReader', () => {
  test('gives values in column order, undefined for missing keys, and reads `__proto__` as an own key only', async () => {
    const records = [JSON.parse('{"__proto__": 1, "a": 2}') as Record<string, unknown>, { b: 3 }];
    const columns = await scanColumns(streamOf(records)());
    const readRow = rowReader(columns);
    expect(readRow(records[0]!)).toEqual([1, 2, undefined]);
    expect(readRow(records[1]!)).toEqual([undefined, undefined, 3]);
  });

  test('a key unseen in the first pass is an error naming it', () => {
    const readRow = rowReader([{ name: 'a', kind: 'string' }]);
    expect(() => readRow({ a: 'x', surprise: 1 })).toThrow('a record has the key `surprise`, unseen in the first pass');
  });
});
