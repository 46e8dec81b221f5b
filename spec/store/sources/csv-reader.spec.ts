import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readCsvRecords } from '../../../lib/store/sources/csv-reader.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { configErrorOf, drain, writeFiles } from './fixtures.ts';

function csvFile(text: string): string {
  return join(writeFiles(tempDir(), { 'rows.csv': text }), 'rows.csv');
}

describe('readCsvRecords', () => {
  test('a header row names the columns; CRLF line ends; values stay strings; returns the row count', async () => {
    const path = csvFile('\uFEFFq,n\r\n"a, b",1\r\n"two\r\nlines",2\r\n');
    expect(await drain(readCsvRecords(path, 0))).toEqual({
      items: [
        { q: 'a, b', n: '1' },
        { q: 'two\r\nlines', n: '2' },
      ],
      returned: 2,
    });
  });

  test("`;` delimiter, `'` quotechar and skipinitialspace", async () => {
    const path = csvFile("q; a\n'x;y'; 'it''s'\n");
    expect((await drain(readCsvRecords(path, 0, { delimiter: ';', quotechar: "'", skipinitialspace: true }))).items).toEqual([{ q: 'x;y', a: "it's" }]);
    expect((await drain(readCsvRecords(path, 0, { delimiter: ';', quotechar: "'" }))).items).toEqual([{ q: 'x;y', ' a': " 'it''s'" }]);
  });

  test('has_header false: every row is data, columns "0", "1", ...', async () => {
    const path = csvFile('a,b\nc,d\n');
    expect((await drain(readCsvRecords(path, 0, { has_header: false }))).items).toEqual([
      { 0: 'a', 1: 'b' },
      { 0: 'c', 1: 'd' },
    ]);
  });

  test('yields from row `skip` on (the header is not a row)', async () => {
    const path = csvFile('n\n0\n1\n2\n3\n');
    expect(await drain(readCsvRecords(path, 3))).toEqual({ items: [{ n: '3' }], returned: 4 });
    expect(await drain(readCsvRecords(path, 3, { has_header: false }))).toEqual({ items: [{ 0: '2' }, { 0: '3' }], returned: 5 });
  });

  test('a ragged row is a ConfigError naming the file and the line', async () => {
    const path = csvFile('a,b\n"x\ny",1\n1,2,3\n');
    const error = await configErrorOf(drain(readCsvRecords(path, 0)));
    expect(error.file).toBe(path);
    expect(error.message).toBe(`${path}: line 4: expected 2 CSV fields like the header, found 3`);
  });

  test('a file larger than one read chunk streams through, with quoted fields across chunk ends', async () => {
    const rows = Array.from({ length: 5000 }, (_, index) => `${index},"text, with ""quotes"" and\nnewline ${'x'.repeat(index % 50)}"`);
    const path = csvFile(`id,text\n${rows.join('\r\n')}\r\n`);
    const { items, returned } = await drain(readCsvRecords(path, 4990));
    expect(returned).toBe(5000);
    expect(items).toHaveLength(10);
    expect(items[9]).toEqual({ id: '4999', text: `text, with "quotes" and\nnewline ${'x'.repeat(4999 % 50)}` });
  });
});
