import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { writeAtomically } from '../../../lib/store/targets/write-atomically.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

describe('writeAtomically', () => {
  test('writes a temporary file beside the path, then renames it over the path', async () => {
    const dir = tempDir();
    const path = join(dir, 'final.txt');
    writeFileSync(path, 'old');
    let seen: { temporaryPath: string; files: string[] } | undefined;
    const result = await writeAtomically(path, async (temporaryPath) => {
      await writeFile(temporaryPath, 'new');
      seen = { temporaryPath, files: readdirSync(dir).sort() };
      return 42;
    });
    expect(result).toBe(42);
    expect(seen!.temporaryPath).toMatch(new RegExp(`^${path.replaceAll('.', '\\.')}\\.${process.pid}\\.\\d+\\.tmp$`));
    expect(seen!.files).toEqual(['final.txt', seen!.temporaryPath.slice(dir.length + 1)].sort());
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['final.txt']);
  });

  test('creates missing folders', async () => {
    const path = join(tempDir(), 'a', 'b', 'final.txt');
    await writeAtomically(path, (temporaryPath) => writeFile(temporaryPath, 'x'));
    expect(readFileSync(path, 'utf8')).toBe('x');
  });

  test('a failed write removes the temporary file and its SQLite journal, keeps the old file and rethrows', async () => {
    const dir = tempDir();
    const path = join(dir, 'final.txt');
    writeFileSync(path, 'old');
    const failure = new Error('write broke');
    const written = writeAtomically(path, async (temporaryPath) => {
      await writeFile(temporaryPath, 'partial');
      await writeFile(`${temporaryPath}-journal`, 'journal');
      throw failure;
    });
    await expect(written).rejects.toBe(failure);
    expect(readdirSync(dir)).toEqual(['final.txt']);
    expect(readFileSync(path, 'utf8')).toBe('old');
  });

  test('a folder that is a regular file fails with ENOTDIR, naming the folder', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'blocker'), '');
    const written = writeAtomically(join(dir, 'blocker', 'final.txt'), (temporaryPath) => writeFile(temporaryPath, 'x'));
    await expect(written).rejects.toMatchObject({ code: 'ENOTDIR', message: `${join(dir, 'blocker')} is a file, not a folder` });
  });

  test('two writes of one path at once use different temporary files', async () => {
    const path = join(tempDir(), 'final.txt');
    const temporaryPaths: string[] = [];
    await Promise.all(
      ['one', 'two'].map((text) =>
        writeAtomically(path, async (temporaryPath) => {
          temporaryPaths.push(temporaryPath);
          await writeFile(temporaryPath, text);
        }),
      ),
    );
    expect(new Set(temporaryPaths).size).toBe(2);
    expect(['one', 'two']).toContain(readFileSync(path, 'utf8'));
  });
});
