import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { ConfigError } from '../errors/config-error.ts';
import { DatastoreError } from '../errors/datastore-error.ts';
import type { PendingBatch } from '../model/batch-api.ts';
import type { DataPoint } from '../record.ts';
import { openDatabase, requireSqlite } from '../sqlite.ts';
import { type CommitBatch, type LedgerStore, type LedgerSummary, type RestoredRecord, emptySummary, idField, sequenceOfId } from './ledger.ts';
import { taskFiles } from './task-layout.ts';

const schema = `
  CREATE TABLE IF NOT EXISTS records (position INTEGER PRIMARY KEY, sequence INTEGER NOT NULL, record TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS rejected (position INTEGER PRIMARY KEY, sequence INTEGER NOT NULL, block TEXT NOT NULL, line TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS ledger (id INTEGER PRIMARY KEY CHECK (id = 1), summary TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS pending_batches (position INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, batch TEXT NOT NULL);
`;

/**
 * The SQLite ledger (`datastore: {type: sqlite}`): the task's records, rejections and bookkeeping in
 * `<task folder>/data.sqlite`, in WAL mode, one transaction per commit, so a crash at any instant leaves every
 * commit whole or absent. Tables: `records(position, sequence, record)` with each record as JSON, `rejected(position,
 * sequence, block, line)`, `ledger` (the summary of the last commit), and `pending_batches(position, id, batch)`
 * (provider batches still pending, each as JSON).
 *
 * @throws {ConfigError} when `data.sqlite` is not a SQLite database
 */
export function openSqliteLedgerStore(dir: string): LedgerStore {
  const path = join(dir, taskFiles.sqlite);
  let database: Database.Database;
  requireSqlite({ feature: 'the task\'s SQLite datastore (`type: sqlite`)', file: path });
  try {
    database = openDatabase(path, { timeout: 5_000 });
    database.pragma('journal_mode = WAL');
    // WAL with NORMAL: a committed transaction survives the death of the process (not a power cut).
    database.pragma('synchronous = NORMAL');
    database.exec(schema);
  } catch (error) {
    throw new ConfigError(`expected the task's SQLite datastore, received a file that cannot be used (${(error as Error).message})`, { file: path, cause: error });
  }
  const db = database;
  const stored = db.prepare<[], string>('SELECT summary FROM ledger WHERE id = 1').pluck().get();
  const summary: LedgerSummary = stored ? (JSON.parse(stored) as LedgerSummary) : emptySummary;
  const insertRecord = db.prepare<[number, string]>('INSERT INTO records (sequence, record) VALUES (?, ?)');
  const insertRejected = db.prepare<[number, string, string]>('INSERT INTO rejected (sequence, block, line) VALUES (?, ?, ?)');
  const saveSummary = db.prepare<[string]>('INSERT INTO ledger (id, summary) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET summary = excluded.summary');
  const write = db.transaction((batch: CommitBatch) => {
    batch.records.forEach((record, index) => insertRecord.run(sequenceOfId(record[idField]), batch.recordTexts?.[index] ?? JSON.stringify(record)));
    for (const { block, line } of batch.rejections) insertRejected.run(sequenceOfId(line[idField]), block, JSON.stringify(line));
    saveSummary.run(JSON.stringify(batch.summary));
  });

  const listBatches = db.prepare<[], string>('SELECT batch FROM pending_batches ORDER BY position').pluck();
  const putBatch = db.prepare<[string, string]>('INSERT INTO pending_batches (id, batch) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET batch = excluded.batch');
  const removeBatch = db.prepare<[string]>('DELETE FROM pending_batches WHERE id = ?');
  const writing = <T>(work: () => T): T => {
    try {
      return work();
    } catch (error) {
      throw new DatastoreError(path, 'write the pending batches', error);
    }
  };

  return {
    kind: 'sqlite',
    pendingBatches: {
      list: () => listBatches.all().map((text) => JSON.parse(text) as PendingBatch),
      put: (batch) => writing(() => putBatch.run(batch.id, JSON.stringify(batch))),
      remove: (id) => writing(() => removeBatch.run(id)),
    },
    summary,
    repairs: [],
    async *records(): AsyncGenerator<RestoredRecord> {
      // Pages of rows by position: no statement stays open across the awaits of the consumer.
      let after = 0;
      const page = db.prepare<[number], { position: number; sequence: number; record: string }>(
        'SELECT position, sequence, record FROM records WHERE position > ? ORDER BY position LIMIT 1000',
      );
      for (let rows = page.all(after); rows.length > 0; rows = page.all(after)) {
        for (const row of rows) yield { record: JSON.parse(row.record) as DataPoint, sequence: row.sequence };
        after = rows.at(-1)!.position;
      }
    },
    commit(batch) {
      try {
        write(batch);
      } catch (error) {
        throw new DatastoreError(path, 'commit', error);
      }
    },
    close() {
      if (db.open) db.close();
    },
  };
}
