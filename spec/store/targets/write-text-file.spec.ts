import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { writeTextFile } from '../../../lib/store/targets/write-text-file.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

async function* chunksOf(chunks: readonly string[]): AsyncGenerator<string> {
  yield* chunks;
}

describe('writeTextFile', () => {
  test('writes the chunks in order, across several flushes', async () => {
    const path = join(tempDir(), 'out.txt');
    // Three chunks of 700,000 characters (some of them two UTF-8 bytes) cross the 1 MiB flush size twice.
    const chunks = ['a', 'ß', 'c'].map((letter) => letter.repeat(700_000));
    await writeTextFile(path, chunksOf(chunks));
    expect(readFileSync(path, 'utf8')).toBe(chunks.join(''));
  });

  test('truncates an existing file', async () => {
    const path = join(tempDir(), 'out.txt');
    await writeTextFile(path, chunksOf(['a much longer old content']));
    await writeTextFile(path, chunksOf(['new']));
    expect(readFileSync(path, 'utf8')).toBe('new');
  });

  test('an error of the chunks is rethrown', async () => {
    const path = join(tempDir(), 'out.txt');
    async function* failing(): AsyncGenerator<string> {
      yield 'x';
      throw new Error('source broke');
    }
    await expect(writeTextFile(path, failing())).rejects.toThrow('source broke');
  });
});
