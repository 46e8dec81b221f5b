import { ConfigError } from '../../errors/config-error.ts';
import { rowReader, scanColumns } from './record-columns.ts';
import type { RecordStream } from './record-stream.ts';
import { writeTextFile } from './write-text-file.ts';

/** Python `csv` dialect settings of a written CSV file; unset ones take Python's defaults. */
export interface CsvDialect {
  /** @default ',' */
  readonly delimiter?: string | undefined;
  /** @default '"' */
  readonly quotechar?: string | undefined;
  /** @default '\r\n' */
  readonly lineterminator?: string | undefined;
}

/**
 * Writes the records as CSV like Python's `csv.writer` (QUOTE_MINIMAL, doubled quotes): a header of the union of
 * the top-level keys in first-seen order (first pass), then one row per record (second pass). Strings are written
 * as they are, numbers and booleans with `String()`, null and missing values as empty fields, objects and arrays as
 * JSON. A field is quoted when it holds the delimiter, the quote character, `\r`, `\n` or a character of the line
 * terminator; a row of one empty field is written `""` so it is not a blank line. Records without any key give an
 * empty file. Resolves with the number of records.
 *
 * @throws ConfigError when the delimiter or quote character is not one character, they are equal or the line
 * terminator is empty.
 */
export async function writeCsvFile(path: string, records: RecordStream, dialect: CsvDialect = {}): Promise<number> {
  const { delimiter = ',', quotechar = '"', lineterminator = '\r\n' } = dialect;
  checkDialect(delimiter, quotechar, lineterminator);
  const special = new RegExp(`[${escapeForClass(`${delimiter}${quotechar}\r\n${lineterminator}`)}]`, 'u');
  const doubledQuote = quotechar + quotechar;
  const formatRow = (fields: string[]): string => {
    if (fields.length === 1 && fields[0] === '') return doubledQuote + lineterminator;
    const quoted = fields.map((field) => (special.test(field) ? quotechar + field.replaceAll(quotechar, doubledQuote) + quotechar : field));
    return quoted.join(delimiter) + lineterminator;
  };

  const columns = await scanColumns(records());
  const readRow = rowReader(columns);
  let count = 0;
  async function* lines(): AsyncGenerator<string> {
    if (columns.length > 0) yield formatRow(columns.map((column) => column.name));
    for await (const record of records()) {
      count += 1;
      const values = readRow(record);
      if (columns.length > 0) yield formatRow(values.map(fieldText));
    }
  }
  await writeTextFile(path, lines());
  return count;
}

function fieldText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function checkDialect(delimiter: string, quotechar: string, lineterminator: string): void {
  const invalid = (field: string, expected: string, received: string): ConfigError =>
    new ConfigError(`csv output: invalid config at \`${field}\`: expected ${expected}, received ${JSON.stringify(received)}`, { field });
  if ([...delimiter].length !== 1) throw invalid('delimiter', 'one character', delimiter);
  if ([...quotechar].length !== 1) throw invalid('quotechar', 'one character', quotechar);
  if (quotechar === delimiter) throw invalid('quotechar', 'a character other than the delimiter', quotechar);
  if (lineterminator === '') throw invalid('lineterminator', 'at least one character', lineterminator);
}

function escapeForClass(characters: string): string {
  return characters.replace(/[\\\]^-]/g, (character) => `\\${character}`);
}
