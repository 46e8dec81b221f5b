import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { ConfigError } from './errors/config-error.ts';

// Loaded on first use: only runs that use SQLite (an `lm_cache`, a sqlite datastore, a task lock) pay for the addon.
const require = createRequire(import.meta.url);
let sqlite: typeof Database | undefined;

/** The optional dependency's version range, as package.json pins it. */
const betterSqliteRange = '12';

/** Where a missing better-sqlite3 is reported: the file that needed SQLite and, for a config key, its field. */
export interface SqliteUse {
  /** What needs SQLite, for the message: "the disk cache (`lm_cache`)". */
  readonly feature: string;
  readonly file?: string | undefined;
  readonly field?: string | undefined;
}

function loadBetterSqlite(): typeof Database {
  sqlite ??= require('better-sqlite3') as typeof Database;
  return sqlite;
}

function isMissing(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'MODULE_NOT_FOUND' && typeof message === 'string' && message.includes('better-sqlite3');
}

/**
 * Loads `better-sqlite3`, an optional dependency (a native addon, compiled or downloaded at install): a user who
 * never uses SQLite may install rxdgt without it (`npm install --omit=optional`, or when its build failed).
 *
 * ## Example
 * ```ts
 * requireSqlite({ feature: 'the disk cache (`lm_cache`)', file: 'cache.db', field: 'lm_cache' });
 * ```
 *
 * @throws {ConfigError} naming the feature, the file and the install command when better-sqlite3 is not installed,
 * or naming the load failure (an addon built for another Node.js) when it cannot be loaded
 */
export function requireSqlite(use: SqliteUse, load: () => typeof Database = loadBetterSqlite): typeof Database {
  try {
    return load();
  } catch (error) {
    const where = { file: use.file, field: use.field, cause: error };
    if (isMissing(error)) {
      throw new ConfigError(
        `${use.feature} needs the optional package better-sqlite3, which is not installed (left out by \`--omit=optional\`, or its native addon failed to build): install it with \`npm install better-sqlite3@${betterSqliteRange}\``,
        where,
      );
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`${use.feature} needs better-sqlite3, which cannot be loaded (${reason}): rebuild it with \`npm rebuild better-sqlite3\``, where);
  }
}

/**
 * Opens a better-sqlite3 database, loading the native addon on first use. Callers that wrap its errors call
 * {@link requireSqlite} first, so a missing addon is reported as such and not as an unusable file.
 */
export function openDatabase(path: string, options?: Database.Options): Database.Database {
  const Sqlite = requireSqlite({ feature: 'SQLite', file: path });
  return new Sqlite(path, options);
}
