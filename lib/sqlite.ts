import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';

// Loaded on first use: only runs that use SQLite (an `lm_cache`, a sqlite datastore, a task lock) pay for the addon.
const require = createRequire(import.meta.url);
let sqlite: typeof Database | undefined;

/** Opens a better-sqlite3 database, loading the native addon on first use. */
export function openDatabase(path: string, options?: Database.Options): Database.Database {
  sqlite ??= require('better-sqlite3') as typeof Database;
  return new sqlite(path, options);
}
