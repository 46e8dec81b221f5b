import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readDataFile } from '../../lib/config/data-file.ts';
import { configErrorOf, useTempDir, writeFiles } from './temp-files.ts';

describe('readDataFile', () => {
  const tempDir = useTempDir();

  test('reads JSONL, skipping blank lines', async () => {
    const dir = await tempDir();
    await writeFiles(dir, { 'seeds.jsonl': '{"q":"a"}\n\n{"q":"b"}\r\n' });
    expect(await readDataFile('seeds.jsonl', { baseDir: dir })).toEqual([{ q: 'a' }, { q: 'b' }]);
  });

  test('a bad JSONL line names the data file and the line number', async () => {
    const dir = await tempDir();
    await writeFiles(dir, { 'seeds.jsonl': '{"q":"a"}\n{"q":\n' });
    const error = await configErrorOf(readDataFile('seeds.jsonl', { baseDir: dir }));
    expect(error.file).toBe(join(dir, 'seeds.jsonl'));
    expect(error.message).toContain(`${join(dir, 'seeds.jsonl')}: line 2: invalid JSON`);
  });

  test('JSON and YAML give a list, or one object as one record', async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
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
    const dir = await tempDir();
    await writeFiles(dir, { 'bad.json': '[{"q":"a"}, 3]' });
    const error = await configErrorOf(readDataFile('bad.json', { baseDir: dir }));
    expect(error.message).toContain('item 1: expected an object');
  });

  test('CSV: header row, quoted commas, doubled quotes and newlines; values stay strings', async () => {
    const dir = await tempDir();
    await writeFiles(dir, { 'rows.csv': 'question,answer,n\r\n"Paris, France?","He said ""yes""",1\n"two\nlines",b,2\n' });
    expect(await readDataFile('rows.csv', { baseDir: dir })).toEqual([
      { question: 'Paris, France?', answer: 'He said "yes"', n: '1' },
      { question: 'two\nlines', answer: 'b', n: '2' },
    ]);
  });

  test('a CSV row with the wrong field count names its line', async () => {
    const dir = await tempDir();
    await writeFiles(dir, { 'rows.csv': 'a,b\n"x\ny",1\n1,2,3\n' });
    const error = await configErrorOf(readDataFile('rows.csv', { baseDir: dir }));
    expect(error.message).toContain('line 4: expected 2 CSV fields');
  });

  test('text and markdown give the whole text', async () => {
    const dir = await tempDir();
    await writeFiles(dir, { 'doc.md': '# Title\n\nBody\n' });
    expect(await readDataFile('doc.md', { baseDir: dir })).toBe('# Title\n\nBody\n');
  });

  test('globs with * and ** concatenate in sorted path order', async () => {
    const dir = await tempDir();
    await writeFiles(dir, {
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
    const dir = await tempDir();
    const error = await configErrorOf(readDataFile('missing/*.jsonl', { baseDir: dir, file: '/tasks/task.yaml', field: 'seed_datastore.data_path' }));
    expect(error.file).toBe('/tasks/task.yaml');
    expect(error.field).toBe('seed_datastore.data_path');
    expect(error.message).toBe(`/tasks/task.yaml: field \`seed_datastore.data_path\`: no file matches \`${join(dir, 'missing/*.jsonl')}\``);
  });

  test('several text files under one pattern are an error', async () => {
    const dir = await tempDir();
    await writeFiles(dir, { 'a.txt': 'a', 'b.txt': 'b' });
    const error = await configErrorOf(readDataFile('*.txt', { baseDir: dir }));
    expect(error.message).toContain('matches 2 files including text files');
  });

  test('an unsupported extension is an error', async () => {
    const dir = await tempDir();
    await writeFiles(dir, { 'data.parquet': 'PAR1' });
    const error = await configErrorOf(readDataFile('data.parquet', { baseDir: dir, file: 't.yaml', field: 'data.data_path' }));
    expect(error.message).toContain('unsupported data format `.parquet`');
  });
});
