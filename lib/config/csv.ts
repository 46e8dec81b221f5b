import { ConfigError } from '../errors/config-error.ts';

/**
 * Parses CSV text (RFC 4180: `,` separators, `"` quotes, `""` for a quote inside quotes, newlines inside quotes)
 * into one object per data row, keyed by the header row. Values stay strings. A row whose field count differs
 * from the header's is a ConfigError naming the line.
 */
export function parseCsv(text: string, file: string): Record<string, string>[] {
  const rows = splitCsvRows(text, file);
  const header = rows.shift();
  if (header === undefined) return [];
  return rows.map(({ fields, line }) => {
    if (fields.length !== header.fields.length) {
      throw new ConfigError(`line ${line}: expected ${header.fields.length} CSV fields like the header, found ${fields.length}`, { file });
    }
    return Object.fromEntries(header.fields.map((name, index) => [name, fields[index]!]));
  });
}

interface CsvRow {
  readonly fields: string[];
  /** 1-based line the row starts on. */
  readonly line: number;
}

function splitCsvRows(text: string, file: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let quoteLine = 1;
  const endRow = (): void => {
    fields.push(field);
    // A blank line is skipped, as Python's csv module does.
    if (fields.length > 1 || fields[0] !== '') rows.push({ fields, line: rowLine });
    fields = [];
    field = '';
  };
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else {
        if (char === '\n') line += 1;
        field += char;
      }
    } else if (char === '"' && field === '') {
      quoted = true;
      quoteLine = line;
    } else if (char === ',') {
      fields.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index += 1;
      endRow();
      line += 1;
      rowLine = line;
    } else field += char;
  }
  if (quoted) throw new ConfigError(`line ${quoteLine}: quoted CSV field is never closed`, { file });
  if (field !== '' || fields.length > 0) endRow();
  return rows;
}
