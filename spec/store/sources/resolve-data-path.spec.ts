import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { resolveDataPath } from '../../../lib/store/sources/resolve-data-path.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { configErrorOf, writeFiles } from './fixtures.ts';

describe('resolveDataPath', () => {
  test('a file, or a folder when the path names one', async () => {
    const dir = writeFiles(tempDir(), { 'seeds.jsonl': '{}\n', 'ds/state.json': '{}' });
    expect(await resolveDataPath('seeds.jsonl', { baseDir: dir })).toEqual({ kind: 'files', paths: [join(dir, 'seeds.jsonl')] });
    expect(await resolveDataPath('ds', { baseDir: dir })).toEqual({ kind: 'folder', path: join(dir, 'ds') });
  });

  test('a glob gives its files in sorted path order, skipping folders it matches', async () => {
    const dir = writeFiles(tempDir(), { 'd/b.jsonl': '', 'd/a.jsonl': '', 'd/sub/c.jsonl': '' });
    mkdirSync(join(dir, 'd', 'folder.jsonl'));
    expect(await resolveDataPath('d/**/*.jsonl', { baseDir: dir })).toEqual({
      kind: 'files',
      paths: [join(dir, 'd/a.jsonl'), join(dir, 'd/b.jsonl'), join(dir, 'd/sub/c.jsonl')],
    });
  });

  test('data formats keep the glob matches ending in them, with or without the dot', async () => {
    const dir = writeFiles(tempDir(), { 'd/a.jsonl': '', 'd/b.csv': '', 'd/c.md': '', 'd/xjsonl': '' });
    const expected = { kind: 'files', paths: [join(dir, 'd/a.jsonl'), join(dir, 'd/b.csv')] };
    expect(await resolveDataPath('d/*', { baseDir: dir, formats: ['.jsonl', '.csv'] })).toEqual(expected);
    expect(await resolveDataPath('d/*', { baseDir: dir, formats: ['jsonl', 'csv'] })).toEqual(expected);
  });

  test('a relative path falls back to `fallbackDir`', async () => {
    const base = tempDir();
    const fallback = writeFiles(tempDir(), { 'data/seeds.jsonl': '' });
    expect(await resolveDataPath('data/*.jsonl', { baseDir: base, fallbackDir: fallback })).toEqual({ kind: 'files', paths: [join(fallback, 'data/seeds.jsonl')] });
  });

  test('nothing found is a ConfigError naming the file, the field and every path tried', async () => {
    const base = tempDir();
    const fallback = tempDir();
    const error = await configErrorOf(resolveDataPath('missing.jsonl', { baseDir: base, fallbackDir: fallback, file: '/t/task.yaml', field: 'data.data_path' }));
    expect(error.message).toBe(`/t/task.yaml: field \`data.data_path\`: no file matches \`${join(base, 'missing.jsonl')}\` or \`${join(fallback, 'missing.jsonl')}\``);
    const filtered = await configErrorOf(resolveDataPath('*', { baseDir: writeFiles(tempDir(), { 'a.md': '' }), formats: ['jsonl'] }));
    expect(filtered.message).toContain('no file ending in .jsonl matches');
  });
});
