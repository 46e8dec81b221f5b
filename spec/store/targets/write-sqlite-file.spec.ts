import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import type { OutputRecord } from '../../../lib/store/targets/record-stream.ts';
import { writeSqliteFile } from '../../../lib/store/targets/write-sqlite-file.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { generatedStream, keysOf, streamOf, variedRecords } from './record-fixtures.ts';

const sqlite = createRequire(import.meta.url)('better-sqlite3') as typeof Database;

interface ColumnInfo {
  readonly name: string;
  readonly type: string;
  readonly pk: number;
}

function readTable(path: string): { columns: ColumnInfo[]; rows: Record<string, unknown>[] } {
  const database = new sqlite(path, { readonly: true });
  try {
    const columns = database.pragma('table_info(records)') as ColumnInfo[];
    const rows = database.prepare('SELECT * FROM records ORDER BY rowid').all() as Record<string, unknown>[];
    return { columns, rows };
  } finally {
    database.close();
  }
}

/** Undoes the storage conventions: JSON TEXT columns parsed, BOOLEAN 0/1 made booleans. */
function decoded(columns: readonly ColumnInfo[], rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const types = new Map(columns.map((column) => [column.name, column.type]));
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([name, value]) => {
        if (value === null) return [name, null];
        if (types.get(name) === 'JSON TEXT') return [name, JSON.parse(value as string)];
        if (types.get(name) === 'BOOLEAN') return [name, value === 1];
        return [name, value];
      }),
    ),
  );
}

function filled(records: readonly OutputRecord[]): Record<string, unknown>[] {
  const keys = keysOf(records);
  return records.map((record) => Object.fromEntries(keys.map((key) => [key, record[key] ?? null])));
}

describe('writeSqliteFile', () => {
  test('writes table `records` with one typed column per key and round-trips the varied records', async () => {
    const path = join(tempDir(), 'data.sqlite');
    const stream = streamOf(variedRecords);
    expect(await writeSqliteFile(path, stream)).toBe(variedRecords.length);
    expect(stream.passes).toBe(2);
    const { columns, rows } = readTable(path);
    expect(columns.map((column) => [column.name, column.type])).toEqual([
      ['id', 'INTEGER'],
      ['text', 'TEXT'],
      ['score', 'REAL'],
      ['ok', 'BOOLEAN'],
      ['note', 'TEXT'],
      ['meta', 'JSON TEXT'],
      ['tags', 'JSON TEXT'],
      ['unicode', 'TEXT'],
      ['mixed', 'JSON TEXT'],
      ['nested', 'JSON TEXT'],
      ['big', 'REAL'],
    ]);
    expect(rows[2]).toMatchObject({ ok: 1, mixed: '1' });
    expect(decoded(columns, rows)).toEqual(filled(variedRecords));
  });

  test('quotes column names and renames one that differs from an earlier one only by ASCII case', async () => {
    const path = join(tempDir(), 'data.sqlite');
    const records = [{ name: 'a', 'say "x"': 1, '': 'empty', Name: 'b', NAME: 'c', Émile: 'e', émile: 'é' }];
    await writeSqliteFile(path, streamOf(records));
    const { columns, rows } = readTable(path);
    expect(columns.map((column) => column.name)).toEqual(['name', 'say "x"', '', 'Name_2', 'NAME_3', 'Émile', 'émile']);
    expect(rows).toEqual([{ name: 'a', 'say "x"': 1, '': 'empty', Name_2: 'b', NAME_3: 'c', Émile: 'e', émile: 'é' }]);
  });

  test('25,000 records are inserted in several transactions and read back in order', async () => {
    const path = join(tempDir(), 'data.sqlite');
    const make = (index: number): OutputRecord => ({ index, text: `row ${index}`, half: index / 2 });
    expect(await writeSqliteFile(path, generatedStream(25_000, make))).toBe(25_000);
    const { rows } = readTable(path);
    expect(rows).toEqual(Array.from({ length: 25_000 }, (_, index) => make(index)));
  });

  test('no records give `records(rowid INTEGER PRIMARY KEY)` with no rows', async () => {
    const path = join(tempDir(), 'data.sqlite');
    expect(await writeSqliteFile(path, streamOf([]))).toBe(0);
    const { columns, rows } = readTable(path);
    expect(columns.map((column) => [column.name, column.type, column.pk])).toEqual([['rowid', 'INTEGER', 1]]);
    expect(rows).toEqual([]);
  });

  test('records without any key are kept as one row each', async () => {
    const path = join(tempDir(), 'data.sqlite');
    expect(await writeSqliteFile(path, streamOf([{}, {}, {}]))).toBe(3);
    expect(readTable(path).rows).toEqual([{ rowid: 1 }, { rowid: 2 }, { rowid: 3 }]);
  });

  test('uses the default journal mode and leaves no journal beside the file', async () => {
    const dir = tempDir();
    const path = join(dir, 'data.sqlite');
    await writeSqliteFile(path, streamOf([{ a: 1 }]));
    const database = new sqlite(path, { readonly: true });
    expect(database.pragma('journal_mode', { simple: true })).toBe('delete');
    database.close();
    expect(readdirSync(dir)).toEqual(['data.sqlite']);
  });
});
