import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { type DefaultDatastoreConfig, defaultDatastoreSchema } from '../../../lib/config/datastore-spec.ts';
import { type SourceRow, openRecordSource } from '../../../lib/store/sources/record-source.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { collect, configErrorOf, corruptRowGroup, writeDatasetDict, writeFiles, writeParquet } from './fixtures.ts';

/** A datastore config as a task file gives it (parsed, `type` filled in). */
function store(config: Record<string, unknown>): DefaultDatastoreConfig {
  return defaultDatastoreSchema.parse(config);
}

function summary(rows: readonly SourceRow[]): [unknown, number, number][] {
  return rows.map(({ record, position }) => [record['n'], position.iter_index, position.row_index]);
}

const where = { file: '/tasks/task.yaml', field: 'seed_datastore' };

/** Three files matching `data/*`: a.jsonl (n 0-1), b.csv (n 2-4), c.parquet (n 5-13 in row groups of 4). */
function threeFiles(): string {
  const dir = writeFiles(tempDir(), {
    'data/a.jsonl': '{"n":0}\n{"n":1}\n',
    'data/b.csv': 'n\n2\n3\n4\n',
  });
  writeParquet(join(dir, 'data/c.parquet'), [{ name: 'n', data: Array.from({ length: 9 }, (_, index) => index + 5), type: 'INT32' }], 4);
  return dir;
}

