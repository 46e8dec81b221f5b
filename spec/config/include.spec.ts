import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { resolveIncludes } from '../../lib/config/include.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { writeFiles } from './temp-files.ts';

/** A task folder holding `files`, and the context of its `task.yaml`. */
async function taskFolder(files: Record<string, string>) {
  const root = tempDir();
  const dir = join(root, 'task');
  await writeFiles(dir, { 'task.yaml': 'task_name: t\n', ...files });
  return { root, dir, context: { file: join(dir, 'task.yaml'), cwd: root, env: {} } };
}

async function configErrorOf(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(ConfigError.isInstance(error)).toBe(true);
  return error as ConfigError;
}

describe('resolveIncludes: a mapping of mappings (DGT `include.documents`)', () => {
  test('a path gives its text, a glob or a list gives the list of every file, records spread in', async () => {
    const { context } = await taskFolder({
      'docs/alpha.md': '# Alpha\nAlpha text.',
      'docs/beta.txt': 'Beta text.',
      'docs/more/gamma.md': 'Gamma text.',
      'docs/rows.jsonl': '{"content": "Row one."}\n{"content": "Row two."}\n',
    });
    const document = {
      task_name: 't',
      include: { documents: { alpha: 'docs/alpha.md', texts: 'docs/*.txt', both: ['docs/more/*.md', 'docs/rows.jsonl'], rows: 'docs/rows.jsonl' } },
    };
    const resolved = await resolveIncludes(document, context);
    expect(resolved).toEqual({
      task_name: 't',
      documents: {
        alpha: '# Alpha\nAlpha text.',
        texts: ['Beta text.'],
        both: ['Gamma text.', { content: 'Row one.' }, { content: 'Row two.' }],
        rows: [{ content: 'Row one.' }, { content: 'Row two.' }],
      },
    });
  });

  test('nested mappings recurse, and the document own entries win', async () => {
    const { context } = await taskFolder({ 'a.md': 'A', 'b.md': 'B' });
    const resolved = await resolveIncludes({ documents: { mine: 'inline text' }, include: { documents: { mine: 'a.md', group: { b: 'b.md' } } } }, context);
    expect(resolved).toEqual({ documents: { mine: 'inline text', group: { b: 'B' } } });
  });

  test('a path outside the task folder is refused, naming the file and the field', async () => {
    const { root, context } = await taskFolder({});
    await writeFiles(root, { 'outside.md': 'secret' });
    for (const path of ['../outside.md', join(root, 'outside.md'), '../*.md']) {
      const error = await configErrorOf(resolveIncludes({ include: { documents: { leak: path } } }, context));
      expect(error.file).toBe(context.file);
      expect(error.field).toBe('include.documents.leak');
      expect(error.message).toMatch(/outside the task's folder and DGT's data folder/);
    }
  });

  test('a symbolic link out of the task folder is refused, alone or matched by a glob', async () => {
    const { root, dir, context } = await taskFolder({});
    await writeFiles(root, { 'outside.md': 'secret' });
    symlinkSync(join(root, 'outside.md'), join(dir, 'link.md'));
    for (const path of ['link.md', '*.md']) {
      const error = await configErrorOf(resolveIncludes({ include: { documents: { leak: path } } }, context));
      expect(error.field).toBe('include.documents.leak');
      expect(error.message).toMatch(/outside the task's folder and DGT's data folder/);
    }
  });

  test("DGT's own task files name documents as `${DGT_DATA_DIR}/...`: read from DGT's data folder, a glob too", async () => {
    const { root, context } = await taskFolder({});
    await writeFiles(root, { 'data/public/kb/a.md': 'Alpha.', 'data/public/kb/b.md': 'Beta.', 'elsewhere/c.md': 'Gamma.' });
    const resolved = await resolveIncludes({ include: { documents: { kb: 'data/public/kb/*.md', one: join(root, 'data', 'public', 'kb', 'a.md') } } }, context);
    expect(resolved).toEqual({ documents: { kb: ['Alpha.', 'Beta.'], one: 'Alpha.' } });
    const moved = await resolveIncludes({ include: { documents: { kb: 'store/kb/*.md' } } }, { ...context, env: { DGT_DATA_DIR: 'store' } }).catch((error: unknown) => error);
    expect(ConfigError.isInstance(moved) && moved.message).toMatch(/no file matches/);
    const outside = await configErrorOf(resolveIncludes({ include: { documents: { c: '../elsewhere/c.md' } } }, context));
    expect(outside.message).toMatch(/outside the task's folder and DGT's data folder/);
  });

  test('nothing matching, a bad entry and a non-mapping target are config errors naming the field', async () => {
    const { context } = await taskFolder({ 'a.md': 'A' });
    const missing = await configErrorOf(resolveIncludes({ include: { documents: { gone: 'docs/*.md' } } }, context));
    expect([missing.file, missing.field]).toEqual([context.file, 'include.documents.gone']);
    expect(missing.message).toMatch(/no file matches/);
    const absent = await configErrorOf(resolveIncludes({ include: { documents: { gone: 'nothing.md' } } }, context));
    expect(absent.field).toBe('include.documents.gone');
    const bad = await configErrorOf(resolveIncludes({ include: { documents: { odd: 3 } } }, context));
    expect(bad.field).toBe('include.documents.odd');
    const clash = await configErrorOf(resolveIncludes({ documents: 'text', include: { documents: { a: 'a.md' } } }, context));
    expect(clash.field).toBe('include.documents');
  });
});
