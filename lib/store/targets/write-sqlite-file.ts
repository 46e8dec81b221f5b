import { writeFile } from 'node:fs/promises';
import type Database from 'better-sqlite3';
import { openDatabase, requireSqlite } from '../../sqlite.ts';
import { type ColumnKind, type RecordColumn, rowReader, scanColumns } from './record-columns.ts';
import type { RecordStream } from './record-stream.ts';

/** Rows per transaction: one commit (and sync) per batch, and what one batch holds in memory. */
const batchSize = 10_000;

/** Declared types; a JSON column's type contains `TEXT` so SQLite keeps its values as text (`JSON` alone would make numbers of them). */
const declaredTypes: Readonly<Record<ColumnKind, string>> = {
  string: 'TEXT',
  boolean: 'BOOLEAN',
  integer: 'INTEGER',
  double: 'REAL',
  json: 'JSON TEXT',
};

/**
 * Writes the records into a new SQLite file as a table `records` with one column per top-level key (first pass: the
 * union of keys and one type per column), then inserts them (second pass) with one prepared statement, in
 * transactions of 10,000 rows, in SQLite's default journal mode. Declared types: `TEXT` (strings, or only nulls),
 * `BOOLEAN` (stored as 0 and 1), `INTEGER` (safe integers), `REAL` (numbers), `JSON TEXT` (objects, arrays and mixed
 * types, as JSON text). Null and missing values are NULL.
 *
 * SQLite column names ignore ASCII case, so a key that differs from an earlier one only by case is renamed with a
 * suffix (`Name` after `name` becomes `Name_2`). A table cannot have no columns: records without any key give
 * `records(rowid INTEGER PRIMARY KEY)`, with one row per record. Resolves with the number of records.
 */
export async function writeSqliteFile(path: string, records: RecordStream): Promise<number> {
  requireSqlite({ feature: 'the `sqlite` output format', file: path });
  const columns = await scanColumns(records());
  const readRow = rowReader(columns);
  // Creating the file first reports a missing permission with its errno code instead of SQLITE_CANTOPEN.
  await writeFile(path, '');
  let database: Database.Database | undefined;
  try {
    database = openDatabase(path);
    database.exec(createTableSql(columns));
    const insert = database.prepare(
      columns.length === 0 ? 'INSERT INTO records DEFAULT VALUES' : `INSERT INTO records VALUES (${columns.map(() => '?').join(', ')})`,
    );
    const insertBatch = database.transaction((rows: unknown[][]) => {
      for (const row of rows) {
        if (columns.length === 0) insert.run();
        else insert.run(row);
      }
    });
    let batch: unknown[][] = [];
    let count = 0;
    for await (const record of records()) {
      count += 1;
      const values = readRow(record);
      batch.push(values.map((value, index) => sqlValue(value, columns[index]!.kind)));
      if (batch.length >= batchSize) {
        insertBatch(batch);
        batch = [];
      }
    }
    if (batch.length > 0) insertBatch(batch);
    return count;
  } catch (error) {
    throw plainCause(error);
  } finally {
    database?.close();
  }
}

function createTableSql(columns: readonly RecordColumn[]): string {
  if (columns.length === 0) return 'CREATE TABLE records (rowid INTEGER PRIMARY KEY)';
  const names = distinctNames(columns.map((column) => column.name));
  const definitions = columns.map((column, index) => `${quoteIdentifier(names[index]!)} ${declaredTypes[column.kind]}`);
  return `CREATE TABLE records (${definitions.join(', ')})`;
}

/** Renames names equal to an earlier one but for ASCII case (SQLite's comparison) with `_2`, `_3`, ... */
function distinctNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  const folded = (name: string): string => name.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
  return names.map((name) => {
    let candidate = name;
    for (let suffix = 2; taken.has(folded(candidate)); suffix += 1) candidate = `${name}_${suffix}`;
    taken.add(folded(candidate));
    return candidate;
  });
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function sqlValue(value: unknown, kind: ColumnKind): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'boolean') return value ? 1 : 0;
  if (kind === 'json') return JSON.stringify(value);
  return value;
}

/** SQLite errors carry an `SQLITE_*` code, which says less than their message; a full disk gets ENOSPC. */
function plainCause(error: unknown): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (!(error instanceof Error) || typeof code !== 'string' || !code.startsWith('SQLITE_')) return error;
  const plain = new Error(`SQLite: ${error.message}`, { cause: error });
  return code === 'SQLITE_FULL' ? Object.assign(plain, { code: 'ENOSPC' }) : plain;
}
