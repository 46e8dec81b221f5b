import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DatastoreError } from '../../../lib/errors/datastore-error.ts';
import { readJsonlRecords } from '../../../lib/store/sources/jsonl-reader.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { configErrorOf, drain, writeFiles } from './fixtures.ts';

function jsonlFile(text: string): string {
  return join(writeFiles(tempDir(), { 'seeds.jsonl': text }), 'seeds.jsonl');
}

describe('readJsonlRecords', () => {
  test('one record per non-blank line (LF or CRLF, a leading BOM dropped); returns the row count', async () => {
    const path = jsonlFile('\uFEFF{"q":"a"}\r\n\n   \n{"q":"b"}\n{"q":"c"}');
    expect(await drain(readJsonlRecords(path, 0))).toEqual({ items: [{ q: 'a' }, { q: 'b' }, { q: 'c' }], returned: 3 });
  });

  test('yields from row `skip` on; rows before it are counted, not parsed', async () => {
    const path = jsonlFile('not json at all\n\n{"q":"b"}\n{"q":"c"}\n');
    expect(await drain(readJsonlRecords(path, 1))).toEqual({ items: [{ q: 'b' }, { q: 'c' }], returned: 3 });
  });

  test('a bad line is a ConfigError naming the data file and the line number', async () => {
    const path = jsonlFile('{"q":"a"}\n\n{"q":\n');
    const error = await configErrorOf(drain(readJsonlRecords(path, 0)));
    expect(error.file).toBe(path);
    expect(error.message).toContain(`${path}: line 3: invalid JSON`);
  });

  test('a line that is not an object is a ConfigError naming the line', async () => {
    const path = jsonlFile('{"q":"a"}\n[1,2]\n');
    expect((await configErrorOf(drain(readJsonlRecords(path, 0)))).message).toBe(`${path}: line 2: expected a JSON object, received array`);
  });

  test('streams a file larger than one read chunk', async () => {
    const lines = Array.from({ length: 20_000 }, (_, n) => JSON.stringify({ n, text: 'é'.repeat(n % 7) }));
    const path = jsonlFile(`${lines.join('\n')}\n`);
    const { items, returned } = await drain(readJsonlRecords(path, 19_998));
    expect(items).toEqual([
      { n: 19_998, text: 'é'.repeat(19_998 % 7) },
      { n: 19_999, text: 'é'.repeat(19_999 % 7) },
    ]);
    expect(returned).toBe(20_000);
  });

  test('a missing file is a DatastoreError (I/O during a run)', async () => {
    const path = join(tempDir(), 'gone.jsonl');
    const error: unknown = await drain(readJsonlRecords(path, 0)).catch((reason: unknown) => reason);
    expect(DatastoreError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(`${path}: cannot read: it does not exist`);
  });
});
