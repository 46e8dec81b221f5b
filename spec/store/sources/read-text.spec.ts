import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DatastoreError } from '../../../lib/errors/datastore-error.ts';
import { readTextLines, readWholeText } from '../../../lib/store/sources/read-text.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { collect, writeFiles } from './fixtures.ts';

describe('readTextLines', () => {
  test('numbered lines without their ends (LF or CRLF), a leading BOM dropped, a last line without an end kept', async () => {
    const path = join(writeFiles(tempDir(), { 'a.txt': '\uFEFFone\r\ntwo\n\nfour' }), 'a.txt');
    expect(await collect(readTextLines(path))).toEqual([
      { text: 'one', line: 1 },
      { text: 'two', line: 2 },
      { text: '', line: 3 },
      { text: 'four', line: 4 },
    ]);
  });

  test('lines and multi-byte characters that straddle read chunks come out whole', async () => {
    const long = '€'.repeat(40_000);
    const path = join(writeFiles(tempDir(), { 'a.txt': `${long}\n${long}x\n` }), 'a.txt');
    expect(await collect(readTextLines(path))).toEqual([
      { text: long, line: 1 },
      { text: `${long}x`, line: 2 },
    ]);
  });

  test('a missing file is a DatastoreError', async () => {
    const path = join(tempDir(), 'gone.txt');
    const error: unknown = await collect(readTextLines(path)).catch((reason: unknown) => reason);
    expect(DatastoreError.isInstance(error)).toBe(true);
    expect(((await readWholeText(path).catch((reason: unknown) => reason)) as Error).message).toBe(`${path}: cannot read: it does not exist`);
  });
});