describe('openRecordSource', () => {
  test('inline data comes first (iter_index 0), then each file in sorted path order with its own row_index', async () => {
    const dir = threeFiles();
    const source = await openRecordSource(store({ data: [{ n: 'x' }, { n: 'y' }], data_path: 'data/*' }), { ...where, baseDir: dir });
    expect(source.files).toEqual([join(dir, 'data/a.jsonl'), join(dir, 'data/b.csv'), join(dir, 'data/c.parquet')]);
    const rows = await collect(source.rows());
    expect(summary(rows)).toEqual([
      ['x', 0, 0],
      ['y', 0, 1],
      [0, 1, 0],
      [1, 1, 1],
      ['2', 2, 0],
      ['3', 2, 1],
      ['4', 2, 2],
      ...Array.from({ length: 9 }, (_, index): [unknown, number, number] => [index + 5, 3, index]),
    ]);
  });

  test('without inline data the first file is iter_index 0', async () => {
    const source = await openRecordSource(store({ data_path: 'data/*' }), { ...where, baseDir: threeFiles() });
    const rows = await collect(source.rows(1));
    expect(summary(rows.slice(0, 2))).toEqual([
      [1, 0, 1],
      ['2', 1, 0],
    ]);
  });

  test('rows(start) resumes at a flat row across inline data and files, and can be called again', async () => {
    const dir = threeFiles();
    const source = await openRecordSource(store({ data: [{ n: 'x' }], data_path: 'data/*', buffer_size: 3 }), { ...where, baseDir: dir });
    expect(summary(await collect(source.rows(11)))).toEqual([
      [10, 3, 5],
      [11, 3, 6],
      [12, 3, 7],
      [13, 3, 8],
    ]);
    expect(summary(await collect(source.rows(3)))[0]).toEqual(['2', 2, 0]);
    expect(summary(await collect(source.rows(0)))[0]).toEqual(['x', 0, 0]);
    expect(await collect(source.rows(100))).toEqual([]);
  });

  test('rows(start) past earlier Parquet row groups never decodes them', async () => {
    const dir = threeFiles();
    // c.parquet's first row group (n 5-8) is garbage: a resume inside its third row group must not read it.
    corruptRowGroup(join(dir, 'data/c.parquet'), 0);
    const source = await openRecordSource(store({ data_path: 'data/c.parquet', buffer_size: 2 }), { ...where, baseDir: dir });
    expect(summary(await collect(source.rows(8)))).toEqual([[13, 0, 8]]);
    expect(summary(await collect(source.rows(5)))).toEqual([
      [10, 0, 5],
      [11, 0, 6],
      [12, 0, 7],
      [13, 0, 8],
    ]);
    const error = await configErrorOf(collect(source.rows(0)));
    expect(error.file).toBe(join(dir, 'data/c.parquet'));
    expect(error.message).toContain('not a valid Parquet file');
  });

  test('a glob keeps only files ending in one of data_formats, given with or without the dot', async () => {
    const dir = threeFiles();
    writeFiles(dir, { 'data/notes.md': 'ignored', 'data/extra.xlsx': 'ignored' });
    for (const data_formats of [['.jsonl', '.parquet'], ['jsonl', 'parquet']]) {
      const source = await openRecordSource(store({ data_path: 'data/*', data_formats }), { ...where, baseDir: dir });
      expect(source.files).toEqual([join(dir, 'data/a.jsonl'), join(dir, 'data/c.parquet')]);
      expect(summary(await collect(source.rows(1))).slice(0, 2)).toEqual([
        [1, 0, 1],
        [5, 1, 0],
      ]);
    }
  });

  test('CSV options from the config: `;` delimiter, `\'` quotechar, skipinitialspace, no header, CRLF', async () => {
    const dir = writeFiles(tempDir(), { 'rows.csv': "'a;b'; c\r\nd; 'e''s'\r\n" });
    const config = store({ data_path: 'rows.csv', delimiter: ';', quotechar: "'", skipinitialspace: true, has_header: false, lineterminator: '\r\n' });
    const source = await openRecordSource(config, { ...where, baseDir: dir });
    expect((await collect(source.rows())).map((row) => row.record)).toEqual([
      { 0: 'a;b', 1: 'c' },
      { 0: 'd', 1: "e's" },
    ]);
  });

  test('a ragged CSV row is a ConfigError naming the data file and the line, raised while reading', async () => {
    const dir = writeFiles(tempDir(), { 'rows.csv': 'q,a\nx,y\nonly one\n' });
    const source = await openRecordSource(store({ data_path: 'rows.csv' }), { ...where, baseDir: dir });
    const error = await configErrorOf(collect(source.rows()));
    expect(error.file).toBe(join(dir, 'rows.csv'));
    expect(error.message).toContain('line 3: expected 2 CSV fields like the header, found 1');
  });

  test('JSON, YAML, text and markdown files', async () => {
    const dir = writeFiles(tempDir(), { 'd/a.json': '[{"n":1},{"n":2}]', 'd/b.yaml': 'n: 3\n', 'd/c.txt': 'plain text', 'd/d.md': '# doc\n' });
    const source = await openRecordSource(store({ data_path: 'd/*' }), { ...where, baseDir: dir });
    expect((await collect(source.rows())).map(({ record, position }) => [record, position.iter_index])).toEqual([
      [{ n: 1 }, 0],
      [{ n: 2 }, 0],
      [{ n: 3 }, 1],
      [{ text: 'plain text' }, 2],
      [{ text: '# doc\n' }, 3],
    ]);
  });

  test('a HuggingFace DatasetDict folder: the `data_split` split, streamed from its Arrow files', async () => {
    const dir = tempDir();
    const table = (...texts: string[]) => new Table({ q: vectorFromArray(texts, new Utf8()) });
    writeDatasetDict(join(dir, 'hf'), { train: [table('a', 'b')], test: [table('c', 'd', 'e')] });
    const train = await openRecordSource(store({ data_path: 'hf' }), { ...where, baseDir: dir });
    expect(train.files).toEqual([join(dir, 'hf', 'train')]);
    expect((await collect(train.rows())).map((row) => row.record)).toEqual([{ q: 'a' }, { q: 'b' }]);
    const test_ = await openRecordSource(store({ data: [{ q: 'inline' }], data_path: 'hf', data_split: 'test' }), { ...where, baseDir: dir });
    expect((await collect(test_.rows(2))).map(({ record, position }) => [record['q'], position])).toEqual([
      ['d', { iter_index: 1, row_index: 1 }],
      ['e', { iter_index: 1, row_index: 2 }],
    ]);
    const error = await configErrorOf(openRecordSource(store({ data_path: 'hf', data_split: 'validation' }), { ...where, baseDir: dir }));
    expect(error.file).toBe('/tasks/task.yaml');
    expect(error.field).toBe('seed_datastore.data_split');
    expect(error.message).toContain('unknown split `validation`');
    expect(error.message).toContain('(known: train, test)');
  });

  test('a folder that is not a HuggingFace dataset is a ConfigError saying what was expected', async () => {
    const dir = writeFiles(tempDir(), { 'plain/a.jsonl': '{}\n' });
    const error = await configErrorOf(openRecordSource(store({ data_path: 'plain' }), { ...where, baseDir: dir }));
    expect(error.field).toBe('seed_datastore.data_path');
    expect(error.message).toContain('not a HuggingFace dataset saved with `save_to_disk`');
  });

  test('a missing path is a ConfigError naming the task file, the field and each path tried', async () => {
    const base = tempDir();
    const fallback = tempDir();
    const error = await configErrorOf(openRecordSource(store({ data_path: 'seeds.jsonl' }), { baseDir: base, fallbackDir: fallback, ...where }));
    expect(error.message).toBe(
      `/tasks/task.yaml: field \`seed_datastore.data_path\`: no file matches \`${join(base, 'seeds.jsonl')}\` or \`${join(fallback, 'seeds.jsonl')}\``,
    );
  });

  test('`where.field` may name the data_path field itself', async () => {
    const error = await configErrorOf(openRecordSource(store({ data_path: 'nope/*.jsonl' }), { baseDir: tempDir(), file: 't.yaml', field: 'data.data_path' }));
    expect(error.field).toBe('data.data_path');
  });

  test('relative paths fall back to `fallbackDir`', async () => {
    const fallback = writeFiles(tempDir(), { 'seeds.jsonl': '{"n":1}\n' });
    const source = await openRecordSource(store({ data_path: 'seeds.jsonl' }), { ...where, baseDir: tempDir(), fallbackDir: fallback });
    expect(source.files).toEqual([join(fallback, 'seeds.jsonl')]);
  });

  test('an unsupported extension fails at open, listing the supported formats', async () => {
    const dir = writeFiles(tempDir(), { 'seeds.xlsx': 'PK' });
    const error = await configErrorOf(openRecordSource(store({ data_path: 'seeds.xlsx' }), { ...where, baseDir: dir }));
    expect(error.field).toBe('seed_datastore.data_path');
    expect(error.message).toContain(`unsupported data format \`.xlsx\` for \`${join(dir, 'seeds.xlsx')}\``);
    expect(error.message).toContain('(supported: .jsonl, .json, .yaml, .yml, .csv, .parquet, .txt, .md)');
  });

  test('a truncated Parquet file, or random bytes named .parquet, fail at open naming the file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'noise.parquet'), Buffer.from(Array.from({ length: 512 }, (_, index) => (index * 31) % 256)));
    writeFileSync(join(dir, 'short.parquet'), 'PAR1');
    for (const name of ['noise.parquet', 'short.parquet']) {
      const error = await configErrorOf(openRecordSource(store({ data_path: name }), { ...where, baseDir: dir }));
      expect(error.file).toBe(join(dir, name));
      expect(error.message).toContain('not a valid Parquet file: ');
    }
  });

  test('an inline item that is not an object names `<datastore>.data`', async () => {
    const config = { type: 'default', data: [{ n: 1 }, 'text'] } as unknown as DefaultDatastoreConfig;
    const error = await configErrorOf(openRecordSource(config, { ...where, baseDir: tempDir() }));
    expect(error.field).toBe('seed_datastore.data');
    expect(error.message).toContain('item 1: expected an object');
  });

  test('inline data only: no files; reading is lazy and stopping early is clean', async () => {
    const source = await openRecordSource(store({ data: [{ n: 1 }, { n: 2 }, { n: 3 }] }), { baseDir: tempDir() });
    expect(source.files).toEqual([]);
    const seen: unknown[] = [];
    for await (const { record } of source.rows(1)) {
      seen.push(record['n']);
      break;
    }
    expect(seen).toEqual([2]);
  });

  test('a file removed after opening fails the read with a DatastoreError', async () => {
    const dir = writeFiles(tempDir(), { 'seeds.jsonl': '{"n":1}\n' });
    const source = await openRecordSource(store({ data_path: 'seeds.jsonl' }), { ...where, baseDir: dir });
    rmSync(join(dir, 'seeds.jsonl'));
    const error = (await collect(source.rows()).catch((reason: unknown) => reason)) as Error;
    expect(error.name).toBe('DatastoreError');
    expect(error.message).toBe(`${join(dir, 'seeds.jsonl')}: cannot read: it does not exist`);
  });

  test('a bad `start` throws at once', async () => {
    const source = await openRecordSource(store({ data: [{ n: 1 }] }), { baseDir: tempDir() });
    expect(() => source.rows(-1)).toThrow('`start` must be a non-negative integer, received -1');
    expect(() => source.rows(1.5)).toThrow(TypeError);
  });
});
