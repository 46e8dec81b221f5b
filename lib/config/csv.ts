import { ConfigError } from '../errors/config-error.ts';

/** Python `csv` dialect options (DGT's `utils.read_csv` names), plus rxdgt's `has_header`. */
export interface CsvOptions {
  /** Read the first row as the column names; without one, columns are named `"0"`, `"1"`, .... @default true */
  readonly has_header?: boolean | undefined;
  /** Field separator, one character. @default ',' */
  readonly delimiter?: string | undefined;
  /** Quote character, one character; doubled inside quotes for itself. @default '"' */
  readonly quotechar?: string | undefined;
  /** Accepted for DGT files and ignored: like Python's reader, rows end at `\n`, `\r\n` or `\r`. */
  readonly lineterminator?: string | undefined;
  /** Skip spaces right after a delimiter (and at the start of a row). @default false */
  readonly skipinitialspace?: boolean | undefined;
}

/** One row of CSV fields and the 1-based line it starts on. */
export interface CsvRow {
  readonly fields: readonly string[];
  readonly line: number;
}

/** Splits CSV text fed in chunks into rows; `push` returns the rows each chunk completes, `end` the last one. */
export interface CsvTokenizer {
  push(chunk: string): CsvRow[];
  end(): CsvRow[];
}

type State = 'row-start' | 'field-start' | 'unquoted' | 'quoted' | 'quote-in-quoted';

/**
 * A CSV tokenizer that reads as Python's `csv.reader` does (`doublequote`, not `strict`): a quote opens a quoted
 * field only at the start of a field; inside quotes, delimiters and newlines are text and a doubled quote is one
 * quote; text after a closing quote is kept. Rows end at `\n`, `\r\n` or `\r`; blank lines (and rows of one empty
 * field) are skipped. Chunks may split anywhere.
 *
 * ## Example
 * ```ts
 * const tokenizer = createCsvTokenizer('rows.csv', { skipinitialspace: true });
 * tokenizer.push('a, "b,'); // []
 * tokenizer.push(' c"\r\nd'); // [{ fields: ['a', 'b, c'], line: 1 }]
 * tokenizer.end(); // [{ fields: ['d'], line: 2 }]
 * ```
 *
 * @throws {ConfigError} from `end` when a quoted field is never closed (naming `file` and the line)
 */
export function createCsvTokenizer(file: string, options: CsvOptions = {}): CsvTokenizer {
  const delimiter = options.delimiter ?? ',';
  const quote = options.quotechar ?? '"';
  const skipSpace = options.skipinitialspace ?? false;
  let state: State = 'row-start';
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let rowLine = 1;
  let quoteLine = 1;
  let afterCarriageReturn = false;
  let rows: CsvRow[] = [];

  const endField = (): void => {
    fields.push(field);
    field = '';
  };
  const endRow = (): void => {
    endField();
    if (fields.length > 1 || fields[0] !== '') rows.push({ fields, line: rowLine });
    fields = [];
    state = 'row-start';
  };
  const take = (char: string): void => {
    const newline = char === '\n' || char === '\r';
    if (state === 'row-start') {
      if (newline) return;
      rowLine = line;
      state = 'field-start';
    }
    if (state === 'field-start') {
      if (char === quote) {
        state = 'quoted';
        quoteLine = line;
      } else if (char === ' ' && skipSpace) {
        // skipped, as Python's skipinitialspace does
      } else if (char === delimiter) endField();
      else if (newline) endRow();
      else {
        field += char;
        state = 'unquoted';
      }
    } else if (state === 'unquoted') {
      if (char === delimiter) {
        endField();
        state = 'field-start';
      } else if (newline) endRow();
      else field += char;
    } else if (state === 'quoted') {
      if (char === quote) state = 'quote-in-quoted';
      else field += char;
    } else if (char === quote) {
      field += quote;
      state = 'quoted';
    } else if (char === delimiter) {
      endField();
      state = 'field-start';
    } else if (newline) endRow();
    else {
      field += char;
      state = 'unquoted';
    }
  };

  return {
    push(chunk) {
      for (const char of chunk) {
        // `\r\n` is one line end: its `\n` is dropped between rows and counted once inside quotes.
        const secondHalf = char === '\n' && afterCarriageReturn;
        afterCarriageReturn = char === '\r';
        if (secondHalf && state === 'row-start') continue;
        take(char);
        if (char === '\r' || (char === '\n' && !secondHalf)) line += 1;
      }
      const done = rows;
      rows = [];
      return done;
    },
    end() {
      if (state === 'quoted') throw new ConfigError(`line ${quoteLine}: quoted CSV field is never closed`, { file });
      if (state !== 'row-start') endRow();
      const done = rows;
      rows = [];
      return done;
    },
  };
}

/**
 * Turns CSV rows into records: with `has_header` (the default) the first row names the columns, else columns are
 * named by position (`"0"`, `"1"`, ...). Returns undefined for the header row itself. Values stay strings.
 *
 * ## Example
 * ```ts
 * const makeRecord = createCsvRecordMaker('rows.csv');
 * makeRecord({ fields: ['q', 'a'], line: 1 }); // undefined (the header)
 * makeRecord({ fields: ['x', 'y'], line: 2 }); // { q: 'x', a: 'y' }
 * ```
 *
 * @throws {ConfigError} for a row whose field count differs from the header's (or the first row's), naming `file`
 *   and the line
 */
export function createCsvRecordMaker(file: string, options: CsvOptions = {}): (row: CsvRow) => Record<string, string> | undefined {
  const hasHeader = options.has_header ?? true;
  let names: readonly string[] | undefined;
  return ({ fields, line }) => {
    if (names === undefined) {
      names = hasHeader ? fields : fields.map((_, index) => String(index));
      if (hasHeader) return undefined;
    }
    if (fields.length !== names.length) {
      const like = hasHeader ? 'the header' : 'the first row';
      throw new ConfigError(`line ${line}: expected ${names.length} CSV fields like ${like}, found ${fields.length}`, { file });
    }
    const record: Record<string, string> = {};
    names.forEach((name, index) => {
      record[name] = fields[index]!;
    });
    return record;
  };
}

/**
 * Parses CSV text as Python's `csv` module does (by default RFC 4180: `,` separators, `"` quotes, `""` for a quote
 * inside quotes, newlines inside quotes) into one record per data row, keyed by the header row (see
 * {@link createCsvRecordMaker}). Values stay strings.
 *
 * ## Example
 * ```ts
 * parseCsv('q;a\n"x;y";1\n', 'rows.csv', { delimiter: ';' }); // [{ q: 'x;y', a: '1' }]
 * ```
 *
 * @throws {ConfigError} for a ragged row or an unclosed quote, naming `file` and the line
 */
export function parseCsv(text: string, file: string, options: CsvOptions = {}): Record<string, string>[] {
  const tokenizer = createCsvTokenizer(file, options);
  const makeRecord = createCsvRecordMaker(file, options);
  const records: Record<string, string>[] = [];
  for (const row of [...tokenizer.push(text), ...tokenizer.end()]) {
    const record = makeRecord(row);
    if (record !== undefined) records.push(record);
  }
  return records;
}
