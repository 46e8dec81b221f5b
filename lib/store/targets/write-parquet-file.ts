import { type BasicType, ParquetWriter, fileWriter, parquetWriteRows } from 'hyparquet-writer';
import { type ColumnKind, rowReader, scanColumns } from './record-columns.ts';
import type { RecordStream } from './record-stream.ts';

/** Rows per row group: what one group holds in memory while it is encoded. */
const rowGroupSize = 10_000;

const parquetTypes: Readonly<Record<ColumnKind, BasicType>> = {
  string: 'STRING',
  boolean: 'BOOLEAN',
  integer: 'INT64',
  double: 'DOUBLE',
  json: 'JSON',
};

/**
 * Writes the records as Parquet with `hyparquet-writer`, one nullable column per top-level key (first pass: the
 * union of keys and one type per column), then rows in row groups of 10,000 (second pass), so memory holds one
 * group at a time. Column types: only strings (or only nulls) → STRING; only booleans → BOOLEAN; only safe
 * integers → INT64; only numbers → DOUBLE; anything else (objects, arrays, mixed types) → JSON text (converted
 * type JSON). Null and missing values are nulls. Resolves with the number of records.
 *
 * What a reader sees: `hyparquet` gives INT64 values as `bigint` and parses JSON columns back to the values
 * (objects, arrays, and the strings and numbers of a mixed column); readers without the JSON converted type (some
 * pyarrow versions) see the JSON text. Records without any key give a valid file with no columns and no rows.
 */
export async function writeParquetFile(path: string, records: RecordStream): Promise<number> {
  const columns = await scanColumns(records());
  const readRow = rowReader(columns);
  const writer = fileWriter(path);
  let count = 0;
  if (columns.length === 0) {
    // The row writer needs a column; a file with none is the footer of an empty schema.
    for await (const record of records()) {
      readRow(record);
      count += 1;
    }
    await new ParquetWriter({ writer, schema: [{ name: 'root', num_children: 0 }] }).finish();
    return count;
  }
  async function* rows(): AsyncGenerator<Record<string, unknown>> {
    for await (const record of records()) {
      count += 1;
      const values = readRow(record);
      // No prototype: a `__proto__` key is an ordinary own property here.
      const row = Object.create(null) as Record<string, unknown>;
      columns.forEach(({ name, kind }, index) => {
        const value = values[index] ?? null;
        row[name] = kind === 'integer' && value !== null ? BigInt(value as number) : value;
      });
      yield row;
    }
  }
  await parquetWriteRows({
    writer,
    rows: rows(),
    columns: columns.map(({ name, kind }) => ({ name, type: parquetTypes[kind] })),
    rowGroupSize,
  });
  return count;
}
