import { createReadStream } from 'node:fs';
import { type CsvOptions, type CsvRow, type CsvTokenizer, createCsvRecordMaker, createCsvTokenizer } from '../../config/csv.ts';
import { readFailure } from './read-text.ts';

/**
 * Streams the records of a CSV file, read in chunks and parsed as Python's `csv` module does with `options`
 * (`has_header` true by default; without a header, columns are `"0"`, `"1"`, ...). Values stay strings. Yields
 * the records from row `skip` on (the header is not a row) and returns the file's row count.
 *
 * ## Example
 * ```ts
 * for await (const record of readCsvRecords('/data/rows.csv', 0, { delimiter: ';' })) console.log(record); // { q: 'a' }
 * ```
 *
 * @throws {ConfigError} for a ragged row or an unclosed quote, naming `path` and the line
 * @throws {DatastoreError} when the file cannot be read
 */
export async function* readCsvRecords(path: string, skip: number, options: CsvOptions = {}): AsyncGenerator<Record<string, unknown>, number, undefined> {
  const makeRecord = createCsvRecordMaker(path, options);
  const stream = createReadStream(path, { encoding: 'utf8' });
  let row = 0;
  try {
    for await (const csvRow of tokenize(stream, createCsvTokenizer(path, options))) {
      const record = makeRecord(csvRow);
      if (record === undefined) continue;
      row += 1;
      if (row > skip) yield record;
    }
  } catch (error) {
    throw readFailure(path, error);
  } finally {
    stream.destroy();
  }
  return row;
}

async function* tokenize(chunks: AsyncIterable<string>, tokenizer: CsvTokenizer): AsyncGenerator<CsvRow, void, undefined> {
  let first = true;
  for await (const chunk of chunks) {
    yield* tokenizer.push(first ? chunk.replace(/^\uFEFF/, '') : chunk);
    first = false;
  }
  yield* tokenizer.end();
}
