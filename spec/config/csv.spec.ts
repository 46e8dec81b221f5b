import { describe, expect, test } from 'vitest';
import { type CsvOptions, createCsvRecordMaker, createCsvTokenizer, parseCsv } from '../../lib/config/csv.ts';
import { configErrorFrom } from './temp-files.ts';

/** The fields of each row of `text`, fed to the tokenizer in one chunk. */
function rows(text: string, options: CsvOptions = {}): (readonly string[])[] {
  const tokenizer = createCsvTokenizer('t.csv', options);
  return [...tokenizer.push(text), ...tokenizer.end()].map((row) => row.fields);
}

describe('createCsvTokenizer', () => {
  test('reads as Python csv does: quotes only open at a field start, doubled quotes, text after a closing quote kept', () => {
    expect(rows('a,b"c,"d""e",f\n')).toEqual([['a', 'b"c', 'd"e', 'f']]);
    expect(rows('"ab"cd,x\n')).toEqual([['abcd', 'x']]);
    expect(rows('"",,"x,y"\n')).toEqual([['', '', 'x,y']]);
    expect(rows('a,\n')).toEqual([['a', '']]);
  });

  test('rows end at \\n, \\r\\n or \\r; newlines inside quotes are text; blank lines are skipped', () => {
    expect(rows('a\r\nb\rc\n\n\r\nd')).toEqual([['a'], ['b'], ['c'], ['d']]);
    expect(rows('"one\r\ntwo",x\r\n')).toEqual([['one\r\ntwo', 'x']]);
  });

  test('delimiter, quotechar and skipinitialspace', () => {
    expect(rows("a;'b;c';'it''s'\n", { delimiter: ';', quotechar: "'" })).toEqual([['a', 'b;c', "it's"]]);
    // Without skipinitialspace a quote after a space is text, as in Python.
    expect(rows("a; 'b;c'\n", { delimiter: ';', quotechar: "'" })).toEqual([['a', " 'b", "c'"]]);
    expect(rows("a; 'b;c'; d\n", { delimiter: ';', quotechar: "'", skipinitialspace: true })).toEqual([['a', 'b;c', 'd']]);
    expect(rows('a, "b, c",  d\n', { skipinitialspace: true })).toEqual([['a', 'b, c', 'd']]);
    expect(rows('a, "b, c"\n')).toEqual([['a', ' "b', ' c"']]);
  });

  test('chunks may split anywhere, even between \\r and \\n or inside a doubled quote', () => {
    const text = 'q,a\r\n"x ""y""\r\nz",1\r\n\r\nlast,2\r';
    const whole = rows(text);
    const tokenizer = createCsvTokenizer('t.csv');
    const byChar = [...[...text].flatMap((char) => tokenizer.push(char)), ...tokenizer.end()];
    expect(byChar.map((row) => row.fields)).toEqual(whole);
    expect(byChar.map((row) => row.line)).toEqual([1, 2, 5]);
    expect(whole).toEqual([['q', 'a'], ['x "y"\r\nz', '1'], ['last', '2']]);
  });

  test('an unclosed quote names the line it opened on', () => {
    const tokenizer = createCsvTokenizer('t.csv');
    tokenizer.push('a,b\n1,"open\nstill open\n');
    expect(configErrorFrom(() => tokenizer.end()).message).toBe('t.csv: line 2: quoted CSV field is never closed');
  });
});

describe('createCsvRecordMaker', () => {
  test('with a header (the default) the first row names the columns; without, columns are "0", "1", ...', () => {
    const withHeader = createCsvRecordMaker('t.csv');
    expect(withHeader({ fields: ['q', 'a'], line: 1 })).toBeUndefined();
    expect(withHeader({ fields: ['x', 'y'], line: 2 })).toEqual({ q: 'x', a: 'y' });
    const positional = createCsvRecordMaker('t.csv', { has_header: false });
    expect(positional({ fields: ['x', 'y'], line: 1 })).toEqual({ 0: 'x', 1: 'y' });
  });

  test('a ragged row names the file and its line', () => {
    const withHeader = createCsvRecordMaker('t.csv');
    withHeader({ fields: ['q', 'a'], line: 1 });
    expect(configErrorFrom(() => withHeader({ fields: ['x'], line: 3 })).message).toBe('t.csv: line 3: expected 2 CSV fields like the header, found 1');
    const positional = createCsvRecordMaker('t.csv', { has_header: false });
    positional({ fields: ['x'], line: 1 });
    expect(configErrorFrom(() => positional({ fields: ['x', 'y'], line: 2 })).message).toContain('expected 1 CSV fields like the first row, found 2');
  });
});

describe('parseCsv', () => {
  test('defaults: header row, `,` and `"`; values stay strings', () => {
    expect(parseCsv('question,n\r\n"Paris, France?",1\n', 'rows.csv')).toEqual([{ question: 'Paris, France?', n: '1' }]);
  });

  test('takes the dialect options', () => {
    expect(parseCsv("x;'a;b'\n", 'rows.csv', { delimiter: ';', quotechar: "'", has_header: false })).toEqual([{ 0: 'x', 1: 'a;b' }]);
  });
});
