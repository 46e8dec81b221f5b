import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseCsv } from '../../../lib/config/csv.ts';
import { ConfigError } from '../../../lib/errors/config-error.ts';
import { writeCsvFile } from '../../../lib/store/targets/write-csv-file.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { keysOf, streamOf, variedRecords } from './record-fixtures.ts';

/** The text a CSV field holds for `value`: strings as they are, numbers and booleans with String(), objects as JSON. */
function fieldText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

describe('writeCsvFile', () => {
  test('writes a header of the key union, then one row per record, quoting like Python QUOTE_MINIMAL', async () => {
    const path = join(tempDir(), 'data.csv');
    const records = [{ id: 1, text: 'a, b', ok: true }, { id: 2.5, text: 'say "hi"', tags: ['x'] }, { text: 'two\nlines', note: null }];
    const stream = streamOf(records);
    expect(await writeCsvFile(path, stream)).toBe(3);
    expect(readFileSync(path, 'utf8')).toBe(
      'id,text,ok,tags,note\r\n' + '1,"a, b",true,,\r\n' + '2.5,"say ""hi""",,"[""x""]",\r\n' + ',"two\nlines",,,\r\n',
    );
    expect(stream.passes).toBe(2);
  });

  test('round-trips the varied records through the project CSV reader', async () => {
    const path = join(tempDir(), 'data.csv');
    await writeCsvFile(path, streamOf(variedRecords));
    const keys = keysOf(variedRecords);
    const expected = variedRecords.map((record) => Object.fromEntries(keys.map((key) => [key, fieldText(record[key])])));
    expect(parseCsv(readFileSync(path, 'utf8'), path)).toEqual(expected);
  });

  test('takes the delimiter, quote character and line terminator of a Python dialect', async () => {
    const path = join(tempDir(), 'data.csv');
    const records = [{ a: 'x;y', b: "it's", c: 'plain, comma' }, { a: 'line\rbreak', b: 'semi', c: '' }];
    await writeCsvFile(path, streamOf(records), { delimiter: ';', quotechar: "'", lineterminator: '\n' });
    expect(readFileSync(path, 'utf8')).toBe("a;b;c\n'x;y';'it''s';plain, comma\n'line\rbreak';semi;\n");
  });

  test('a field holding a character of a custom line terminator is quoted', async () => {
    const path = join(tempDir(), 'data.csv');
    await writeCsvFile(path, streamOf([{ a: 'x|y', b: 'z' }]), { lineterminator: '|' });
    expect(readFileSync(path, 'utf8')).toBe('a,b|"x|y",z|');
  });

  // Python's reader reads such a row back as one empty field (lib/config/csv.ts `parseCsv` skips it as blank).
  test('a row of one empty field is written "" so it is not a blank line', async () => {
    const path = join(tempDir(), 'data.csv');
    const records = [{ only: 'a' }, { only: '' }, {}, { only: null }];
    expect(await writeCsvFile(path, streamOf(records))).toBe(4);
    expect(readFileSync(path, 'utf8')).toBe('only\r\na\r\n""\r\n""\r\n""\r\n');
  });

  test('no records, or records without keys, give an empty file', async () => {
    const dir = tempDir();
    expect(await writeCsvFile(join(dir, 'none.csv'), streamOf([]))).toBe(0);
    expect(readFileSync(join(dir, 'none.csv'), 'utf8')).toBe('');
    expect(await writeCsvFile(join(dir, 'keyless.csv'), streamOf([{}, {}]))).toBe(2);
    expect(readFileSync(join(dir, 'keyless.csv'), 'utf8')).toBe('');
  });

  test.each([
    [{ delimiter: ';;' }, '`delimiter`: expected one character, received ";;"'],
    [{ quotechar: '' }, '`quotechar`: expected one character, received ""'],
    [{ delimiter: "'", quotechar: "'" }, '`quotechar`: expected a character other than the delimiter'],
    [{ lineterminator: '' }, '`lineterminator`: expected at least one character'],
  ])('a bad dialect %o is a ConfigError naming the setting', async (dialect, message) => {
    const path = join(tempDir(), 'data.csv');
    const written = writeCsvFile(path, streamOf([{ a: 1 }]), dialect);
    await expect(written).rejects.toThrow(message);
    await expect(written).rejects.toSatisfy(ConfigError.isInstance);
  });
});
