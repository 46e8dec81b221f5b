import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { DatastoreError } from '../../../lib/errors/datastore-error.ts';
import { readArrowStreamRecords } from '../../../lib/store/sources/arrow-stream-reader.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { configErrorOf, drain } from './fixtures.ts';

/** A table of one `q` column in one record batch per list. */
function batches(...lists: string[][]): Table {
  return lists.map((list) => new Table({ q: vectorFromArray(list, new Utf8()) })).reduce((all, table) => all.concat(table));
}

function arrowFile(dir: string, name: string, table: Table): string {
  const path = join(dir, name);
  writeFileSync(path, tableToIPC(table, 'stream'));
  return path;
}

describe('readArrowStreamRecords', () => {
  test('streams the batches of each file in order and returns the row count', async () => {
    const dir = tempDir();
    const files = [arrowFile(dir, 'a.arrow', batches(['a', 'b'], ['c'])), arrowFile(dir, 'b.arrow', batches(['d', 'e']))];
    const { items, returned } = await drain(readArrowStreamRecords(files, 0));
    expect(items).toEqual([{ q: 'a' }, { q: 'b' }, { q: 'c' }, { q: 'd' }, { q: 'e' }]);
    expect(returned).toBe(5);
  });

  test('skips whole batches and files before `skip`', async () => {
    const dir = tempDir();
    const files = [arrowFile(dir, 'a.arrow', batches(['a', 'b'], ['c'])), arrowFile(dir, 'b.arrow', batches(['d', 'e'], ['f']))];
    expect((await drain(readArrowStreamRecords(files, 4))).items).toEqual([{ q: 'e' }, { q: 'f' }]);
    expect((await drain(readArrowStreamRecords(files, 2))).items.map((record) => record['q'])).toEqual(['c', 'd', 'e', 'f']);
    expect(await drain(readArrowStreamRecords(files, 9))).toEqual({ items: [], returned: 6 });
  });

  test('a file that is not an Arrow stream is a ConfigError naming it', async () => {
    const dir = tempDir();
    const path = join(dir, 'data-00000-of-00001.arrow');
    writeFileSync(path, 'these bytes are not an Arrow IPC stream');
    const error = await configErrorOf(drain(readArrowStreamRecords([path], 0)));
    expect(error.file).toBe(path);
    expect(error.message).toContain('not a valid Arrow stream file');
  });

  test('a file that vanished during a run is a DatastoreError', async () => {
    const path = join(tempDir(), 'gone.arrow');
    const error: unknown = await drain(readArrowStreamRecords([path], 0)).catch((reason: unknown) => reason);
    expect(DatastoreError.isInstance(error)).toBe(true);
    expect((error as DatastoreError).message).toBe(`${path}: cannot read: it does not exist`);
  });
});
