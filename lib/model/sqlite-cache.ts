import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { ConfigError } from '../errors/config-error.ts';
import { parseConfig } from '../parse-config.ts';
import { openDatabase, requireSqlite } from '../sqlite.ts';
import type { ModelResult } from './language-model.ts';
import type { ResponseCache } from './response-cache.ts';

/** Settings of {@link openSqliteCache}. */
export interface SqliteCacheOptions {
  /** Answers kept in memory in front of the file; 0 reads every answer from the file. @default 10000 */
  readonly memoryEntries?: number;
}

const optionsSchema = z.object({ memoryEntries: z.number().int().min(0).default(10_000) });

/** How long a write waits for another process's write to finish before failing with SQLITE_BUSY. */
const busyTimeoutMs = 5_000;

/**
 * DGT's `lm_cache: <path>`: answers in a SQLite file, with an in-memory LRU in front. The file is in WAL
 * mode with a busy timeout, so several processes can read and write one file at once; a write waits for
 * another process's write instead of failing. Parent directories are created.
 *
 * @throws ConfigError when the file is not a SQLite database, is corrupt or cannot be opened.
 */
export function openSqliteCache(path: string, options: SqliteCacheOptions = {}): ResponseCache {
  const { memoryEntries } = parseConfig('lm_cache', optionsSchema, options);
  let database: Database.Database | undefined;
  let select: Database.Statement<[string], string>;
  let upsert: Database.Statement<[string, string, number]>;
  requireSqlite({ feature: 'the disk cache (`lm_cache`)', file: path, field: 'lm_cache' });
  try {
    mkdirSync(dirname(path), { recursive: true });
    database = openDatabase(path, { timeout: busyTimeoutMs });
    // Reading the journal mode is the first read of the file: a file that is not SQLite fails here.
    database.pragma('journal_mode = WAL');
    // In WAL mode, NORMAL syncs at checkpoints only: a crash may lose the last answers, never corrupt the file.
    database.pragma('synchronous = NORMAL');
    database.exec('CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, value TEXT NOT NULL, created_at INTEGER)');
    select = database.prepare<[string], string>('SELECT value FROM responses WHERE key = ?').pluck();
    upsert = database.prepare<[string, string, number]>('INSERT OR REPLACE INTO responses (key, value, created_at) VALUES (?, ?, ?)');
  } catch (error) {
    database?.close();
    throw unusable(path, error);
  }
  const db = database;
  const memory = memoryEntries > 0 ? new LRUCache<string, ModelResult>({ max: memoryEntries }) : undefined;

  return {
    get(key) {
      const remembered = memory?.get(key);
      if (remembered !== undefined) return remembered;
      let stored: string | undefined;
      try {
        stored = select.get(key);
      } catch (error) {
        throw corrupt(path, error) ?? error;
      }
      if (stored === undefined) return undefined;
      const value = JSON.parse(stored) as ModelResult;
      memory?.set(key, value);
      return value;
    },
    set(key, value) {
      memory?.set(key, value);
      try {
        upsert.run(key, JSON.stringify(value), Date.now());
      } catch (error) {
        throw corrupt(path, error) ?? error;
      }
    },
    close() {
      memory?.clear();
      if (db.open) db.close();
    },
  };
}

function unusable(path: string, cause: unknown): ConfigError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ConfigError(`\`lm_cache\`: expected a SQLite database at ${path}, received a file that cannot be used (${reason})`, {
    field: 'lm_cache',
    cause,
  });
}

/** A ConfigError when a read or write finds the file corrupt; other failures (a full disk, say) stay as they are. */
function corrupt(path: string, cause: unknown): ConfigError | undefined {
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') ? unusable(path, cause) : undefined;
}
