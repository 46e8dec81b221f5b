import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { type ReadDataFileOptions, readDataFile } from '../../lib/config/data-file.ts';
import { configErrorOf, tempDirWith, useTempDir } from './temp-files.ts';

describe('readDataFile', () => {
  const tempDir = useTempDir();
  const dirWith = tempDirWith(tempDir);

  /** The ConfigError of reading `pattern` in a fresh temp dir holding `files`, and that dir. */
  async function readFailure(files: Record<string, string>, pattern: string, options: Omit<ReadDataFileOptions, 'baseDir'> = {}) {
    const dir = await dirWith(files);
    return { dir, error: await configErrorOf(readDataFile(pattern, { ...options, baseDir: dir })) };
  }

  test('reads JSONL, skipping blank lines', async () => {
    const dir = await dirWith({ 'seeds.jsonl': '{"q":"a"}\n\n{"q":"b"}\r\n' });
    expect(await readDataFile('seeds.jsonl', { baseDir: dir })).toEqual([{ q: 'a' }, { q: 'b' }]);
  });

  test('a bad JSONL line names the data file and the line number', async () => {
    const { dir, error } = await readFailure({ 'seeds.jsonl': '{"q":"a"}\n{"q":\n' }, 'seeds.jsonl');
    expect(error.file).toBe(join(dir, 'seeds.jsonl'));
    expect(error.message).toContain(`${join(dir, 'seeds.jsonl')}: line 2: invalid JSON`);
  });

  test('JSON and YAML give a list, or one object as one record', async () => {
    const dir = await dirWith({
      'list.json': '[{"q":"a"},{"q":"b"}]',
      'one.json': '{"q":"c"}',
      'list.yaml': '- q: d\n- q: e\n',
      'one.yml': 'q: f\n',
    });
    expect(await readDataFile('list.json', { baseDir: dir })).toEqual([{ q: 'a' }, { q: 'b' }]);
    expect(await readDataFile('one.json', { baseDir: dir })).toEqual([{ q: 'c' }]);
    expect(await readDataFile('list.yaml', { baseDir: dir })).toEqual([{ q: 'd' }, { q: 'e' }]);
    expect(await readDataFile('one.yml', { baseDir: dir })).toEqual([{ q: 'f' }]);
  });

  test('a JSON list of non-objects is an error naming the item', async () => {
    const { error } = await readFailure({ 'bad.json': '[{"q":"a"}, 3]' }, 'bad.json');
    expect(error.message).toContain('item 1: expected an object');
  });

  test('CSV: header row, quoted commas, doubled quotes and newlines; values stay strings', async () => {
    const dir = await dirWith({ 'rows.csv': 'question,answer,n\r\n"Paris, France?","He said ""yes""",1\n"two\nlines",b,2\n' });
    expect(await readDataFile('rows.csv', { baseDir: dir })).toEqual([
      { question: 'Paris, France?', answer: 'He said "yes"', n: '1' },
      { question: 'two\nlines', answer: 'b', n: '2' },
    ]);
  });

  test('a CSV row with the wrong field count names its line', async () => {
    const { error } = await readFailure({ 'rows.csv': 'a,b\n"x\ny",1\n1,2,3\n' }, 'rows.csv');
    expect(error.message).toContain('line 4: expected 2 CSV fields');
  });

  test('text and markdown give the whole text', async () => {
    const dir = await dirWith({ 'doc.md': '# Title\n\nBody\n' });
    expect(await readDataFile('doc.md', { baseDir: dir })).toBe('# Title\n\nBody\n');
  });

  test('globs with * and ** concatenate in sorted path order', async () => {
    const dir = await dirWith({
      'd/b.jsonl': '{"i":2}\n',
      'd/a.jsonl': '{"i":1}\n',
      'd/sub/deeper/c.jsonl': '{"i":3}\n',
      'd/sub/.hidden.jsonl': '{"i":99}\n',
      'd/notes.txt': 'ignored by the pattern',
    });
    expect(await readDataFile('d/*.jsonl', { baseDir: dir })).toEqual([{ i: 1 }, { i: 2 }]);
    expect(await readDataFile('d/**/*.jsonl', { baseDir: dir })).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);
    expect(await readDataFile(join(dir, 'd/**'), { baseDir: '/', formats: ['.jsonl'] })).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);
  });

  test('a pattern matching nothing names the task file and field', async () => {
    const { dir, error } = await readFailure({}, 'missing/*.jsonl', { file: '/tasks/task.yaml', field: 'seed_datastore.data_path' });
    expect(error.file).toBe('/tasks/task.yaml');
    expect(error.field).toBe('seed_datastore.data_path');
    expect(error.message).toBe(`/tasks/task.yaml: field \`seed_datastore.data_path\`: no file matches \`${join(dir, 'missing/*.jsonl')}\``);
  });

  test('several text files under one pattern are an error', async () => {
    const { error } = await readFailure({ 'a.txt': 'a', 'b.txt': 'b' }, '*.txt');
    expect(error.message).toContain('matches 2 files including text files');
  });

  test('an unsupported extension is an error', async () => {
    const { error } = await readFailure({ 'data.parquet': 'PAR1' }, 'data.parquet', { file: 't.yaml', field: 'data.data_path' });
    expect(error.message).toContain('unsupported data format `.parquet`');
  });

  test('data formats may be given without the dot, as DGT configs do', async () => {
    const dir = await dirWith({ 'd/a.jsonl': '{"i":1}\n', 'd/b.csv': 'i\n2\n', 'd/c.md': 'skipped' });
    expect(await readDataFile('d/*', { baseDir: dir, formats: ['jsonl', '.csv'] })).toEqual([{ i: 1 }, { i: '2' }]);
  });

  test('a folder is an error: HuggingFace dataset folders are read by datastores, not here', async () => {
    const { dir, error } = await readFailure({ 'ds/state.json': '{}' }, 'ds', { file: 't.yaml', field: 'data.data_path' });
    expect(error.field).toBe('data.data_path');
    expect(error.message).toContain(`\`${join(dir, 'ds')}\` is a directory`);
  });
});
